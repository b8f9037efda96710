import BreachClockCalculator
import BreachClockJSON
import BreachClockRules
import Foundation

/// Why a webhook is sent.
public enum WebhookEventType: String, Sendable, CaseIterable {
    case reminder = "obligation.reminder"
    case overdue = "obligation.overdue"
    case obligationAdded = "obligation.added"
    case obligationChanged = "obligation.changed"
    /// A deadline moved because the rules changed (a new rules database was deployed), not the facts.
    case deadlineChanged = "deadline.changed"
    case incidentCreated = "incident.created"
    case incidentClosed = "incident.closed"
    /// The incident-response programme has findings (stale contacts or roles, gaps, no exercise,
    /// overdue action items): at most one a day per subscription while any remain.
    case programmeStale = "programme.stale"
    /// An action item from an exercise or a review falls due (sent on its due date unless closed first).
    case actionItemDue = "action-item.due"
    /// An event from monitoring is still without a disposition when its triage limit passes.
    case eventUntriaged = "event.untriaged"
    case test = "webhook.test"
}

/// What a reminder says: which incident, which obligation, the deadline and the time left.
public struct WebhookEvent: Sendable {
    public var type: WebhookEventType
    public var incidentID: String
    public var incidentTitle: String
    public var obligationID: String?
    public var jurisdiction: String?
    public var recipient: String?
    public var citation: String?
    public var deadlineKind: String?
    public var due: Date?
    /// The standard or period in words ("30 calendar days from discovery", "without unreasonable delay").
    public var deadlineText: String?
    /// The incident's time zone, for dates people read.
    public var timeZone: TimeZone
    /// When the event was produced (for "time left").
    public var at: Date
    /// A link back to the incident, when the server knows its public address.
    public var link: String?
    /// The tabletop exercise this message belongs to. When set, every format marks the message
    /// EXERCISE where a reader sees it first (the headline, Slack's header) and JSON carries
    /// `data.exercise`, so that no one mistakes a drill for a real deadline. Only an exercise's own
    /// dispatcher sets it (`ExerciseRunner`); production messages never carry it.
    public var exercise: String?
    /// The real time of sending, when it differs from `at` (an exercise's simulated clock): the
    /// signature's timestamp, which receivers check against their own clock.
    public var signedAt: Date?

    public init(
        type: WebhookEventType, incidentID: String, incidentTitle: String, obligationID: String? = nil,
        jurisdiction: String? = nil, recipient: String? = nil, citation: String? = nil, deadlineKind: String? = nil, due: Date? = nil,
        deadlineText: String? = nil, timeZone: TimeZone, at: Date, link: String? = nil
    ) {
        self.type = type
        self.incidentID = incidentID
        self.incidentTitle = incidentTitle
        self.obligationID = obligationID
        self.jurisdiction = jurisdiction
        self.recipient = recipient
        self.citation = citation
        self.deadlineKind = deadlineKind
        self.due = due
        self.deadlineText = deadlineText
        self.timeZone = timeZone
        self.at = at
        self.link = link
    }

    /// "2 days 4 hours left", "26 hours 10 minutes left", "overdue by 3 hours", "due now", "no fixed
    /// deadline" (`TimeLeft`'s words); an overdue notice never says "left".
    public var timeLeft: String {
        guard let due else { return "no fixed deadline" }
        let left = TimeLeft(until: due, from: at)
        if type == .overdue && !left.isOverdue { return "due now" }
        return left.prose
    }

    var dueText: String? { due.map { ZonedTime.rfc3339($0, in: timeZone) } }

    var headline: String {
        guard let exercise else { return plainHeadline }
        return "EXERCISE (\(exercise)) - " + plainHeadline
    }

    var plainHeadline: String {
        switch type {
        case .reminder: return "Notice due: \(recipient ?? "recipient") (\(jurisdiction ?? "")), \(timeLeft)"
        case .overdue: return "OVERDUE: \(recipient ?? "recipient") (\(jurisdiction ?? "")), \(timeLeft)"
        case .obligationAdded: return "New obligation: notify \(recipient ?? "recipient") (\(jurisdiction ?? ""))"
        case .obligationChanged: return "Deadline changed: \(recipient ?? "recipient") (\(jurisdiction ?? ""))"
        case .deadlineChanged: return "Deadline changed by new rules: \(recipient ?? "recipient") (\(jurisdiction ?? ""))"
        case .incidentCreated: return "Incident opened: \(incidentTitle)"
        case .incidentClosed: return "Incident closed: \(incidentTitle)"
        case .programmeStale: return "Incident-response programme needs review: \(incidentTitle)"
        case .actionItemDue: return "Action item due today: \(incidentTitle)"
        case .eventUntriaged: return "Event still untriaged: \(incidentTitle)"
        case .test: return "breachclock test message"
        }
    }
}

