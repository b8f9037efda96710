import BreachClockApplication
import BreachClockCalculator
import BreachClockEvidence
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import Foundation
import Hummingbird
import NIOCore

extension Console {
    /// `/console/programme` and `/console/exercises` (issue 15's features, in the console).
    func registerProgramme(on router: Router<ServerContext>) {
        router.get("/console/evidence") { request, _ in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            let today = ZonedTime.civilDate(of: clock(), in: ZonedTime.utc)
            let view: [String: Any] = [
                "csrf": session.csrf, "canEdit": session.key.role >= .editor, "from": CivilDate(year: today.year, month: 1, day: 1)!.description,
                "to": today.description,
            ]
            return Self.page(title: "Evidence", body: Self.render(view, "evidence"), session: session)
        }
        router.post("/console/evidence") { request, _ in
            let fields = try await Self.form(request)
            let checked = try await editor(request, fields: fields)
            guard let session = checked.session, checked.refusal == nil else { return checked.refusal! }
            guard let from = fields["from"].flatMap({ CivilDate(iso: $0) }), let to = fields["to"].flatMap({ CivilDate(iso: $0) }), from <= to else {
                let view: [String: Any] = [
                    "csrf": session.csrf, "canEdit": true, "from": fields["from"] ?? "", "to": fields["to"] ?? "",
                    "error": "Give two dates YYYY-MM-DD, the first not after the last.",
                ]
                return Self.page(title: "Evidence", body: Self.render(view, "evidence"), session: session, status: .unprocessableContent)
            }
            let files = try await EvidenceBundle.build(store: store, from: from, to: to, now: clock(), actor: Self.actor(session))
            return try Routes.evidenceResponse(files, from: from, to: to)
        }
        router.get("/console/programme") { request, _ in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            let programmes = ProgrammeService(store: store, clock: clock)
            guard let newest = try await programmes.newestProgramme() else {
                return Self.page(title: "Programme", body: Self.render([String: String](), "no-programme"), session: session)
            }
            let today = ZonedTime.civilDate(of: clock(), in: ZonedTime.utc)
            let findings = try await programmes.findings(newest.programme, asOf: today, period: .twelveMonths(before: today))
            let names = Dictionary(newest.programme.people.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            struct Finding {
                var kind: String
                var subject: String
                var message: String
            }
            struct Role {
                var name: String
                var holder: String
                var deputy: String
                var reviewedAt: String
            }
            struct Person {
                var name: String
                var email: String
                var phone: String
                var chat: String
                var reviewedAt: String
            }
            struct System {
                var name: String
                var detection: String
            }
            struct Revision {
                var revision: Int
                var importedAt: String
                var importedBy: String
                var sha256: String
            }
            struct View {
                var organisation: String
                var revision: Int
                var importedAt: String
                var importedBy: String
                var sha256: String
                var asOf: String
                var findings: [Finding]
                var roles: [Role]
                var people: [Person]
                var systems: [System]
                var revisions: [Revision]
            }
            let p = newest.programme
            let view = View(
                organisation: p.organisation, revision: newest.revision.revision, importedAt: IncidentStore.timestamp(newest.revision.importedAt),
                importedBy: newest.revision.importedBy, sha256: newest.revision.digest, asOf: today.description,
                findings: findings.map { Finding(kind: $0.kind.rawValue, subject: $0.subject, message: $0.message) },
                roles: p.roles.map {
                    Role(
                        name: $0.name, holder: $0.holder.map { names[$0] ?? $0 } ?? "none", deputy: $0.deputy.map { names[$0] ?? $0 } ?? "none",
                        reviewedAt: $0.reviewedAt.description)
                },
                people: p.people.map {
                    Person(name: $0.name, email: $0.email ?? "", phone: $0.phone ?? "", chat: $0.chat ?? "", reviewedAt: $0.reviewedAt.description)
                },
                systems: p.systems.map {
                    System(name: $0.name, detection: $0.detection.isEmpty ? "no detection source" : $0.detection.joined(separator: "; "))
                },
                revisions: try await store.programmeRevisions().map {
                    Revision(revision: $0.revision, importedAt: IncidentStore.timestamp($0.importedAt), importedBy: $0.importedBy, sha256: $0.digest)
                })
            return Self.page(title: "Programme", body: Self.render(view, "programme"), session: session)
        }
        router.get("/console/exercises") { request, _ in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            struct Exercise {
                var id: String
                var name: String
                var runAt: String
                var logged: Bool
            }
            struct Item {
                var title: String
                var owner: String
                var due: String
                var status: String
                var overdue: Bool
                var changes: String
            }
            struct View {
                var exercises: [Exercise]
                var items: [Item]
            }
            let today = ZonedTime.civilDate(of: clock(), in: ZonedTime.utc)
            let view = View(
                exercises: try await store.exercises().map {
                    Exercise(id: $0.id, name: $0.name, runAt: IncidentStore.timestamp($0.runAt), logged: $0.log != nil)
                },
                items: try await store.actionItems(openOnly: false).map {
                    Item(
                        title: $0.title, owner: $0.owner, due: $0.due, status: $0.status, overdue: $0.isOverdue(on: today), changes: $0.changes ?? "")
                })
            return Self.page(title: "Exercises", body: Self.render(view, "exercises"), session: session)
        }
        router.get("/console/exercises/:id") { request, context in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            guard let report = try await ProgrammeService(store: store, clock: clock).report(exerciseID: try context.parameters.require("id")) else {
                return Self.problem(.notFound, "Not found", "There is no such exercise.", session: session)
            }
            struct Step {
                var at: String
                var say: String
                var changes: [String]
            }
            struct Reminder {
                var at: String
                var event: String
                var obligation: String
                var host: String
                var result: String
            }
            struct View {
                var name: String
                var startsAt: String
                var ranFor: String
                var runAt: String
                var steps: [Step]
                var decisions: [ExerciseReport.Decision]
                var reminders: [Reminder]
                var attendance: [ExerciseLog.Attendance]
                var observations: [Observation]
            }
            struct Observation {
                var verdict: String
                var text: String
                var by: String
            }
            let view = View(
                name: report.name, startsAt: report.startsAt, ranFor: report.ranFor, runAt: report.runAt,
                steps: report.steps.map { Step(at: ExerciseScenario.Offset(seconds: $0.at).description, say: $0.say, changes: $0.changes) },
                decisions: report.decisions,
                reminders: report.reminders.map {
                    Reminder(
                        at: ExerciseScenario.Offset(seconds: $0.at).description, event: $0.event, obligation: $0.obligation ?? "", host: $0.host,
                        result: $0.delivered ? "delivered" : "failed: \($0.error ?? "-")")
                }, attendance: report.attendance,
                observations: report.observations.map { Observation(verdict: $0.verdict.rawValue, text: $0.text, by: $0.by) })
            return Self.page(title: report.name, body: Self.render(view, "exercise"), session: session)
        }
    }
}
