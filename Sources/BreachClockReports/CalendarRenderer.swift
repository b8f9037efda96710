import BreachClockCalculator
import BreachClockRules
import Foundation

/// An RFC 5545 calendar with one event per fixed deadline, each with a reminder a day before.
public struct CalendarRenderer {
    let assessment: Assessment
    let generatedAt: Date
    let calendarID: String

    /// - Parameters:
    ///   - assessment: what to put in the calendar (its fixed deadlines).
    ///   - generatedAt: the calendar's timestamp (`DTSTAMP`), from the caller's clock.
    ///   - calendarID: the incident's id (or, for a what-if, something as stable): with the obligation's
    ///     id it makes each event's UID, so re-importing updates an event and two incidents never merge.
    public init(assessment: Assessment, generatedAt: Date, calendarID: String) {
        self.assessment = assessment
        self.generatedAt = generatedAt
        self.calendarID = calendarID
    }

    func utc(_ date: Date) -> String {
        ZonedTime.rfc3339(date, in: ZonedTime.utc)
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    /// Escapes TEXT values (RFC 5545 § 3.3.11).
    func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;")
            .replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Folds a content line at 75 octets (RFC 5545 § 3.1).
    func fold(_ line: String) -> String {
        var out = ""
        var current = ""
        var octets = 0
        for character in line {
            let size = String(character).utf8.count
            if octets + size > 75 {
                out += current + "\r\n "
                current = ""
                octets = 1
            }
            current.append(character)
            octets += size
        }
        return out + current + "\r\n"
    }

    public func render() -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//breachclock//what-if//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
        // A notice already sent is not a pending deadline, so it is not exported.
        for o in assessment.obligations where o.deadline.kind == .fixed && o.notice == nil {
            guard let due = o.deadline.due else { continue }
            lines += [
                "BEGIN:VEVENT",
                "UID:\(calendarID)-\(o.id.replacingOccurrences(of: "/", with: "-"))@breachclock",
                "DTSTAMP:\(utc(generatedAt))",
                "DTSTART:\(utc(due))",
                "DURATION:PT0S",
                "SUMMARY:" + escape("Notify \(o.recipient.name) (\(o.jurisdiction)) — deadline"),
                "DESCRIPTION:"
                    + escape(
                        "Due \(o.deadline.period ?? "")\(o.deadline.clockStart.map { $0.hasPrefix("notice:") ? "" : " from \($0)" } ?? ""), under \(o.citation). Why: "
                            + o.reasons.joined(separator: "; ") + "."),
                "CATEGORIES:breach-notification",
                "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-P1D", "DESCRIPTION:" + escape("1 day left: \(o.id)"), "END:VALARM",
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined()
    }
}