/// The three payload formats a subscription can choose.
public enum WebhookFormat: String, Sendable, CaseIterable {
    /// Standard Webhooks JSON `{type, timestamp, data}`, signed.
    case json
    /// A Slack incoming-webhook message: `text` plus Block Kit `blocks`.
    case slack
    /// A Teams Workflows message with an Adaptive Card.
    case teams

    /// Teams refuses messages above about 28 KB.
    public static let teamsLimit = 28 * 1024

    /// The body for `event` in this format.
    public func body(for event: WebhookEvent) -> [UInt8] {
        // Streamed (`StreamingJSONEncoder`): a body is encoded and signed for every message sent.
        // Strings and booleans only, so encoding cannot fail.
        let encoded: [UInt8]?
        switch self {
        case .json: encoded = try? StreamingJSONEncoder.encode(WebhookFormat.standard(event))
        case .slack: encoded = try? StreamingJSONEncoder.encode(WebhookFormat.slack(event))
        case .teams: encoded = try? StreamingJSONEncoder.encode(WebhookFormat.teams(event))
        }
        return encoded ?? []
    }

    /// The HTTP request for `event`: the body in this format and, for `json`, the Standard Webhooks
    /// headers signed with `secret` (`messageID` is the `webhook-id`, the same on every retry).
    public func request(url: String, event: WebhookEvent, messageID: String, secret: String) -> WebhookRequest {
        let body = body(for: event)
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if self == .json, let signer = WebhookSigner(secret: secret) {
            let timestamp = Int((event.signedAt ?? event.at).timeIntervalSince1970)
            headers += [
                ("webhook-id", messageID), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", signer.signature(id: messageID, timestamp: timestamp, body: body)),
            ]
        }
        return WebhookRequest(url: url, headers: headers, body: body)
    }

    static func standard(_ event: WebhookEvent) -> StandardWebhookBody {
        let aboutAnObligation = event.obligationID != nil
        return StandardWebhookBody(
            type: event.type.rawValue, timestamp: RFC3339.text(event.at, offsetSeconds: 0),
            data: .init(
                incident: .init(id: event.incidentID, title: event.incidentTitle, link: event.link),
                obligation: aboutAnObligation
                    ? .init(id: event.obligationID, jurisdiction: event.jurisdiction, recipient: event.recipient, citation: event.citation) : nil,
                deadline: aboutAnObligation
                    ? .init(kind: event.deadlineKind, due: event.dueText, text: event.deadlineText, timeLeft: event.timeLeft) : nil,
                exercise: event.exercise.map { .init(name: $0) }))
    }

    /// Lines a person reads at a glance: what is due, to whom, when, how long is left, under which law.
    static func lines(_ event: WebhookEvent) -> [String] {
        var lines: [String] = []
        if let recipient = event.recipient { lines.append("To: \(recipient) (\(event.jurisdiction ?? ""))") }
        if let due = event.dueText {
            lines.append("Due: \(due), \(event.timeLeft)")
        } else if event.obligationID != nil {
            lines.append("Due: no fixed deadline in law")
        }
        if let text = event.deadlineText { lines.append("Rule: \(text)") }
        if let citation = event.citation { lines.append("Under: \(citation)") }
        lines.append("Incident: \(event.incidentTitle) (\(event.incidentID))")
        if let exercise = event.exercise { lines.insert("EXERCISE: \(exercise) (a drill, not a real deadline)", at: 0) }
        return lines
    }

    /// Slack Block Kit's documented limits: a header's text 150 characters, a section's text 3,000.
    static let slackHeaderLimit = 150
    static let slackSectionLimit = 3_000
    /// Teams refuses a message over 28 KB; no one text of ours may take more than a fraction of it.
    static let teamsTextLimit = 2_000

