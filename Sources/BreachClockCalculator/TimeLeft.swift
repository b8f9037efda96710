import Foundation

/// How long until a deadline, or how long since it passed, rounded as a person expects: to the
/// nearest minute under two days (a 24-hour reminder sent a few seconds late still says 24 hours),
/// to the nearest hour beyond. The terminal table and the webhook messages both say it, each in its
/// own words, from this one count.
public struct TimeLeft: Sendable, Equatable {
    /// The deadline has passed.
    public var isOverdue: Bool
    /// Whole days; zero under two days, which are told in hours and minutes.
    public var days: Int
    public var hours: Int
    /// Zero from two days on.
    public var minutes: Int

    public init(until due: Date, from now: Date) {
        let seconds = due.timeIntervalSince(now)
        let magnitude = abs(seconds)
        isOverdue = seconds < 0
        let totalMinutes = Int((magnitude / 60).rounded())
        if totalMinutes >= 2 * 24 * 60 {
            let totalHours = Int((magnitude / 3600).rounded())
            (days, hours, minutes) = (totalHours / 24, totalHours % 24, 0)
        } else {
            (days, hours, minutes) = (0, totalMinutes / 60, totalMinutes % 60)
        }
    }

    /// Less than half a minute either way.
    public var isNow: Bool { days == 0 && hours == 0 && minutes == 0 }

    /// "2 days 4 hours", "26 hours 10 minutes", "3 hours"; empty when it is now.
    public var amount: String {
        var parts: [String] = []
        func add(_ value: Int, _ unit: String) { if value > 0 { parts.append("\(value) \(unit)\(value == 1 ? "" : "s")") } }
        add(days, "day")
        add(hours, "hour")
        add(minutes, "minute")
        return parts.joined(separator: " ")
    }

    /// For messages: "2 days 4 hours left", "overdue by 3 hours", "due now".
    public var prose: String {
        if isNow { return "due now" }
        return isOverdue ? "overdue by \(amount)" : "\(amount) left"
    }

    /// For a table column: "in 30 days", "OVERDUE 208d", and under two days hours and minutes
    /// ("in 26h 10m", "OVERDUE 3h 5m", "in 0m"), never longer than 15 characters.
    public var terse: String {
        let text =
            days > 0
            ? (isOverdue ? "\(days)d" : "\(days) days")
            : (hours > 0 ? "\(hours)h \(minutes)m" : "\(minutes)m")
        return isOverdue ? "OVERDUE \(text)" : "in \(text)"
    }
}
