import BreachClockApplication
import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import Crypto
import Foundation

/// One file of an evidence bundle.
public struct EvidenceFile: Sendable, Equatable {
    /// A relative path with `/` separators (`incidents/inc_…/obligations.json`).
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    public var sha256: String { Hex.encode(SHA256.hash(data: bytes)) }
}

/// `manifest.json`: every other file of the bundle with its SHA-256 and size.
public struct EvidenceManifest: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var path: String
        public var sha256: String
        public var bytes: Int

        public init(path: String, sha256: String, bytes: Int) {
            self.path = path
            self.sha256 = sha256
            self.bytes = bytes
        }
    }

    public var version = 1
    public var from: String
    public var to: String
    public var generatedAt: String
    public var files: [Entry]
}

/// `anchor.json`: where the manifest's own SHA-256 sits in the service's audit chain.
public struct EvidenceAnchor: Sendable, Equatable, Codable {
    public var manifestSHA256: String
    /// The `evidence.export` line that records it, and that line's hash.
    public var auditSeq: Int
    public var auditHash: String
}

/// The evidence for an audit period (SOC 2 CC7.1–CC7.5), read from the service's records: per
/// incident its timeline, obligations against the notices sent, decisions, notices, reminders and
/// review; every exercise run in the period with its after-action report; the programme's review
/// history and the findings at the period's end. A human-readable index (`README.md`) and a
/// machine-readable summary (`evidence.json`) map each file to the criteria. `manifest.json` lists
/// every file's SHA-256; the manifest's own SHA-256 is written to the audit chain (`evidence.export`)
/// and `anchor.json` says at which line.
public enum EvidenceBundle {
    /// The encoder for the bundle's JSON files: pretty (people open them), keys sorted (the same bytes each time).
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }

    static func json(_ value: some Encodable) throws -> [UInt8] { Array(try encoder.encode(value)) + [0x0A] }

    /// The criteria, paraphrased from the AICPA's 2017 Trust Services Criteria (see research/issue-15).
    static let criteria: [(id: String, title: String)] = [
        ("CC7.1", "detection and monitoring that find configuration changes introducing vulnerabilities, and newly discovered vulnerabilities"),
        ("CC7.2", "monitoring of system components for anomalies, analysed to decide whether they are security events"),
        ("CC7.3", "evaluation of security events to decide whether they are incidents, and action when they are"),
        ("CC7.4", "response to incidents through a defined programme that understands, contains, remediates and communicates them"),
        ("CC7.5", "recovery from incidents, and lessons learned"),
    ]

    /// Builds the bundle's files for `from`…`to` (both days included, UTC) and records its manifest
    /// in the audit chain as `actor`. Returns the files, the manifest and the anchor last.
    public static func build(store: IncidentStore, from: CivilDate, to: CivilDate, now: Date, actor: String) async throws -> [EvidenceFile] {
        let start = ZonedTime.instant(from, secondsIntoDay: 0, in: ZonedTime.utc)
        let end = ZonedTime.instant(to.adding(days: 1), secondsIntoDay: 0, in: ZonedTime.utc)
        var files: [EvidenceFile] = []
        var summary = Summary(from: from.description, to: to.description, generatedAt: IncidentStore.timestamp(now))

        // Incidents active in the period: opened before it ended, and not closed before it began.
        var cursor: Int?
        var incidents: [StoredIncident] = []
        repeat {
            let page = try await store.incidents(status: nil, dueBefore: nil, limit: 200, after: cursor)
            incidents += page.incidents.filter { $0.createdAt < end && ($0.closedAt.map { $0 >= start } ?? true) }
            cursor = page.next
        } while cursor != nil
        let reviews = ReviewService(store: store)
        for incident in incidents {
            let folder = "incidents/\(incident.id)/"
            // The revisions' changes and the audit lines' who and what, without each revision's stored
            // assessment or each line's before and after, which the timeline does not show.
            let activity = try await store.activity(incidentID: incident.id)
            files.append(
                EvidenceFile(
                    path: folder + "timeline.json",
                    bytes: try json(
                        Timeline(
                            id: incident.id, title: incident.title, status: incident.status.rawValue,
                            openedAt: IncidentStore.timestamp(incident.createdAt), closedAt: incident.closedAt.map(IncidentStore.timestamp),
                            revisions: activity.revisions.map {
                                .init(revision: $0.revision, computedAt: IncidentStore.timestamp($0.computedAt), changes: $0.changes)
                            },
                            audit: activity.audit.map { .init(seq: $0.seq, at: IncidentStore.timestamp($0.at), actor: $0.actor, action: $0.action) }))
                ))
            let outcomes = try await ReviewService.outcomes(incident, store: store)
            files.append(EvidenceFile(path: folder + "obligations.json", bytes: try json(outcomes)))
            let notices = try await store.notices(incidentID: incident.id).map(NoticeEntry.init)
            files.append(EvidenceFile(path: folder + "notices.json", bytes: try json(notices)))
            let decisions = try await store.decisions(incidentID: incident.id).map(DecisionEntry.init)
            files.append(EvidenceFile(path: folder + "decisions.json", bytes: try json(decisions)))
            let reminders = try await ReviewService.reminders(incident.id, store: store)
            files.append(EvidenceFile(path: folder + "reminders.json", bytes: try json(reminders)))
            if let life = try await TriageService.lifecycle(incidentID: incident.id, store: store) {
                files.append(EvidenceFile(path: folder + "lifecycle.json", bytes: try json(life)))
            }
            let review = try await reviews.review(incidentID: incident.id)
            if let review {
                files.append(EvidenceFile(path: folder + "review.json", bytes: try json(review)))
                files.append(EvidenceFile(path: folder + "review.md", bytes: Array(review.markdown.utf8)))
            }
            summary.incidents.append(
                .init(
                    id: incident.id, title: incident.title, status: incident.status.rawValue, openedAt: IncidentStore.timestamp(incident.createdAt),
                    closedAt: incident.closedAt.map(IncidentStore.timestamp), obligations: outcomes.count,
                    met: outcomes.filter { $0.verdict == .met }.count, late: outcomes.filter { $0.verdict == .late }.count,
                    notSent: outcomes.filter { $0.verdict == .notSent }.count, decisions: decisions.count,
                    remindersDelivered: reminders.filter { $0.state == "delivered" }.count, reviewed: review != nil))
        }

        // Every event from monitoring received in the period, with its disposition: who, when and why.
        let events = try await store.securityEvents(receivedFrom: start, before: end).map(EventEntry.init)
        files.append(EvidenceFile(path: "triage/events.json", bytes: try json(events)))
        summary.events = .init(
            received: events.count, untriaged: events.filter { $0.disposition == nil }.count,
            triagedLate: events.filter { $0.triagedLate }.count,
            byDisposition: Dictionary(grouping: events.compactMap(\.disposition), by: { $0 }).mapValues(\.count))
        let times = try await TriageService.responseTimes(from: from, to: to, store: store)
        files.append(EvidenceFile(path: "triage/response-times.json", bytes: try json(times)))

        // Exercises run in the period.
        let programmes = ProgrammeService(store: store)
        for exercise in try await store.exercises() where exercise.runAt >= start && exercise.runAt < end {
            guard let report = try await programmes.report(exerciseID: exercise.id) else { continue }
            files.append(EvidenceFile(path: "exercises/\(exercise.id)/report.json", bytes: try json(report)))
            files.append(EvidenceFile(path: "exercises/\(exercise.id)/report.md", bytes: Array(report.markdown.utf8)))
            files.append(EvidenceFile(path: "exercises/\(exercise.id)/scenario.txt", bytes: Array(exercise.scenario.utf8)))
            summary.exercises.append(
                .init(
                    id: exercise.id, name: exercise.name, runAt: IncidentStore.timestamp(exercise.runAt),
                    attended: report.attendance.filter(\.attended).count, invited: report.attendance.count, logged: exercise.log != nil,
                    actionItems: report.actionItems.filter { $0.exerciseID == exercise.id }.count))
        }

        // Action items: every one opened by an exercise or review of the bundle, and every one still open.
        let inBundle = Set(summary.exercises.map(\.id) + summary.incidents.map(\.id))
        let items = try await store.actionItems(openOnly: false).filter { item in
            item.status == "open" || inBundle.contains(item.exerciseID ?? item.incidentID ?? "")
        }
        files.append(EvidenceFile(path: "action-items.json", bytes: try json(items)))
        summary.actionItems = .init(
            open: items.filter { $0.status == "open" }.count, overdue: items.filter { $0.isOverdue(on: to) }.count,
            closed: items.filter { $0.status == "done" }.count)

        // The programme: every revision imported by the period's end, and the findings at its end.
        let revisions = try await store.programmeRevisions().filter { $0.importedAt < end }
        for revision in revisions {
            files.append(EvidenceFile(path: "programme/revision-\(revision.revision).\(revision.format)", bytes: Array(revision.source.utf8)))
        }
        summary.programmeRevisions = revisions.map {
            .init(revision: $0.revision, importedAt: IncidentStore.timestamp($0.importedAt), importedBy: $0.importedBy, sha256: $0.digest)
        }
        if let newest = revisions.last {
            let programme = try ProgrammeService.decode(newest)
            summary.organisation = programme.organisation
            let findings = try await programmes.findings(programme, asOf: to, period: .init(from: from, to: to))
            summary.findings = findings.map { .init(kind: $0.kind.rawValue, subject: $0.subject, message: $0.message) }
        } else {
            summary.findings = [.init(kind: "programme.none", subject: "programme", message: "no programme was imported by \(to)")]
        }
        files.append(EvidenceFile(path: "programme/findings.json", bytes: try json(summary.findings)))
        summary.criteria = criteriaMap(files: files.map(\.path))
        files.append(EvidenceFile(path: "evidence.json", bytes: try json(summary)))
        files.insert(EvidenceFile(path: "README.md", bytes: Array(index(summary).utf8)), at: 0)

        // The manifest, and its SHA-256 in the audit chain.
        let manifest = EvidenceManifest(
            from: from.description, to: to.description, generatedAt: summary.generatedAt,
            files: files.map { .init(path: $0.path, sha256: $0.sha256, bytes: $0.bytes.count) })
        let manifestFile = EvidenceFile(path: "manifest.json", bytes: try json(manifest))
        let line = try await store.appendEvidenceExport(
            manifestSHA256: manifestFile.sha256, from: from.description, to: to.description, files: files.count, actor: actor)
        let anchor = EvidenceAnchor(manifestSHA256: manifestFile.sha256, auditSeq: line.seq, auditHash: line.hash)
        return files + [manifestFile, EvidenceFile(path: "anchor.json", bytes: try json(anchor))]
    }

    /// Which files speak to which criterion.
    static func criteriaMap(files: [String]) -> [String: [String]] {
        func matching(_ test: (String) -> Bool) -> [String] { files.filter(test) }
        let programme = matching { $0.hasPrefix("programme/") }
        let incidents = matching { $0.hasPrefix("incidents/") }
        let exercises = matching { $0.hasPrefix("exercises/") }
        return [
            "CC7.1": programme,
            "CC7.2": programme + matching { $0.hasPrefix("triage/") },
            "CC7.3": matching { $0.hasPrefix("triage/") || $0.hasSuffix("/decisions.json") || $0.hasSuffix("/lifecycle.json") },
            "CC7.4": programme + incidents + exercises,
            "CC7.5": matching { $0.hasSuffix("/review.json") || $0.hasSuffix("/review.md") } + exercises + ["action-items.json"],
        ]
    }

    // MARK: What the files hold

    struct Timeline: Encodable {
        struct Events: Encodable {
            var received = 0
            var untriaged = 0
            var triagedLate = 0
            var byDisposition: [String: Int] = [:]
        }

        struct Revision: Encodable {
            var revision: Int
            var computedAt: String
            var changes: [String]
        }

        struct Line: Encodable {
            var seq: Int
            var at: String
            var actor: String
            var action: String
        }

        var id: String
        var title: String
        var status: String
        var openedAt: String
        var closedAt: String?
        var revisions: [Revision]
        var audit: [Line]
    }

    struct EventEntry: Encodable {
        var id: String
        var source: String
        var summary: String
        var severity: String?
        var detectedAt: String
        var receivedAt: String
        var receivedBy: String
        var triageDueAt: String
        var disposition: String?
        var disposedAt: String?
        var disposedBy: String?
        var rationale: String?
        var incident: String?
        /// Disposed after its triage limit, or still without a disposition past it.
        var triagedLate: Bool

        init(_ event: StoredSecurityEvent) {
            id = event.id
            source = event.source
            summary = event.summary
            severity = event.severity
            detectedAt = IncidentStore.timestamp(event.detectedAt)
            receivedAt = IncidentStore.timestamp(event.receivedAt)
            receivedBy = event.receivedBy
            triageDueAt = IncidentStore.timestamp(event.triageDueAt)
            disposition = event.disposition
            disposedAt = event.disposedAt.map(IncidentStore.timestamp)
            disposedBy = event.disposedBy
            rationale = event.rationale
            incident = event.incidentID
            triagedLate = event.disposedAt.map { $0 > event.triageDueAt } ?? false
        }
    }

    struct NoticeEntry: Encodable {
        var obligation: String
        var sentAt: String
        var method: String
        var reference: String?
        var recordedBy: String

        init(_ notice: StoredNotice) {
            obligation = notice.obligationID
            sentAt = IncidentStore.timestamp(notice.sentAt)
            method = notice.method
            reference = notice.reference
            recordedBy = notice.recordedBy
        }
    }

    struct DecisionEntry: Encodable {
        var kind: String
        var obligation: String?
        var outcome: String
        var rationale: String?
        var owner: String
        var decidedAt: String
        var recordedBy: String

        init(_ decision: StoredDecision) {
            kind = decision.kind
            obligation = decision.obligationID
            outcome = decision.outcome
            rationale = decision.rationale
            owner = decision.owner
            decidedAt = IncidentStore.timestamp(decision.decidedAt)
            recordedBy = decision.recordedBy
        }
    }

    /// `evidence.json`.
    struct Summary: Encodable {
        struct Incident: Encodable {
            var id: String
            var title: String
            var status: String
            var openedAt: String
            var closedAt: String?
            var obligations: Int
            var met: Int
            var late: Int
            var notSent: Int
            var decisions: Int
            var remindersDelivered: Int
            var reviewed: Bool
        }

        struct Exercise: Encodable {
            var id: String
            var name: String
            var runAt: String
            var attended: Int
            var invited: Int
            var logged: Bool
            var actionItems: Int
        }

        struct Items: Encodable {
            var open = 0
            var overdue = 0
            var closed = 0
        }

        struct Events: Encodable {
            var received = 0
            var untriaged = 0
            var triagedLate = 0
            var byDisposition: [String: Int] = [:]
        }

        struct Revision: Encodable {
            var revision: Int
            var importedAt: String
            var importedBy: String
            var sha256: String
        }

        struct Finding: Encodable {
            var kind: String
            var subject: String
            var message: String
        }

        var from: String
        var to: String
        var generatedAt: String
        var organisation: String?
        var criteria: [String: [String]] = [:]
        var incidents: [Incident] = []
        var exercises: [Exercise] = []
        var actionItems = Items()
        var events = Events()
        var programmeRevisions: [Revision] = []
        var findings: [Finding] = []
        /// What this bundle cannot show, said rather than left out.
        var notCovered = [
            "Alerts that never reached breachclock's intake (POST /v1/events): the bundle shows what monitoring sent, not what it missed; CC7.1 and CC7.2 coverage is the programme's list of systems and their detection sources."
        ]
    }

    /// `README.md`: the index an auditor reads first.
    static func index(_ s: Summary) -> String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        var lines = [
            "# Evidence bundle: \(s.organisation ?? "incident response"), SOC 2 CC7, \(s.from) to \(s.to)", "",
            "Generated \(s.generatedAt) by breachclock from its records. Every file is listed with its SHA-256 in `manifest.json`;",
            "the manifest's own SHA-256 is recorded in the service's hash-chained audit log at the line `anchor.json` names.",
            "Check the bundle with `breachclock evidence verify BUNDLE.zip` (add `--db` to check the anchor against the audit log).", "",
            "## Summary", "",
            "- Incidents active in the period: \(s.incidents.count) (closed \(s.incidents.filter { $0.status == "closed" }.count), reviewed \(s.incidents.filter(\.reviewed).count))",
            "- Obligations: \(s.incidents.map(\.met).reduce(0, +)) met, \(s.incidents.map(\.late).reduce(0, +)) late, \(s.incidents.map(\.notSent).reduce(0, +)) not sent without a recorded decision",
            "- Events from monitoring received: \(s.events.received) (\(s.events.byDisposition.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ").nilIfEmpty ?? "none triaged"); \(s.events.untriaged) without a disposition, \(s.events.triagedLate) triaged after their limit)",
            "- Tabletop exercises run in the period: \(s.exercises.count)",
            "- Action items: \(s.actionItems.open) open (\(s.actionItems.overdue) past their due date on \(s.to)), \(s.actionItems.closed) closed",
            "- Programme revisions imported by \(s.to): \(s.programmeRevisions.count); findings on \(s.to): \(s.findings.count)", "",
            "## The criteria and where their evidence is", "",
        ]
        for criterion in criteria {
            let files = s.criteria[criterion.id] ?? []
            lines.append(
                "- **\(criterion.id)**, \(criterion.title): \(files.isEmpty ? "no file in this bundle" : "\(files.count) file(s), listed in `evidence.json` under `criteria`")"
            )
        }
        lines += ["", "Not covered by this bundle:", ""]
        lines += s.notCovered.map { "- " + $0 }
        lines += ["", "## Incidents", ""]
        if s.incidents.isEmpty {
            lines.append("No incident was open during the period.")
        } else {
            lines += [
                "| Incident | Title | Opened | Closed | Obligations (met/late/not sent) | Reminders delivered | Review |",
                "|---|---|---|---|---|---|---|",
            ]
            for i in s.incidents {
                lines.append(
                    "| [\(i.id)](incidents/\(i.id)/timeline.json) | \(cell(i.title)) | \(i.openedAt) | \(i.closedAt ?? "open") | \(i.obligations) (\(i.met)/\(i.late)/\(i.notSent)) | \(i.remindersDelivered) | \(i.reviewed ? "[yes](incidents/\(i.id)/review.md)" : "no") |"
                )
            }
        }
        lines += ["", "## Tabletop exercises", ""]
        if s.exercises.isEmpty {
            lines.append("No exercise was run during the period.")
        } else {
            lines += ["| Exercise | Name | Run | Attended | Action items |", "|---|---|---|---|---|"]
            for e in s.exercises {
                lines.append(
                    "| [\(e.id)](exercises/\(e.id)/report.md) | \(cell(e.name)) | \(e.runAt) | \(e.logged ? "\(e.attended) of \(e.invited)" : "not logged") | \(e.actionItems) |"
                )
            }
        }
        lines += ["", "## The programme's review history", ""]
        if s.programmeRevisions.isEmpty {
            lines.append("No programme was imported by the period's end.")
        } else {
            lines += ["| Revision | Imported | By | SHA-256 |", "|---|---|---|---|"]
            for r in s.programmeRevisions { lines.append("| \(r.revision) | \(r.importedAt) | \(cell(r.importedBy)) | `\(r.sha256)` |") }
        }
        lines += ["", "## Findings on \(s.to)", ""]
        lines += s.findings.isEmpty ? ["None."] : s.findings.map { "- `\($0.kind)` \($0.subject): \(cell($0.message))" }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