    /// The Slack header leads with the incident's title, then the state of the deadline, which is
    /// kept whole while the title gives way.
    static func slackHeader(_ event: WebhookEvent) -> String {
        let state: String
        switch event.type {
        case .reminder: state = "notify \(event.jurisdiction ?? "") - \(event.timeLeft)"
        case .overdue: state = "OVERDUE notice to \(event.jurisdiction ?? "") - \(event.timeLeft)"
        default: return truncated(event.headline, to: slackHeaderLimit)
        }
        let mark = event.exercise == nil ? "" : "EXERCISE - "
        let room = slackHeaderLimit - state.count - 2 - mark.count
        return room < 10 ? truncated(mark + state, to: slackHeaderLimit) : mark + truncated(event.incidentTitle, to: room) + ": " + state
    }

    static func slack(_ event: WebhookEvent) -> SlackMessage {
        let details = truncated(lines(event).map { "• " + escapeSlack($0) }.joined(separator: "\n"), to: slackSectionLimit)
        var blocks: [SlackMessage.Block] = [
            .init(type: "header", text: .init(type: "plain_text", text: slackHeader(event))),
            .init(type: "section", text: .init(type: "mrkdwn", text: details)),
        ]
        if let link = event.link {
            blocks.append(.init(type: "actions", elements: [.init(text: .init(type: "plain_text", text: "Open incident"), url: link)]))
        }
        return SlackMessage(text: truncated(escapeSlack(event.headline), to: slackSectionLimit), blocks: blocks)
    }

    /// Slack mrkdwn control characters (so a title's `<!channel>` stays text).
    static func escapeSlack(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// `text` cut to at most `limit` characters with an ellipsis, at the last space when one is near the
    /// end (not mid-word), and never inside an `&…;` escape.
    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit, limit > 1 else { return text }
        var cut = String(text.prefix(limit - 1))
        if let space = cut.lastIndex(where: { $0 == " " || $0 == "\n" }), cut.distance(from: cut.startIndex, to: space) >= (limit - 1) * 2 / 3 {
            cut = String(cut[..<space])
        } else if let amp = cut.lastIndex(of: "&"), !cut[amp...].contains(";") {
            cut = String(cut[..<amp])
        }
        while let last = cut.last, last == " " || last == "\n" || last == "," { cut.removeLast() }
        return cut + "…"
    }

    static func teams(_ event: WebhookEvent) -> TeamsMessage {
        let headline = TeamsMessage.Element(
            type: "TextBlock", size: "Medium", weight: "Bolder", text: truncated(event.headline, to: teamsTextLimit), wrap: true,
            color: event.type == .overdue ? "Attention" : "Default")
        let facts: [TeamsMessage.Fact] = lines(event).compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { return nil }
            return TeamsMessage.Fact(title: parts[0], value: truncated(parts[1], to: teamsTextLimit))
        }
        let card = TeamsMessage.Card(
            body: [headline, .init(type: "FactSet", facts: facts)],
            actions: event.link.map { [TeamsMessage.Action(title: "Open incident", url: $0)] })
        return TeamsMessage(attachments: [.init(contentUrl: nil, content: card)])
    }
}

extension WebhookEvent {
    /// The event as stored in the outbox: everything but the sending time, which is filled in when
    /// the message goes out (so "time left" is right at that moment).
    public func payloadJSON() -> String {
        let stored = StoredWebhookEvent(
            type: type.rawValue, incidentID: incidentID, incidentTitle: incidentTitle, obligationID: obligationID, jurisdiction: jurisdiction,
            recipient: recipient, citation: citation, deadlineKind: deadlineKind, due: due.map { RFC3339.text($0, offsetSeconds: 0) },
            deadlineText: deadlineText, timeZone: timeZone.contractName, link: link)
        // Streamed, as the bodies are: the planner stores one for every reminder. Strings only, so
        // encoding cannot fail.
        return (try? StreamingJSONEncoder.text(stored)) ?? "{}"
    }

    /// Reads a stored event back, as of `at`; nil for a payload that is not one (an unreadable message).
    public init?(payload: String, at: Date) {
        guard let stored = try? JSONDecoder.decode(StoredWebhookEvent.self, from: payload), let type = WebhookEventType(rawValue: stored.type)
        else { return nil }
        let utc = ZonedTime.utc
        self.init(
            type: type, incidentID: stored.incidentID, incidentTitle: stored.incidentTitle, obligationID: stored.obligationID,
            jurisdiction: stored.jurisdiction, recipient: stored.recipient, citation: stored.citation, deadlineKind: stored.deadlineKind,
            due: stored.due.flatMap { ZonedTime.parse($0, in: utc) }, deadlineText: stored.deadlineText,
            timeZone: stored.timeZone.flatMap { TimeZone(identifier: $0) } ?? utc, at: at, link: stored.link)
    }
}
