import BreachClockRules

/// What an auditor would find stale or missing in a programme, as of a date. The most common
/// finding is a stale plan: contacts and role holders who left months ago.
public enum ProgrammeCheck {
    /// One finding: what is wrong, about what, in words.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, CaseIterable {
            case staleContact = "contact.stale"
            case staleRole = "role.stale"
            case missingStandardRole = "role.missing"
            case noHolder = "role.no-holder"
            case noDeputy = "role.no-deputy"
            case deputyIsHolder = "role.deputy-is-holder"
            case tooManyRoles = "person.too-many-roles"
            case noDetection = "system.no-detection"
            case noExercise = "exercise.none"
            case overdueActionItem = "action-item.overdue"
            case untriagedEvent = "event.untriaged"
        }

        public var kind: Kind
        /// The id of the person, role or system concerned.
        public var subject: String
        public var message: String

        public var description: String { "\(kind.rawValue) \(subject): \(message)" }

        public init(kind: Kind, subject: String, message: String) {
            self.kind = kind
            self.subject = subject
            self.message = message
        }
    }

    /// Every finding, in the order: people, roles, systems.
    /// - Parameter asOf: the day of the check (the caller's clock, injected).
    public static func findings(_ programme: Programme, asOf: CivilDate) -> [Finding] {
        var findings: [Finding] = []
        let limit = programme.reviewDays
        // "Not reviewed for 90 days" holds on the 90th day after the review: age >= limit.
        func age(_ date: CivilDate) -> Int { asOf.dayNumber - date.dayNumber }
        for person in programme.people where age(person.reviewedAt) >= limit {
            findings.append(
                Finding(
                    kind: .staleContact, subject: person.id,
                    message:
                        "\(person.name)'s contact details were last reviewed \(person.reviewedAt), \(age(person.reviewedAt)) days ago (limit \(limit))"
                ))
        }
        var load: [String: [String]] = [:]
        for role in programme.roles {
            if age(role.reviewedAt) >= limit {
                findings.append(
                    Finding(
                        kind: .staleRole, subject: role.id,
                        message: "who holds \(role.name) was last reviewed \(role.reviewedAt), \(age(role.reviewedAt)) days ago (limit \(limit))"))
            }
            if role.holder == nil { findings.append(Finding(kind: .noHolder, subject: role.id, message: "\(role.name) has no holder")) }
            if role.deputy == nil { findings.append(Finding(kind: .noDeputy, subject: role.id, message: "\(role.name) has no deputy")) }
            if let holder = role.holder, holder == role.deputy {
                findings.append(Finding(kind: .deputyIsHolder, subject: role.id, message: "\(role.name)'s deputy is its holder, \(holder)"))
            }
            for id in Set([role.holder, role.deputy].compactMap { $0 }) { load[id, default: []].append(role.id) }
        }
        let present = Set(programme.roles.map(\.id))
        for id in Programme.standardRoles where !present.contains(id) {
            findings.append(Finding(kind: .missingStandardRole, subject: id, message: "the programme has no `\(id)` role"))
        }
        for person in programme.people {
            let roles = load[person.id] ?? []
            if roles.count > programme.maxRolesPerPerson {
                findings.append(
                    Finding(
                        kind: .tooManyRoles, subject: person.id,
                        message:
                            "\(person.name) holds or deputises \(roles.count) roles (\(roles.joined(separator: ", "))); the limit is \(programme.maxRolesPerPerson)"
                    ))
            }
        }
        for system in programme.systems where system.detection.isEmpty {
            findings.append(
                Finding(kind: .noDetection, subject: system.id, message: "\(system.name) is in scope but no detection source watches it"))
        }
        return findings
    }

    /// The period an exercise must fall in: the 12 months up to the day of the check (an exercise
    /// run exactly 12 months before no longer counts, as a review on the 90th day is stale), or an
    /// audit's observation period, both days included.
    public struct ExercisePeriod: Sendable, Equatable, CustomStringConvertible {
        public var from: CivilDate
        public var to: CivilDate

        public init(from: CivilDate, to: CivilDate) {
            self.from = from
            self.to = to
        }

        /// The 12 months before `asOf`: from the day after the same date a year earlier, to `asOf`.
        public static func twelveMonths(before asOf: CivilDate) -> ExercisePeriod {
            ExercisePeriod(from: asOf.adding(months: -12).adding(days: 1), to: asOf)
        }

        public var description: String { "\(from) to \(to)" }
    }

    /// Findings from the exercises run: none in `period`, and action items open past their due
    /// date on `asOf` (the day after the due date is the first day one is late).
    /// - Parameter exercises: each exercise's id and the day it was run.
    public static func exerciseFindings(
        exercises: [(id: String, runOn: CivilDate)], actionItems: [ActionItemState], period: ExercisePeriod, asOf: CivilDate
    ) -> [Finding] {
        var findings: [Finding] = []
        if !exercises.contains(where: { $0.runOn >= period.from && $0.runOn <= period.to }) {
            let last = exercises.map(\.runOn).max()
            findings.append(
                Finding(
                    kind: .noExercise, subject: "exercises",
                    message: "no tabletop exercise was run from \(period)" + (last.map { " (the last was on \($0))" } ?? " (none was ever run)")))
        }
        for item in actionItems where item.isOverdue(on: asOf) {
            let late = CivilDate(iso: item.due).map { asOf.dayNumber - $0.dayNumber } ?? 0
            findings.append(
                Finding(
                    kind: .overdueActionItem, subject: item.id,
                    message: "\"\(item.title)\" (owner \(item.owner)) was due \(item.due) and is still open, \(late) day\(late == 1 ? "" : "s") late")
            )
        }
        return findings
    }
}
