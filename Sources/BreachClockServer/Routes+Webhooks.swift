import BreachClockApplication
import BreachClockCalculator
import BreachClockJSON
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Hummingbird

extension Routes {
    static let eventNames = WebhookEventType.allCases.filter { $0 != .test }.map(\.rawValue)

    /// `/v1/webhooks`: subscriptions (admins only) and their deliveries.
    func registerWebhooks(on router: RecordingRouter) {
        router.post("/v1/webhooks") { request, context in
            let node = try await Self.document(request, context)
            let fields = try IncidentService.fields(node, allowed: ["url", "format", "incident", "events", "schedule"])
            let url = try IncidentService.text(fields["url"], "url", required: true)!
            guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), ["http", "https"].contains(scheme),
                let host = parts.host, Self.isHostName(host), parts.user == nil, parts.password == nil, parts.fragment == nil,
                parts.port.map({ (1...65_535).contains($0) }) ?? true
            else {
                throw ServiceError.invalid(
                    "url", "expected an http or https URL with a host name or IP address, an optional port 1-65535, and no user, password or fragment"
                )
            }
            if let refusal = addressPolicy.refusal(forHost: host) {
                throw ServiceError.invalid("url", "\(refusal); webhooks are not sent there unless the address is allowlisted (serve --webhook-allow)")
            }
            let formatName = try IncidentService.text(fields["format"], "format", required: false) ?? "json"
            guard WebhookFormat(rawValue: formatName) != nil else { throw ServiceError.invalid("format", "expected json, slack or teams") }
            let incident = try IncidentService.text(fields["incident"], "incident", required: false)
            if let incident, try await store.incident(id: incident) == nil { throw ServiceError.invalid("incident", "no incident `\(incident)`") }
            var events = Self.eventNames
            if let node = fields["events"] {
                guard case .sequence(let items, _) = node else { throw ServiceError.invalid("events", "expected a list") }
                events = []
                for (index, item) in items.enumerated() {
                    guard case .scalar(let name, _, _) = item, Self.eventNames.contains(name) else {
                        throw ServiceError.invalid("events[\(index)]", "expected one of: \(Self.eventNames.joined(separator: ", "))")
                    }
                    events.append(name)
                }
            }
            let schedule = try fields["schedule"].map(Self.schedule) ?? ReminderSchedule()
            var random = SystemRandomNumberGenerator()
            let secret = WebhookSigner.newSecret(using: &random)
            let hook = try await store.createWebhook(
                url: url, format: formatName, incidentID: incident, events: events, schedule: schedule,
                secret: secret, actor: Self.actor(context))
            // The signing secret is shown once: no cache may keep it.
            return try Self.json(
                WebhookBody(hook, secret: secret), status: .created, headers: [.location: "/v1/webhooks/\(hook.id)", .cacheControl: "no-store"])
        }
        router.get("/v1/webhooks/:id") { _, context in
            guard let hook = try await store.webhook(id: try context.parameters.require("id")) else { throw Problem.notFound }
            return try Self.json(WebhookBody(hook))
        }
        router.get("/v1/webhooks") { _, _ in
            try Self.json(WebhookListBody(webhooks: try await store.webhooks().map { WebhookBody($0) }))
        }
        router.delete("/v1/webhooks/:id") { _, context in
            try await store.deleteWebhook(id: try context.parameters.require("id"), actor: Self.actor(context))
            return Response(status: .noContent)
        }
        router.post("/v1/webhooks/:id/test") { _, context in
            guard let hook = try await store.webhook(id: try context.parameters.require("id")) else { throw Problem.notFound }
            guard hook.disabledAt == nil else { throw Problem(.conflict, "The webhook is disabled", detail: hook.disabledReason) }
            let now = clock()
            let event = WebhookEvent(type: .test, incidentID: "none", incidentTitle: "breachclock test message", timeZone: ZonedTime.utc, at: now)
            let id = try await store.enqueue(
                PlannedDelivery(
                    webhookID: hook.id, incidentID: "none", obligationID: nil, event: event.type.rawValue,
                    dueAt: now, payload: event.payloadJSON()))
            return try Self.json(DeliveryAcceptedBody(delivery: id), status: .accepted)
        }
        router.get("/v1/webhooks/:id/deliveries") { _, context in
            let id = try context.parameters.require("id")
            guard let hook = try await store.webhook(id: id) else { throw Problem.notFound }
            return try Self.json(DeliveriesBody(hook, try await store.deliveries(webhookID: id)))
        }
    }

    /// `{"before": ["72h", "24h"], "halfWindow": true, "overdueEvery": "24h", "nudgeEvery": null}`; absent keys keep the defaults.
    static func schedule(_ node: DocumentNode) throws -> ReminderSchedule {
        let fields = try IncidentService.fields(node, allowed: ["before", "halfWindow", "overdueEvery", "nudgeEvery"])
        var schedule = ReminderSchedule()
        // Whole numbers of one unit, at most a year: "1e18h" crashed the server converting to Int.
        func duration(_ node: DocumentNode, _ field: String) throws -> TimeInterval {
            guard case .scalar(let text, _, _) = node, node.nonTextKind == nil, let unit = text.last, text.utf8.count <= 6,
                text.dropLast().utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let amount = Int(text.dropLast()), amount > 0,
                let seconds = ["s": 1, "m": 60, "h": 3_600, "d": 86_400][String(unit)], amount * seconds <= 366 * 86_400
            else { throw ServiceError.invalid(field, "expected a duration of at most a year, such as 30m, 72h or 7d") }
            return TimeInterval(amount * seconds)
        }
        if let node = fields["before"] {
            guard case .sequence(let items, _) = node else { throw ServiceError.invalid("schedule.before", "expected a list of durations") }
            schedule.before = try items.enumerated().map { try duration($0.element, "schedule.before[\($0.offset)]") }
        }
        if let node = fields["halfWindow"] {
            guard case .scalar(let text, true, _) = node, text == "true" || text == "false" else {
                throw ServiceError.invalid("schedule.halfWindow", "expected true or false")
            }
            schedule.halfWindow = text == "true"
        }
        if let node = fields["overdueEvery"] { schedule.overdueEvery = node.isNull ? nil : try duration(node, "schedule.overdueEvery") }
        if let node = fields["nudgeEvery"] { schedule.nudgeEvery = node.isNull ? nil : try duration(node, "schedule.nudgeEvery") }
        return schedule
    }

    /// A DNS name (letters, digits and hyphens in dot-separated labels of at most 63 characters, which
    /// covers IPv4 addresses), or a bracketed IPv6 literal of hex digits and colons. The same as the
    /// `url` pattern in openapi.yaml.
    static func isHostName(_ host: String) -> Bool {
        if host.hasPrefix("[") && host.hasSuffix("]") {
            let inner = host.dropFirst().dropLast()
            return inner.contains(":") && inner.allSatisfy { $0.isHexDigit || $0 == ":" }
        }
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2D }
        }
    }

    static func durationText(_ seconds: TimeInterval) -> String {
        let value = Int(seconds)
        if value % 86_400 == 0 { return "\(value / 86_400)d" }
        if value % 3_600 == 0 { return "\(value / 3_600)h" }
        if value % 60 == 0 { return "\(value / 60)m" }
        return "\(value)s"
    }
}
