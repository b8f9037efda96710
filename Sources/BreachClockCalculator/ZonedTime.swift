import BreachClockRules
import Foundation

/// A time zone with its UTC offsets memoised by minute. Foundation's `secondsFromGMT(for:)` is costly
/// on Linux and an assessment asks it hundreds of times for a few dozen distinct instants.
public final class ZoneOffsets: @unchecked Sendable {
    public let zone: TimeZone
    /// Recently seen minutes and their offsets: an assessment asks about a few dozen instants, so a
    /// short list beats hashing.
    private var minutes: [Int] = []
    private var offsets: [Int] = []
    private var lastMinute = Int.min
    private var lastOffset = 0

    public init(_ zone: TimeZone) { self.zone = zone }

    /// The zone's offset from UTC, in seconds, at `instant`. Offsets change only on whole minutes.
    public func offset(at instant: Date) -> Int {
        let minute = Int((instant.timeIntervalSince1970 / 60).rounded(.down))
        if minute == lastMinute { return lastOffset }
        let value: Int
        if let index = minutes.firstIndex(of: minute) {
            value = offsets[index]
        } else {
            value = zone.secondsFromGMT(for: instant)
            if minutes.count == 64 {
                minutes.removeFirst()
                offsets.removeFirst()
            }
            minutes.append(minute)
            offsets.append(value)
        }
        lastMinute = minute
        lastOffset = value
        return value
    }
}

/// Conversions between instants and civil dates in a time zone, and RFC 3339 text.
public enum ZonedTime {
    /// The date of `instant` in the zone.
    public static func civilDate(of instant: Date, in zone: ZoneOffsets) -> CivilDate {
        let local = Int((instant.timeIntervalSince1970).rounded(.down)) + zone.offset(at: instant)
        return CivilDate(dayNumber: Int((Double(local) / 86_400).rounded(.down)))
    }

    /// 23:59:59 of `date` in the zone.
    public static func endOfDay(_ date: CivilDate, in zone: ZoneOffsets) -> Date {
        let local = Double(date.dayNumber * 86_400 + 86_399)
        let firstGuess = zone.offset(at: Date(timeIntervalSince1970: local))
        var instant = local - Double(firstGuess)
        let second = zone.offset(at: Date(timeIntervalSince1970: instant))
        if second != firstGuess { instant = local - Double(second) }
        return Date(timeIntervalSince1970: instant)
    }

    /// The date of `instant` in `zone`.
    public static func civilDate(of instant: Date, in zone: TimeZone) -> CivilDate {
        let offset = zone.secondsFromGMT(for: instant)
        let local = Int((instant.timeIntervalSince1970).rounded(.down)) + offset
        return CivilDate(dayNumber: Int((Double(local) / 86_400).rounded(.down)))
    }

    /// The instant at which the local clock in `zone` shows `seconds` past midnight of `date`.
    public static func instant(_ date: CivilDate, secondsIntoDay seconds: Int, in zone: TimeZone) -> Date {
        let local = Double(date.dayNumber * 86_400 + seconds)
        let firstGuess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: local))
        var instant = local - Double(firstGuess)
        let second = zone.secondsFromGMT(for: Date(timeIntervalSince1970: instant))
        if second != firstGuess { instant = local - Double(second) }
        return Date(timeIntervalSince1970: instant)
    }

    /// 23:59:59 of `date` in `zone`.
    public static func endOfDay(_ date: CivilDate, in zone: TimeZone) -> Date {
        instant(date, secondsIntoDay: 86_399, in: zone)
    }

    /// 00:00:00 of `date` in `zone`.
    public static func startOfDay(_ date: CivilDate, in zone: TimeZone) -> Date {
        instant(date, secondsIntoDay: 0, in: zone)
    }

    /// RFC 3339 with the zone's offset at that instant, whole seconds: `2026-04-01T23:59:59-04:00`.
    public static func rfc3339(_ instant: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: instant)
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + offset
        let day = Int((Double(local) / 86_400).rounded(.down))
        let seconds = local - day * 86_400
        let date = CivilDate(dayNumber: day)
        var text = date.description + "T" + two(seconds / 3600) + ":" + two(seconds / 60 % 60) + ":" + two(seconds % 60)
        if offset == 0 {
            text += "Z"
        } else {
            let magnitude = abs(offset) / 60
            text += (offset < 0 ? "-" : "+") + two(magnitude / 60) + ":" + two(magnitude % 60)
        }
        return text
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Parses an RFC 3339 instant with an offset (`2026-03-02T14:00:00-05:00`, fractions allowed), or a
    /// date alone (`2026-03-02`), which means the start of that day in `zone`. Nil when it is neither.
    public static func parse(_ text: String, in zone: TimeZone) -> Date? {
        let chars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= chars.count else { return nil }
            var value = 0
            for c in chars[from..<(from + count)] {
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard chars.count >= 10, let y = number(0, 4), chars[4] == 45, let m = number(5, 2), chars[7] == 45,
            let d = number(8, 2), let date = CivilDate(year: y, month: m, day: d)
        else { return nil }
        if chars.count == 10 { return startOfDay(date, in: zone) }
        guard chars.count >= 20, chars[10] == 84 || chars[10] == 116 || chars[10] == 32,
            let hh = number(11, 2), chars[13] == 58, let mm = number(14, 2), chars[16] == 58, let ss = number(17, 2),
            hh < 24, mm < 60, ss < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if chars[index] == 46 {
            var scale = 0.1
            index += 1
            let start = index
            while index < chars.count, chars[index] >= 48 && chars[index] <= 57 {
                fraction += Double(chars[index] - 48) * scale
                scale /= 10
                index += 1
            }
            if index == start { return nil }
        }
        guard index < chars.count else { return nil }
        var offset = 0
        switch chars[index] {
        case 90, 122:  // Z z
            guard index + 1 == chars.count else { return nil }
        case 43, 45:  // + -
            guard index + 6 == chars.count, let oh = number(index + 1, 2), chars[index + 3] == 58,
                let om = number(index + 4, 2), oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (chars[index] == 45 ? -1 : 1)
        default:
            return nil
        }
        let local = Double(date.dayNumber * 86_400 + hh * 3600 + mm * 60 + min(ss, 59)) + fraction
        return Date(timeIntervalSince1970: local - Double(offset))
    }
}
