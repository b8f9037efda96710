import BreachClockCalculator
import BreachClockRules
import Foundation

/// The deadline timeline as SVG, drawn on the server: discovery, now, each fixed deadline and each
/// notice sent. Two drawings of the same marks: a horizontal axis to scale for wide screens, and a
/// vertical list in time order for narrow ones (at 390 pixels a 960-wide drawing would shrink its
/// text to 5 pixels). The layout's CSS shows one of them. Every text in it is escaped here (the
/// template inserts it as markup).
enum DeadlineTimeline {
    struct Mark: Equatable {
        enum Kind: Equatable { case discovered, now, due, sent }
        var at: Date
        var label: String
        var kind: Kind
        /// `at` in the incident's zone, written once for both drawings.
        var time = ""
    }

    /// The marks in time order; "now" among them.
    static func marks(discovered: Date, now: Date, assessment: Assessment) -> [Mark] {
        var marks = [Mark(at: discovered, label: "discovered", kind: .discovered), Mark(at: now, label: "now", kind: .now)]
        for o in assessment.obligations {
            if let due = o.deadline.due { marks.append(Mark(at: due, label: "\(o.jurisdiction) \(o.recipient.kind.rawValue) due", kind: .due)) }
            if let notice = o.notice { marks.append(Mark(at: notice.sentAt, label: "\(o.jurisdiction) notice sent", kind: .sent)) }
        }
        // Stable: marks at the same instant keep the order above.
        return marks.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map { $0.element }
    }

    static func svg(discovered: Date, now: Date, assessment: Assessment, zone: TimeZone) -> String {
        let marks = marks(discovered: discovered, now: now, assessment: assessment).map { mark in
            var mark = mark
            mark.time = ZonedTime.rfc3339(mark.at, in: zone)
            return mark
        }
        return wide(marks) + "\n" + narrow(marks)
    }

    /// One decimal, as `String(format: "%.1f")` gives, without Foundation's formatter (which was a
    /// tenth of the incident page's time; scripts/bench-console.py). Only for the drawing's
    /// coordinates, which are finite and small.
    static func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    /// The drawing's title. It names the marks' span but not the present time, so the drawing (and
    /// the page that holds it) stays the same from one second to the next.
    private static func title(_ id: String, _ marks: [Mark]) -> String {
        let fixed = marks.filter { $0.kind != .now }
        let first = fixed.first?.time ?? ""
        let last = fixed.last?.time ?? ""
        return "<title id=\"\(id)\">Deadline timeline: \(fixed.count) events from \(FastHTMLEscaping.escape(first)) to "
            + "\(FastHTMLEscaping.escape(last)), and now</title>"
    }

    /// A mark's words: "now" has no time (it is when the page was drawn).
    private static func words(_ mark: Mark) -> String {
        mark.kind == .now ? "now" : "\(mark.label): \(mark.time)"
    }

    /// A mark's shape: discovery a square, a deadline a diamond, a notice a circle, now a dashed line.
    /// The shape and the words say what it is; colour only repeats it.
    private static func shape(_ kind: Mark.Kind, x: Double, y: Double) -> String {
        let (px, py) = (decimal(x), decimal(y))
        switch kind {
        case .due: return "<path d=\"M\(px) \(decimal(y - 6)) l6 6 l-6 6 l-6 -6 z\" fill=\"#a4001d\"/>"
        case .sent: return "<circle cx=\"\(px)\" cy=\"\(py)\" r=\"5\" fill=\"#1d5e20\"/>"
        case .discovered: return "<rect x=\"\(decimal(x - 5))\" y=\"\(decimal(y - 5))\" width=\"10\" height=\"10\" fill=\"#1a1a1a\"/>"
        case .now:
            return "<line x1=\"\(decimal(x - 9))\" y1=\"\(py)\" x2=\"\(decimal(x + 9))\" y2=\"\(py)\" stroke=\"#0b57d0\" stroke-width=\"3\"/>"
        }
    }

    /// To scale: one axis across, a row of text under it per mark.
    static func wide(_ marks: [Mark]) -> String {
        let start = marks.first?.at ?? Date(timeIntervalSince1970: 0)
        let end = marks.last?.at ?? start
        let span = max(end.timeIntervalSince(start), 3_600)
        let (width, left) = (960.0, 20.0)
        func x(_ date: Date) -> Double { left + (width - 2 * left) * date.timeIntervalSince(start) / span }
        var parts = [
            "<svg class=\"timeline-wide\" role=\"img\" aria-labelledby=\"timeline-title\" viewBox=\"0 0 960 \(60 + marks.count * 18)\" "
                + "width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">",
            title("timeline-title", marks),
            "<line x1=\"20.0\" y1=\"30\" x2=\"940.0\" y2=\"30\" stroke=\"#1a1a1a\" stroke-width=\"2\"/>",
        ]
        for (index, mark) in marks.enumerated() {
            let px = x(mark.at)
            let y = 60 + index * 18
            if mark.kind == .now {
                parts.append(
                    "<line x1=\"\(decimal(px))\" y1=\"10\" x2=\"\(decimal(px))\" y2=\"50\" stroke=\"#0b57d0\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>"
                )
            } else {
                parts.append(shape(mark.kind, x: px, y: 30))
            }
            parts.append(
                "<line x1=\"\(decimal(px))\" y1=\"36\" x2=\"\(decimal(px))\" y2=\"\(y - 12)\" stroke=\"#c8c8c8\"/>"
                    + "<text x=\"\(decimal(min(px, width - 320)))\" y=\"\(y)\">"
                    + FastHTMLEscaping.escape(words(mark))
                    + "</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// In order, not to scale: an axis down the left, each mark a row with its label and its time.
    static func narrow(_ marks: [Mark]) -> String {
        let row = 42
        let height = 12 + marks.count * row
        var parts = [
            "<svg class=\"timeline-narrow\" role=\"img\" aria-labelledby=\"timeline-title-narrow\" viewBox=\"0 0 360 \(height)\" "
                + "width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">",
            title("timeline-title-narrow", marks),
            "<line x1=\"16\" y1=\"12\" x2=\"16\" y2=\"\(height - 12)\" stroke=\"#1a1a1a\" stroke-width=\"2\"/>",
        ]
        for (index, mark) in marks.enumerated() {
            let y = Double(18 + index * row)
            parts.append(shape(mark.kind, x: 16, y: y))
            parts.append("<text x=\"34\" y=\"\(decimal(y + 5))\">\(FastHTMLEscaping.escape(mark.label))</text>")
            if mark.kind != .now {
                parts.append("<text x=\"34\" y=\"\(decimal(y + 23))\" class=\"muted\">\(FastHTMLEscaping.escape(mark.time))</text>")
            }
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}
