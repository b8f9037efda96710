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
        repeat {
            let page = try await store.incidents(status: nil, dueBefore: nil, limit: 200, after: cursor)
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

    func incidentPage(
        _ incident: StoredIncident, session: WebSession, message: String?, preview: [String]? = nil, patchText: String? = nil
    ) async throws -> Response {
        let now = clock()
        let facts = try service.storedFacts(incident).facts
        let assessment = service.calculator.assess(facts)
        let zone = facts.timeZone
        struct ObligationRow {
            var id: String
            var recipient: String
            var citation: String
            var sources: [SourceLink]
            var due: String
            var dueInstant: String?
            var left: String
            var urgency: String?
            var urgencyClass: String
            var reasons: [String]
        }
        struct Pending {
            var id: String
            var recipient: String
        }
        struct NotTriggered {
            var id: String
            var reason: String
        }
        struct NoticeRow {
            var obligation: String
            var sentAt: String
            var method: String
            var reference: String?
        }
        struct Revision {
            var revision: Int
            var at: String
            var changes: [String]
        }
        struct AuditRow {
            var seq: Int
            var at: String
            var actor: String
            var action: String
        }
        struct Preview {
            var changes: [String]
            var hasChanges: Bool
        }
        struct View {
            var preview: Preview?
            var factsText: String
            var id: String
            var title: String
            var status: String
            var revision: Int
            var discovered: String
            var message: String?
            var timeline: String
            var obligations: [ObligationRow]
            var hasNotTriggered: Bool
            var notTriggered: [NotTriggered]
            var canEdit: Bool
            var csrf: String
            var pending: [Pending]
            var notices: [NoticeRow]
            var history: [Revision]
            var audit: [AuditRow]
        }
        let open = incident.status == .open
        let obligations = assessment.obligations.map { o -> ObligationRow in
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
            return ObligationRow(
                id: o.id, recipient: o.recipient.name, citation: o.citation, sources: o.sources.map(SourceLink.init), due: dueText,
                dueInstant: open && o.notice == nil ? due.map { RFC3339.text($0, offsetSeconds: 0) } : nil,
                left: o.notice != nil ? "sent" : due.map { TimeLeft(until: $0, from: now).prose } ?? "no fixed deadline",
                urgency: urgency?.text, urgencyClass: urgency?.css ?? "", reasons: o.reasons)
        }
        let notices = try await store.notices(incidentID: incident.id)
        let history = try await store.history(id: incident.id)
        let view = View(
            preview: preview.map { Preview(changes: $0, hasChanges: !$0.isEmpty) },
            factsText: patchText ?? "# Only what changes, as a JSON Merge Patch (null removes), e.g.\n# affected: { US-TX: 4000 }\n",
            id: incident.id, title: incident.title, status: incident.status.rawValue, revision: incident.revision,
            discovered: ZonedTime.rfc3339(facts.discoveredAt, in: zone), message: message,
            timeline: DeadlineTimeline.svg(discovered: facts.discoveredAt, now: now, assessment: assessment, zone: zone),
            obligations: obligations, hasNotTriggered: !assessment.notTriggered.isEmpty,
            notTriggered: assessment.notTriggered.map { NotTriggered(id: $0.id, reason: $0.reason) },
            canEdit: open && session.key.role >= .editor, csrf: session.csrf,
            pending: assessment.obligations.filter { $0.notice == nil }.map { Pending(id: $0.id, recipient: $0.recipient.name) },
            notices: notices.map {
                NoticeRow(obligation: $0.obligationID, sentAt: ZonedTime.rfc3339($0.sentAt, in: zone), method: $0.method, reference: $0.reference)
            },
            history: history.map { Revision(revision: $0.revision, at: IncidentStore.timestamp($0.computedAt), changes: $0.changes) },
            audit: try await store.audit(incidentID: incident.id).map {
                AuditRow(seq: $0.seq, at: IncidentStore.timestamp($0.at), actor: $0.actor, action: $0.action)
            })
        return Self.page(title: incident.title, body: Self.render(view, "incident"), session: session)
    }
}

/// A source's link, named by its host (a page of bare "source" links tells a reader nothing).
struct SourceLink {
    var url: String
    var host: String

    init(_ url: String) {
        self.url = url
        host = URLComponents(string: url)?.host ?? url
    }
}

/// The deadline timeline as SVG, drawn on the server: discovery, now, each fixed deadline and each
/// notice sent, on one axis. Every text in it is escaped here (the template inserts it as markup).
enum DeadlineTimeline {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    static func svg(discovered: Date, now: Date, assessment: Assessment, zone: TimeZone) -> String {
        var marks: [(at: Date, label: String, kind: String)] = [(discovered, "discovered", "start")]
        for o in assessment.obligations {
            if let due = o.deadline.due { marks.append((due, "\(o.jurisdiction) \(o.recipient.kind.rawValue) due", "due")) }
            if let notice = o.notice { marks.append((notice.sentAt, "\(o.jurisdiction) notice sent", "sent")) }
        }
        let start = marks.map(\.at).min() ?? discovered
        let end = max(marks.map(\.at).max() ?? discovered, now)
        let span = max(end.timeIntervalSince(start), 3_600)
        let width = 960.0
        let left = 20.0
        let usable = width - 2 * left
        func x(_ date: Date) -> Double { left + usable * date.timeIntervalSince(start) / span }
        let sorted = marks.sorted { $0.at < $1.at }
        var parts = [
            "<svg role=\"img\" aria-labelledby=\"timeline-title\" viewBox=\"0 0 \(Int(width)) \(60 + sorted.count * 18)\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">",
            "<title id=\"timeline-title\">Deadline timeline: \(sorted.count) events from \(escape(ZonedTime.rfc3339(start, in: zone))) to \(escape(ZonedTime.rfc3339(end, in: zone)))</title>",
            "<line x1=\"\(left)\" y1=\"30\" x2=\"\(width - left)\" y2=\"30\" stroke=\"#1a1a1a\" stroke-width=\"2\"/>",
            String(
                format: "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"50\" stroke=\"#0b57d0\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>", x(now),
                x(now)),
            String(format: "<text x=\"%.1f\" y=\"8\">now</text>", x(now)),
        ]
        for (index, mark) in sorted.enumerated() {
            let px = x(mark.at)
            let y = 60 + index * 18
            let shape: String
            switch mark.kind {
            case "due": shape = String(format: "<path d=\"M%.1f 24 l6 6 l-6 6 l-6 -6 z\" fill=\"#a4001d\"/>", px)
            case "sent": shape = String(format: "<circle cx=\"%.1f\" cy=\"30\" r=\"5\" fill=\"#1d5e20\"/>", px)
            default: shape = String(format: "<rect x=\"%.1f\" y=\"25\" width=\"10\" height=\"10\" fill=\"#1a1a1a\"/>", px - 5)
            }
            parts.append(shape)
            parts.append(
                String(format: "<line x1=\"%.1f\" y1=\"36\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c8c8c8\"/>", px, px, y - 12)
                    + String(format: "<text x=\"%.1f\" y=\"%d\">", min(px, width - 320), y)
                    + escape("\(mark.label): \(ZonedTime.rfc3339(mark.at, in: zone))") + "</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}
