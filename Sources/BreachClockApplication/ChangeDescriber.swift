import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockRules
import BreachClockStore
import Foundation

/// Says in words what a recomputation changed and why: "US-CA/regulator added: 620 residents is more
/// than 500 (Cal. Civ. Code § 1798.82(f)); affected.US-CA rose from 480 to 620".
enum ChangeDescriber {
    /// An obligation as the previous assessment had it.
    struct Previous: Equatable {
        var kind: String
        var dueDate: String?
        /// The due instant: an hour-based deadline can move within its day.
        var due: Date?
    }

    /// How one obligation differs between the previous assessment and the new one. The history's
    /// lines and the webhook events both come from this one comparison.
    enum ObligationChange {
        case added(Obligation)
        case changed(Obligation, from: Previous)
        case removed(id: String)
    }

    /// The obligations added, changed (kind, due date or due instant) and removed since `previous`,
    /// in the new assessment's order, then the removed ones by id.
    static func obligationChanges(from previous: [String: Previous], to assessment: Assessment) -> [ObligationChange] {
        var changes: [ObligationChange] = []
        var seen: Set<String> = []
        for obligation in assessment.obligations {
            seen.insert(obligation.id)
            guard let before = previous[obligation.id] else {
                changes.append(.added(obligation))
                continue
            }
            let deadline = obligation.deadline
            // Instants are stored and shown in whole seconds, so they are compared in whole seconds.
            let wholeSeconds = { (date: Date?) in date.map { Int($0.timeIntervalSince1970.rounded(.down)) } }
            if before.kind != deadline.kind.rawValue || before.dueDate != deadline.dueDate?.description
                || wholeSeconds(before.due) != wholeSeconds(deadline.due)
            {
                changes.append(.changed(obligation, from: before))
            }
        }
        for id in previous.keys.sorted() where !seen.contains(id) { changes.append(.removed(id: id)) }
        return changes
    }

    static func describe(previous: StoredIncident, facts: IncidentFacts, assessment: Assessment, decoder: FactsDecoder) -> [String] {
        var lines: [String] = []
        let oldFacts = (try? DocumentParser.parse(previous.factsJSON, file: "stored")).flatMap { try? decoder.decode($0) }
        if let oldFacts { lines += factChanges(from: oldFacts, to: facts) }
        for change in obligationChanges(from: previousObligations(previous.assessmentJSON), to: assessment) {
            switch change {
            case .added(let obligation):
                let why = obligation.reasonDetails.last.map { ": \($0.text)" } ?? ""
                lines.append("\(obligation.id) added\(why)")
            case .changed(let obligation, let before):
                let deadline = obligation.deadline
                // The day when it moved from one day to another; the instant when it moved within its day.
                let sameDay = before.dueDate != nil && before.dueDate == deadline.dueDate?.description && before.kind == deadline.kind.rawValue
                let from = sameDay ? before.dueText : before.dueDate.map { "due \($0)" } ?? before.kind
                let to =
                    sameDay
                    ? Previous(kind: deadline.kind.rawValue, dueDate: deadline.dueDate?.description, due: deadline.due).dueText
                    : deadline.dueDate.map { "due \($0)" } ?? deadline.kind.rawValue
                let why =
                    obligation.notice == nil && deadline.clockStart?.hasPrefix("notice:") == true ? " (the notice it runs from was recorded)" : ""
                lines.append("\(obligation.id) deadline changed from \(from) to \(to)\(why)")
            case .removed(let id):
                let why = assessment.notTriggered.first { $0.id == id }.map { ": \($0.reason)" } ?? ": no longer applies"
                lines.append("\(id) removed\(why)")
            }
        }
        return lines.isEmpty ? ["no change to obligations"] : lines
    }

    /// What this reads of a stored assessment.
    struct StoredAssessment: Decodable {
        struct Deadline: Decodable {
            var kind: String?
            var dueDate: String?
            var due: String?
        }

        /// Read leniently, as the history always has: an item without an id or a deadline object is
        /// skipped, not the whole assessment.
        struct Obligation: Decodable {
            enum CodingKeys: String, CodingKey { case id, deadline }

