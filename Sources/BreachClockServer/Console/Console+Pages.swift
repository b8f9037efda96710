import BreachClockApplication
import BreachClockCalculator
import BreachClockRules
import BreachClockStore
import Foundation
import Hummingbird

extension Console {
    /// Urgency in words, never by colour alone: the class only adds colour to the words.
    static func urgency(due: Date?, now: Date) -> (text: String, css: String)? {
        guard let due else { return nil }
        let left = due.timeIntervalSince(now)
        if left < 0 { return ("OVERDUE", "overdue") }
        if left < 86_400 { return ("Due within 24 hours", "soon") }
        if left < 3 * 86_400 { return ("Due within 3 days", "soon") }
        return ("On track", "ok")
    }

    /// How a recorded decision reads, by `kind/outcome` (the values of the decision form's choices;
    /// a test holds the two lists together). Anything else reads as "kind: outcome".
    static let decisionLabels = [
        "notice/required": "Notice required", "notice/not-required": "Notice not required",
        "risk-of-harm/unlikely": "Risk of harm unlikely", "risk-of-harm/likely": "Risk of harm likely", "risk-of-harm/high": "Risk of harm high",
        "materiality/material": "Material", "materiality/not-material": "Not material",
        "law-enforcement-delay/requested": "Law enforcement asked for a delay",
        "law-enforcement-delay/not-requested": "No law-enforcement delay",
    ]

    struct IncidentRow {
        var id: String
        var title: String
        var status: String
        var next: String
        var urgency: String?
        var urgencyClass: String
        var due: String?
        var left: String
        var sortKey: Date
        var overdue: Bool
    }

    static func shows(_ row: IncidentRow, filter: String) -> Bool {
        switch filter {
        case "closed": return row.status == "closed"
        case "overdue": return row.overdue
        case "all": return true
        default: return row.status == "open"
        }
    }

    /// Open incidents first, each group by its next deadline.
    static func before(_ a: IncidentRow, _ b: IncidentRow) -> Bool {
        let aOpen = a.status == "open" ? 0 : 1
        let bOpen = b.status == "open" ? 0 : 1
        if aOpen != bOpen { return aOpen < bOpen }
        if a.sortKey != b.sortKey { return a.sortKey < b.sortKey }
        return a.id < b.id
    }

    /// The incidents page: open ones first, sorted by next deadline.
    func incidentsPage(_ request: Request, session: WebSession) async throws -> Response {
        let show: String = request.uri.queryParameters.get("show").map { String($0) } ?? "open"
        let now = clock()
        var rows: [IncidentRow] = []
        var cursor: Int?
        // The store narrows the list first (an index on the open deadlines), so closed incidents are
        // not assessed for the open list; `shows` below still decides from the assessment itself.
        let (status, dueBefore): (IncidentStatus?, Date?) =
            switch show {
            case "closed": (.closed, nil)
            case "overdue": (.open, now)
            case "all": (nil, nil)
            default: (.open, nil)
            }
        repeat {
            let page = try await store.incidents(status: status, dueBefore: dueBefore, limit: 200, after: cursor)
            for incident in page.incidents {
                let facts = try service.storedFacts(incident).facts
                let assessment = service.calculator.assess(facts)
                let next = assessment.obligations.filter { $0.notice == nil }.compactMap { o in o.deadline.due.map { (o, $0) } }
                    .min { $0.1 < $1.1 }
                let open = incident.status == .open
                let urgency = open ? Self.urgency(due: next?.1, now: now) : nil
                rows.append(
                    IncidentRow(
                        id: incident.id, title: incident.title, status: incident.status.rawValue,
                        next: next.map { "\($0.0.recipient.name) (\($0.0.jurisdiction)), \(ZonedTime.rfc3339($0.1, in: facts.timeZone))" }
                            ?? "no fixed deadline pending",
                        urgency: urgency?.text, urgencyClass: urgency?.css ?? "", due: open ? next.map { RFC3339.text($0.1, offsetSeconds: 0) } : nil,
                        left: next.map { TimeLeft(until: $0.1, from: now).prose } ?? "-",
                        sortKey: next?.1 ?? .distantFuture, overdue: open && (next.map { $0.1 < now } ?? false)))
            }
            cursor = page.next
        } while cursor != nil
        rows = rows.filter { row in Self.shows(row, filter: show) }.sorted(by: Self.before)
        struct Filter {
            var value: String
            var label: String
            var current: Bool
        }
        struct View {
            var canEdit: Bool
            var filters: [Filter]
            var incidents: [IncidentRow]
            var hasIncidents: Bool
        }
        let filters = [("open", "Open"), ("overdue", "Overdue"), ("closed", "Closed"), ("all", "All")].map {
            Filter(value: $0.0, label: $0.1, current: $0.0 == show)
        }
        return Self.page(
            title: "Incidents",
            body: Self.render(
                View(canEdit: session.key.role >= .editor, filters: filters, incidents: rows, hasIncidents: !rows.isEmpty), "incidents"),
            session: session
        )
    }

