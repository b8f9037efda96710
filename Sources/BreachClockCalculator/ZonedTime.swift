import BreachClockRules
import Foundation
import Synchronization

/// A time zone with its UTC offsets, for one assessment. It remembers the stretch between two of the
/// zone's transitions that it last used (an assessment's instants mostly fall in one or two) and asks
/// the process-wide `ZoneOffsetTable` otherwise.
public final class ZoneOffsets {
    private let table: ZoneOffsetTable
    /// Not `Sendable`: one assessment owns it, on one task, so its cache needs no lock (the compiler
    /// keeps it there; it used to say `@unchecked Sendable` without a lock).
    private var last = ZoneOffsetTable.Stretch(start: 0, end: 0, offset: 0)

    public init(_ zone: TimeZone) { table = ZoneOffsetTable.table(for: zone) }

    /// The zone's offset from UTC, in seconds, at `instant`.
    public func offset(at instant: Date) -> Int {
        let second = Int64(instant.timeIntervalSince1970.rounded(.down))
        if last.start <= second && second < last.end { return last.offset }
        last = table.stretch(containing: second)
        return last.offset
    }
}

/// A zone's offsets from UTC as stretches of time between its transitions, learned from Foundation
/// as instants are asked about and kept for the life of the process. Foundation answers each
/// `secondsFromGMT(for:)` through ICU under a lock, which is slow and, on a busy server, contended.
final class ZoneOffsetTable: Sendable {
    /// Seconds since 1970 in `start..<end` have `offset`; `end` is the zone's next transition.
    struct Stretch: Sendable {
        var start: Int64
        var end: Int64
        var offset: Int
    }

    /// Every zone's table, by identifier (bounded by the IANA names).
    private static let tables = Mutex<[String: ZoneOffsetTable]>([:])

    /// The table of `zone`, shared by every assessment in that zone.
    static func table(for zone: TimeZone) -> ZoneOffsetTable {
        tables.withLock { tables in
            if let table = tables[zone.identifier] { return table }
            let table = ZoneOffsetTable(zone)
            tables[zone.identifier] = table
            return table
        }
    }

    private let zone: TimeZone
    /// Sorted by `end`, which is unique: two stretches ending at the same transition are one.
    private let stretches = Mutex<[Stretch]>([])

    init(_ zone: TimeZone) { self.zone = zone }

    func stretch(containing second: Int64) -> Stretch {
        stretches.withLock { stretches in
            // The first stretch that ends after `second`.
            var low = 0
            var high = stretches.count
            while low < high {
                let middle = (low + high) / 2
                if stretches[middle].end <= second { low = middle + 1 } else { high = middle }
            }
            if low < stretches.count && stretches[low].start <= second { return stretches[low] }
            let instant = Date(timeIntervalSince1970: Double(second))
            let offset = zone.secondsFromGMT(for: instant)
            let end = zone.nextDaylightSavingTimeTransition(after: instant).map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? Int64.max
            if low < stretches.count && stretches[low].end == end {
                // The same stretch, known from a later instant: it starts earlier than we knew.
                stretches[low].start = second
                return stretches[low]
            }
            let found = Stretch(start: second, end: end, offset: offset)
            stretches.insert(found, at: low)
            return found
        }
    }
}

/// Conversions between instants and civil dates in a time zone, and RFC 3339 text. The arithmetic is
/// written once, over `ZoneOffsets` (a zone's offsets, cached per process); the `TimeZone` forms are
/// the same functions for callers that hold a zone.
public enum ZonedTime {
    /// The date of `instant` in the zone.
    public static func civilDate(of instant: Date, in zone: ZoneOffsets) -> CivilDate {
        let local = Int((instant.timeIntervalSince1970).rounded(.down)) + zone.offset(at: instant)
        return CivilDate(dayNumber: Int((Double(local) / 86_400).rounded(.down)))
    }

    /// The instant at which the local clock in the zone shows `seconds` past midnight of `date` (in
    /// a gap of a daylight-saving change, the offset after it; in an overlap, the later offset's).
    public static func instant(_ date: CivilDate, secondsIntoDay seconds: Int, in zone: ZoneOffsets) -> Date {
        let local = Double(date.dayNumber * 86_400 + seconds)
        let firstGuess = zone.offset(at: Date(timeIntervalSince1970: local))
        var instant = local - Double(firstGuess)
        let second = zone.offset(at: Date(timeIntervalSince1970: instant))
        if second != firstGuess { instant = local - Double(second) }
        return Date(timeIntervalSince1970: instant)
    }

    /// 23:59:59 of `date` in the zone.
    public static func endOfDay(_ date: CivilDate, in zone: ZoneOffsets) -> Date {
        instant(date, secondsIntoDay: 86_399, in: zone)
    }

    /// The date of `instant` in `zone`.
    public static func civilDate(of instant: Date, in zone: TimeZone) -> CivilDate {
        civilDate(of: instant, in: ZoneOffsets(zone))
    }

    /// The instant at which the local clock in `zone` shows `seconds` past midnight of `date`.
    public static func instant(_ date: CivilDate, secondsIntoDay seconds: Int, in zone: TimeZone) -> Date {
        instant(date, secondsIntoDay: seconds, in: ZoneOffsets(zone))
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
        RFC3339.text(instant, offsetSeconds: ZoneOffsets(zone).offset(at: instant))
    }

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

extension ZonedTime {
    /// Coordinated Universal Time, the zone of every stored and exchanged instant.
    public static let utc = TimeZone(identifier: "UTC")!
}