            var id: String?
            var deadline: Deadline?

            init(from decoder: any Decoder) throws {
                let container = try? decoder.container(keyedBy: CodingKeys.self)
                id = try? container?.decode(String.self, forKey: .id)
                deadline = try? container?.decode(Deadline.self, forKey: .deadline)
            }
        }

        enum CodingKeys: String, CodingKey { case rulesDigest, obligations }

        var rulesDigest: String?
        var obligations: [Obligation]?

        /// Each member on its own: malformed obligations do not hide the digest.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            rulesDigest = try? container.decode(String.self, forKey: .rulesDigest)
            obligations = try? container.decode([Obligation].self, forKey: .obligations)
        }

        /// Nil for text that is not an assessment.
        static func read(_ json: String) -> StoredAssessment? { try? JSONDecoder.decode(StoredAssessment.self, from: json) }
    }

    /// The rules digest a stored assessment was computed with.
    static func rulesDigest(_ json: String) -> String? { StoredAssessment.read(json)?.rulesDigest }

    /// The obligations of a stored assessment by id; none for text that is not an assessment.
    static func previousObligations(_ json: String) -> [String: Previous] {
        var result: [String: Previous] = [:]
        for item in StoredAssessment.read(json)?.obligations ?? [] {
            guard let id = item.id, let deadline = item.deadline else { continue }
            result[id] = Previous(
                kind: deadline.kind ?? "", dueDate: deadline.dueDate, due: deadline.due.flatMap { ZonedTime.parse($0, in: ZonedTime.utc) })
        }
        return result
    }

    static func factChanges(from old: IncidentFacts, to new: IncidentFacts) -> [String] {
        var lines: [String] = []
        let oldCounts = Dictionary(old.affected.map { ($0.code, $0.count) }, uniquingKeysWith: +)
        let newCounts = Dictionary(new.affected.map { ($0.code, $0.count) }, uniquingKeysWith: +)
        for code in Set(oldCounts.keys).union(newCounts.keys).sorted() {
            switch (oldCounts[code], newCounts[code]) {
            case (let a?, let b?) where a != b:
                // A range can narrow: "rose" or "fell" only when both bounds moved that way (or stayed).
                let verb = b.min >= a.min && b.max >= a.max ? "rose" : b.min <= a.min && b.max <= a.max ? "fell" : "changed"
                lines.append("affected.\(code) \(verb) from \(a) to \(b)")
            case (nil, let b?): lines.append("affected.\(code) added: \(b)")
            case (let a?, nil): lines.append("affected.\(code) removed (was \(a))")
            default: break
            }
        }
        if old.elements != new.elements {
            lines.append(
                "data.elements changed from \(old.elements.map(\.rawValue).joined(separator: ", ")) to \(new.elements.map(\.rawValue).joined(separator: ", "))"
            )
        }
        if old.encrypted != new.encrypted || old.keyCompromised != new.keyCompromised {
            lines.append("encryption changed: encrypted \(new.encrypted), key compromised \(new.keyCompromised)")
        }
        if old.riskOfHarm != new.riskOfHarm { lines.append("riskOfHarm changed from \(old.riskOfHarm.rawValue) to \(new.riskOfHarm.rawValue)") }
        if old.discoveredAt != new.discoveredAt { lines.append("events.discoveredAt changed") }
        if old.determinedAt != new.determinedAt { lines.append("events.determinedAt changed") }
        if new.notices.count > old.notices.count {
            for notice in new.notices.dropFirst(old.notices.count) {
                lines.append("notice recorded: \(notice.obligation ?? "\(notice.jurisdiction) \(notice.recipient.rawValue)")")
            }
        }
        return lines
    }
}

extension ChangeDescriber.Previous {
    /// "due 2026-03-05T10:00:00Z", or the date or kind when there is no instant.
    var dueText: String {
        if let due { return "due " + ZonedTime.rfc3339(due, in: ZonedTime.utc) }
        return dueDate.map { "due \($0)" } ?? kind
    }
}
