import BreachClockCalculator
import BreachClockRules
import BreachClockStore
import Foundation
import Hummingbird

extension Console {
    /// `/console/jurisdictions` and `/console/webhooks` (admins).
    func registerReference(on router: Router<ServerContext>) {
        router.get("/console/jurisdictions") { request, _ in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            struct Row {
                var code: String
                var name: String
                var law: String
                var reviewed: String
            }
            struct View {
                var digest: String
                var rules: [Row]
            }
            let rulebook = service.calculator.rulebook
            let rows = rulebook.rules.map { Row(code: $0.code, name: $0.name, law: $0.law, reviewed: $0.reviewed.description) }
            return Self.page(title: "Jurisdictions", body: Self.render(View(digest: rulebook.digest, rules: rows), "jurisdictions"), session: session)
        }
        router.get("/console/jurisdictions/:code") { request, context in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            guard let rule = service.calculator.rulebook.rule(code: try context.parameters.require("code")) else {
                return Self.problem(.notFound, "Not found", "There is no such jurisdiction in the rules.", session: session)
            }
            let today = ZonedTime.civilDate(of: clock(), in: ZonedTime.utc)
            let asOfText = request.uri.queryParameters.get("asOf").map { String($0) }
            guard let date = asOfText.map({ CivilDate(iso: $0) }) ?? today else {
                return Self.problem(.unprocessableContent, "Not a date", "As of: expected a date YYYY-MM-DD.", session: session)
            }
            let d = RuleDescription(rule, on: date)
            struct ObligationRow {
                var recipient: String
                var when: String
                var threshold: String?
                var deadline: String
                var citation: String
                var sources: [SourceLink]
            }
            struct InForce {
                var version: String
                var trigger: String
                var obligations: [ObligationRow]
            }
            struct Dispute {
                var about: String
                var reading: String
                var sources: String
            }
            struct View {
                var code: String
                var name: String
                var law: String
                var official: String?
                var reviewed: String
                var asOf: String
                var unassessed: RuleDescription.Unassessed?
                var inForce: InForce?
                var versions: [RuleDescription.VersionNote]
                var hasDisputes: Bool
                var disputes: [Dispute]
                var sources: [RuleDescription.Source]
            }
            let inForce = d.inForce.map { force in
                InForce(
                    version: force.version, trigger: force.trigger.event,
                    obligations: force.obligations.map { o in
                        let deadline = [o.deadline.period.map { "\($0) from \(o.deadline.from ?? "the clock's start")" }, o.deadline.standard]
                            .compactMap { $0 }.joined(separator: "; ")
                        return ObligationRow(
                            recipient: o.recipient.name, when: o.when,
                            threshold: o.threshold.map { "\($0.counts) \($0.op) \($0.value)" },
                            deadline: deadline.isEmpty ? o.deadline.kind : deadline, citation: o.citation, sources: o.sources.map(SourceLink.init))
                    })
            }
            let view = View(
                code: d.code, name: d.name, law: d.law, official: d.official, reviewed: d.reviewed, asOf: d.asOf, unassessed: d.unassessed,
                inForce: inForce, versions: d.versions, hasDisputes: !rule.disputes.isEmpty,
                disputes: rule.disputes.map { Dispute(about: $0.about, reading: $0.reading, sources: $0.sources.joined(separator: ", ")) },
                sources: d.sources)
            return Self.page(title: "\(d.name) (\(d.code))", body: Self.render(view, "jurisdiction"), session: session)
        }
        router.get("/console/webhooks") { request, _ in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            guard session.key.role == .admin else {
                return Self.problem(
                    .forbidden, "Not allowed", "Webhooks need the admin role; this key is a \(session.key.role.rawValue).", session: session)
            }
            struct Delivery {
                var due: String
                var event: String
                var obligation: String
                var state: String
                var attempts: Int
                var error: String
            }
            struct Hook {
                var id: String
                var host: String
                var format: String
                var state: String
                var reason: String?
                var failingSince: String?
                var events: String
                var hasDeliveries: Bool
                var deliveries: [Delivery]
            }
            var hooks: [Hook] = []
            for hook in try await store.webhooks() {
                let deliveries = try await store.deliveries(webhookID: hook.id, limit: 20).map {
                    Delivery(
                        due: IncidentStore.timestamp($0.dueAt), event: $0.event, obligation: $0.obligationID ?? "", state: $0.state,
                        attempts: $0.attempts.count, error: $0.lastError ?? "")
                }
                // The host only: a Slack or Teams URL is itself a credential.
                hooks.append(
                    Hook(
                        id: hook.id, host: hook.host, format: hook.format, state: hook.disabledAt == nil ? "active" : "disabled",
                        reason: hook.disabledReason, failingSince: hook.failingSince.map(IncidentStore.timestamp),
                        events: hook.events.joined(separator: ", "), hasDeliveries: !deliveries.isEmpty, deliveries: deliveries))
            }
            struct View {
                var hooks: [Hook]
            }
            return Self.page(title: "Webhooks", body: Self.render(View(hooks: hooks), "webhooks"), session: session)
        }
    }
}
