import Foundation

/// RFC 3339 text of an instant at a UTC offset, in whole seconds: `2026-04-01T23:59:59-04:00`, or
/// `…Z` at offset zero. The one writer of it: `ZonedTime.rfc3339` and the assessment's JSON
/// (`JSONWriter.instant`) both call it, the latter straight into its output buffer.
public enum RFC3339 {
    /// The most bytes `write` needs: a year of up to 20 digits with its sign, then 21 more.
    public static let maximumLength = 42

    /// Writes the text into `buffer`, which holds at least `maximumLength` bytes; returns how many it wrote.
    public static func write(_ instant: Date, offsetSeconds offset: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var count = 0
        func put(_ byte: UInt8) {
            buffer[count] = byte
            count += 1
        }
        func two(_ value: Int) {
            put(UInt8(48 + value / 10))
            put(UInt8(48 + value % 10))
        }
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + offset
        let day = Int((Double(local) / 86_400).rounded(.down))
        let seconds = local - day * 86_400
        let date = CivilDate(dayNumber: day)
        if (0...9999).contains(date.year) {
            two(date.year / 100)
            two(date.year % 100)
        } else {
            for byte in String(date.year).utf8 { put(byte) }
        }
        put(UInt8(ascii: "-"))
        two(date.month)
        put(UInt8(ascii: "-"))
        two(date.day)
        put(UInt8(ascii: "T"))
        two(seconds / 3600)
        put(UInt8(ascii: ":"))
        two(seconds / 60 % 60)
        put(UInt8(ascii: ":"))
        two(seconds % 60)
        if offset == 0 {
            put(UInt8(ascii: "Z"))
        } else {
            let minutes = abs(offset) / 60
            put(UInt8(ascii: offset < 0 ? "-" : "+"))
            two(minutes / 60)
            put(UInt8(ascii: ":"))
            two(minutes % 60)
        }
        return count
    }

    /// The text as a `String`.
    public static func text(_ instant: Date, offsetSeconds offset: Int) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumLength) { buffer in
            let count = write(instant, offsetSeconds: offset, into: buffer)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }
}