    /// An incident's page; `activity` is read here unless the caller read it with the incident.
    func incidentPage(
        _ incident: StoredIncident, activity knownActivity: IncidentActivity? = nil, session: WebSession, message: String?, preview: [String]? = nil,
        patchText: String? = nil
    ) async throws -> Response {
        let now = clock()
        let facts = try service.storedFacts(incident).facts
        let assessment = service.calculator.assess(facts)
        let zone = facts.timeZone
        typealias View = IncidentPageView
        let open = incident.status == .open
        let obligations = assessment.obligations.map { o -> View.Obligation in
            let due = o.deadline.due
            let urgency = open && o.notice == nil ? Self.urgency(due: due, now: now) : nil
            let dueText: String
            if let notice = o.notice {
                dueText = "notice sent \(ZonedTime.rfc3339(notice.sentAt, in: zone))"
            } else if let due {
                dueText = ZonedTime.rfc3339(due, in: zone)
            } else {
                dueText = o.deadline.standard ?? "no fixed deadline"
            }
            return View.Obligation(
                id: o.id, recipient: o.recipient.name, citation: o.citation, sources: o.sources.map(SourceLink.init), due: dueText,
                dueInstant: open && o.notice == nil ? due.map { RFC3339.text($0, offsetSeconds: 0) } : nil,
                left: o.notice != nil ? "sent" : due.map { TimeLeft(until: $0, from: now).prose } ?? "no fixed deadline",
                urgency: urgency?.text, urgencyClass: urgency?.css ?? "", reasons: o.reasons)
        }
        let activity: IncidentActivity
        if let read = knownActivity { activity = read } else { activity = try await store.activity(incidentID: incident.id) }
        let view = View(
            preview: preview.map { View.Preview(changes: $0, hasChanges: !$0.isEmpty) },
            factsText: patchText ?? "# Only what changes, as a JSON Merge Patch (null removes), e.g.\n# affected: { US-TX: 4000 }\n",
            id: incident.id, title: incident.title, status: incident.status.rawValue, revision: incident.revision,
            discovered: ZonedTime.rfc3339(facts.discoveredAt, in: zone), message: message,
            timeline: DeadlineTimeline.svg(discovered: facts.discoveredAt, now: now, assessment: assessment, zone: zone),
            obligations: obligations, hasNotTriggered: !assessment.notTriggered.isEmpty,
            notTriggered: assessment.notTriggered.map { View.NotTriggered(id: $0.id, reason: $0.reason) },
            canEdit: open && session.key.role >= .editor, csrf: session.csrf,
            pending: assessment.obligations.filter { $0.notice == nil }.map { View.Pending(id: $0.id, recipient: $0.recipient.name) },
            notices: activity.notices.map {
                View.Notice(obligation: $0.obligationID, sentAt: ZonedTime.rfc3339($0.sentAt, in: zone), method: $0.method, reference: $0.reference)
            },
            decisions: activity.decisions.map {
                View.Decision(
                    what: Self.decisionLabels["\($0.kind)/\($0.outcome)"] ?? "\($0.kind): \($0.outcome)", obligation: $0.obligationID,
                    owner: $0.owner, decidedAt: ZonedTime.rfc3339($0.decidedAt, in: zone), rationale: $0.rationale)
            },
            history: activity.revisions.map { View.Revision(revision: $0.revision, at: IncidentStore.timestamp($0.computedAt), changes: $0.changes) },
            audit: activity.audit.map {
                View.AuditLine(seq: $0.seq, at: IncidentStore.timestamp($0.at), actor: $0.actor, action: $0.action)
            })
        // The whole page by its view and its layout's: while neither changes it is not drawn again.
        struct Page: Hashable {
            var view: View
            var layout: Layout
        }
        let page = Page(view: view, layout: Layout(title: incident.title, body: "", session: session))
        return Self.html(
            memo.text(page, template: "incident") { Self.layout(title: incident.title, body: Self.render(view, "incident"), session: session) })
    }
}

/// A source's link, named by its host (a page of bare "source" links tells a reader nothing).
struct SourceLink: Hashable {
    var url: String
    var host: String

    init(_ url: String) {
        self.url = url
        host = Self.host(of: url) ?? url
    }

    /// The host of an `http(s)://` address: what follows the scheme, up to the path, query, fragment
    /// or port, without user information. By hand because `URLComponents` was a few per cent of the
    /// incident page's time, and a rule file's sources are all plain web addresses (`RuleDecoder`
    /// refuses any that does not start with https:// or http://).
    static func host(of url: String) -> String? {
        let bytes = Array(url.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: "://".utf8) else { return nil }
        var start = colon + 3
        var end = start
        scan: while end < bytes.count {
            switch bytes[end] {
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"): break scan
            case UInt8(ascii: "@"): start = end + 1
            default: break
            }
            end += 1
        }
        let host = bytes[start..<end].prefix { $0 != UInt8(ascii: ":") }
        return host.isEmpty ? nil : String(decoding: host, as: UTF8.self)
    }
}
