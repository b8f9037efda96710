import BreachClockCalculator
import BreachClockRules
import Foundation

/// The terminal view of an assessment: obligations by due date with time left, then what is not
/// triggered and warnings, wrapped (never cut) to the terminal's width. Colour only when asked.
public struct TableRenderer {
    let assessment: Assessment
    let facts: IncidentFacts
    let now: Date
    let color: Bool
    let width: Int

    /// The narrowest and widest tables: below 60 columns the legal text would wrap every few words.
    public static let widths = 60...200

    /// - Parameters:
    ///   - now: the clock for "time left" (the system clock, or a simulated one for exercises).
    ///   - color: ANSI colour, for a terminal only.
    ///   - width: the terminal's columns (`COLUMNS` or the tty's), clamped to `widths`.
    public init(assessment: Assessment, facts: IncidentFacts, now: Date, color: Bool, width: Int = 80) {
        self.assessment = assessment
        self.facts = facts
        self.now = now
        self.color = color
        self.width = min(max(width, Self.widths.lowerBound), Self.widths.upperBound)
    }

    func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    func fit(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(0, limit - 1))) + "…"
    }

    /// `text` wrapped at word boundaries to the table width: the first line starts at `column` (its
    /// indentation already written), the others are indented to it. A word longer than a line (a URL)
    /// gets a line of its own, whole, so that it can still be copied.
    func wrapped(_ text: String, column: Int) -> String {
        let room = width - column
        var lines: [String] = []
        var line = ""
        // Empty words keep runs of spaces ("US-IA  Iowa …").
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty && !word.isEmpty && line.count + 1 + word.count > room {
                lines.append(line)
                line = String(word)
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n" + String(repeating: " ", count: column)) + "\n"
    }

    /// `text` padded to `length`; a text that fills the column still gets one space after it.
    func pad(_ text: String, _ length: Int) -> String {
        text.count >= length ? text + " " : text + String(repeating: " ", count: length - text.count)
    }

    /// `in 30 days`, `OVERDUE 208d`; under 48 hours either side, hours and minutes (`in 26h 10m`, `OVERDUE 3h 5m`).
    /// Always shorter than the LEFT column, so it cannot run into the next one.
    func timeLeft(_ due: Date) -> String { TimeLeft(until: due, from: now).terse }

    /// The due cell: the date, with the local time when it is within 48 hours.
    func dueCell(_ deadline: Deadline) -> String {
        guard let due = deadline.due, let date = deadline.dueDate else { return "" }
        guard abs(due.timeIntervalSince(now)) < 48 * 3600 else { return date.description }
        let stamp = ZonedTime.rfc3339(due, in: facts.timeZone)
        let time = stamp.dropFirst(11).prefix(5)
        return "\(String(date.description.dropFirst(5))) \(time)"
    }

    public func render() -> String {
        var out = ""
        let zone = facts.timeZone
        let discovered = ZonedTime.rfc3339(facts.discoveredAt, in: zone)
        out +=
            paint("breachclock", "1")
            + String(wrapped("breachclock — discovered \(discovered) (\(zone.contractName))", column: 0).dropFirst("breachclock".count))
        out += "as of \(ZonedTime.rfc3339(now, in: zone))\n\n"
        if assessment.obligations.isEmpty {
            out += "No notification obligation is triggered.\n"
        } else {
            out += paint(pad("DUE", 12) + pad("LEFT", 16) + "RECIPIENT", "1") + "\n"
            for o in assessment.obligations {
                let d = o.deadline
                var due: String
                var left: String
                switch d.kind {
                case .fixed:
                    due = dueCell(d)
                    left = d.due.map(timeLeft) ?? ""
                case .relative:
                    due = "relative"
                    left = d.offset == "-P0D" ? "before notice" : "after notice"
                case .none:
                    due = "no limit"
                    left = "—"
                case .pending:
                    due = "pending"
                    left = "clock not started"
                }
                if o.notice != nil { left = "notice given" }
                let leftCell = left.hasPrefix("OVERDUE") ? paint(pad(fit(left, 15), 16), "31;1") : pad(fit(left, 15), 16)
                out += pad(due, 12) + leftCell + wrapped("\(o.jurisdiction)  \(o.recipient.name)", column: 28)
                var detail: String
                switch d.kind {
                case .fixed: detail = "\(d.period ?? "") from \(d.clockStart ?? "")"
                case .relative: detail = d.period ?? ""
                case .none: detail = d.standard.map { "\"\($0)\"" } ?? "no fixed limit"
                case .pending: detail = "waiting for \(d.waitingFor ?? "an event")"
                }
                if d.kind == .fixed && d.clockStart?.hasPrefix("notice:") == true { detail = d.period ?? "" }
                // A fixed limit keeps the statute's own standard beside it ("without unreasonable delay"):
                // the day count is the outer limit, not permission to wait for it.
                if d.kind != .none, let standard = d.standard { detail += "; \"\(standard)\"" }
                let indent = String(repeating: " ", count: 12)
                out += indent + wrapped(detail, column: 12)
                out += indent + wrapped(o.citation, column: 12)
                if let contact = o.recipient.contact { out += indent + wrapped("file at \(contact)", column: 12) }
            }
        }
        if !assessment.notTriggered.isEmpty {
            out += "\n" + paint("Not triggered", "1") + "\n"
            for n in assessment.notTriggered {
                out += "  " + wrapped("\(n.id): \(n.reason)", column: 4)
            }
        }
        if !assessment.warnings.isEmpty {
            out += "\n" + paint("Warnings", "33;1") + "\n"
            for w in assessment.warnings { out += wrap("  ! " + w, indent: "    ") }
        }
        out += "\n" + wrapped("rules \(assessment.rulesDigest.prefix(19))  --format json|markdown|ics for more", column: 0)
        return out
    }

    /// Wraps at word boundaries to the table width.
    func wrap(_ text: String, indent: String) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = indent + word
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n") + "\n"
    }
}
