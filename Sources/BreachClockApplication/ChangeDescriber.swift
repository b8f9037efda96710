import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import BreachClockStore
import Foundation

/// Says in words what a recomputation changed and why: "US-CA/regulator added: 620 residents is more
/// than 500 (Cal. Civ. Code § 1798.82(f)); affected.US-CA rose from 480 to 620".
enum ChangeDescriber {
    struct Previous {
        var kind: String
        var dueDate: String?
    }

    static func describe(previous: StoredIncident, facts: IncidentFacts, assessment: Assessment, decoder: FactsDecoder) -> [String] {
        var lines: [String] = []
        let oldFacts = (try? DocumentParser.parse(previous.factsJSON, file: "stored")).flatMap { try? decoder.decode($0) }
        if let oldFacts { lines += factChanges(from: oldFacts, to: facts) }
        let old = previousObligations(previous.assessmentJSON)
        var seen: Set<String> = []
        for obligation in assessment.obligations {
            seen.insert(obligation.id)
            let due = obligation.deadline.dueDate?.description
            guard let before = old[obligation.id] else {
                let why = obligation.reasonDetails.last.map { ": \($0.text)" } ?? ""
                lines.append("\(obligation.id) added\(why)")
                continue
            }
            if before.kind != obligation.deadline.kind.rawValue || before.dueDate != due {
                let from = before.dueDate.map { "due \($0)" } ?? before.kind
                let to = due.map { "due \($0)" } ?? obligation.deadline.kind.rawValue
                let why =
                    obligation.notice == nil && obligation.deadline.clockStart?.hasPrefix("notice:") == true
                    ? " (the notice it runs from was recorded)" : ""
                lines.append("\(obligation.id) deadline changed from \(from) to \(to)\(why)")
            }
        }
        for (id, _) in old.sorted(by: { $0.key < $1.key }) where !seen.contains(id) {
            let why = assessment.notTriggered.first { $0.id == id }.map { ": \($0.reason)" } ?? ": no longer applies"
            lines.append("\(id) removed\(why)")
        }
        return lines.isEmpty ? ["no change to obligations"] : lines
    }

    /// The rules digest a stored assessment was computed with.
    static func rulesDigest(_ json: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["rulesDigest"] as? String
    }

    static func previousObligations(_ json: String) -> [String: Previous] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let list = object["obligations"] as? [[String: Any]]
        else { return [:] }
        var result: [String: Previous] = [:]
        for item in list {
            guard let id = item["id"] as? String, let deadline = item["deadline"] as? [String: Any] else { continue }
            result[id] = Previous(kind: deadline["kind"] as? String ?? "", dueDate: deadline["dueDate"] as? String)
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
                lines.append("affected.\(code) \(b.max > a.max ? "rose" : "fell") from \(a) to \(b)")
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
