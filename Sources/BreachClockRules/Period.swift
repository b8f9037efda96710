import Foundation

/// A length of time as a statute states it: hours, calendar days, business days or months.
public struct Period: Sendable, Hashable, CustomStringConvertible {
    public enum Unit: String, Sendable, Hashable {
        case hours
        case calendarDays = "calendar days"
        case businessDays = "business days"
        case months
    }

    public let amount: Int
    public let unit: Unit
    /// The holiday calendar business days skip (a code of `Jurisdictions/calendars/`).
    public let calendar: String?
    /// How the assessment shows it (made once: assessments show it often).
    public let description: String
    /// ISO 8601 duration (`P15D`, `PT72H`, `P1M`); business days, which ISO cannot say, as `P10BD`.
    public let isoDuration: String

    public init(amount: Int, unit: Unit, calendar: String? = nil) {
        self.amount = amount
        self.unit = unit
        self.calendar = calendar
        self.description = Period.describe(amount: amount, unit: unit, calendar: calendar)
        switch unit {
        case .hours: isoDuration = "PT\(amount)H"
        case .calendarDays: isoDuration = "P\(amount)D"
        case .businessDays: isoDuration = "P\(amount)BD"
        case .months: isoDuration = "P\(amount)M"
        }
    }

    /// Parses `72 hours`, `30 days`, `30 calendar days`, `14 business days`, `2 months` (singular too).
    public init?(text: String, calendar: String? = nil) {
        let words = text.lowercased().split(separator: " ").map(String.init)
        guard words.count >= 2, let amount = Int(words[0]), amount >= 0 else { return nil }
        let rest = words.dropFirst().joined(separator: " ")
        let unit: Unit
        switch rest {
        case "hour", "hours": unit = .hours
        case "day", "days", "calendar day", "calendar days": unit = .calendarDays
        case "business day", "business days": unit = .businessDays
        case "month", "months": unit = .months
        default: return nil
        }
        self.init(amount: amount, unit: unit, calendar: calendar)
    }

    /// `30 calendar days`, `72 hours`, `14 business days (US-federal holidays)`.
    static func describe(amount: Int, unit: Unit, calendar: String?) -> String {
        let one = amount == 1
        switch unit {
        case .hours: return "\(amount) \(one ? "hour" : "hours")"
        case .calendarDays: return "\(amount) calendar \(one ? "day" : "days")"
        case .months: return "\(amount) \(one ? "month" : "months")"
        case .businessDays:
            let base = "\(amount) business \(one ? "day" : "days")"
            return calendar.map { "\(base) (\($0) holidays)" } ?? base
        }
    }

}
