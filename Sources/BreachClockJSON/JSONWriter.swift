import BreachClockRules
import Foundation

/// Writes JSON straight into UTF-8 bytes, keys in the order they are written, without building a tree
/// first. The assessment is written with it (the measured hot path of `POST /v1/assessments`: see
/// the README's Speed section), and so is `OrderedJSON`, so there is one place that escapes strings
/// and lays out commas and indentation. (Foundation's `JSONEncoder` can neither keep the contract's
/// key order nor write without a detour through `Encodable` containers.)
///
/// The writer owns its memory and is not copyable: output goes into one growing buffer, with no
/// copy-on-write checks on each append (those were most of the cost of writing an assessment).
public struct JSONWriter: ~Copyable {
    private var output: ByteOutput
    /// Indent by two spaces, one member per line.
    public let pretty: Bool
    private var depth = 0
    /// No value yet in the container being written: the next one needs no comma.
    private var first = true
    /// A key was just written: the value follows it on the same line.
    private var afterKey = false

    public init(pretty: Bool = false, capacity: Int = 1024) {
        self.pretty = pretty
        output = ByteOutput(capacity: capacity)
    }

    deinit { output.deallocate() }

    /// What has been written so far.
    public var bytes: [UInt8] { output.array() }

    /// Calls `body` with what has been written so far, without copying it.
    public func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(output.written)
    }

    private mutating func beforeValue() {
        if afterKey {
            afterKey = false
            return
        }
        if !first { output.append(UInt8(ascii: ",")) }
        if pretty && depth > 0 { newline() }
        first = false
    }

    private mutating func newline() {
        output.append(0x0A)
        for _ in 0..<depth {
            output.append(0x20)
            output.append(0x20)
        }
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        beforeValue()
        output.append(bracket)
        depth += 1
        first = true
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        if pretty && !first { newline() }
        output.append(bracket)
        first = false
    }

    /// A member's key, written in the source (so it needs no escaping); its value is whatever is written next.
    public mutating func key(_ name: StaticString) {
        beforeValue()
        output.append(UInt8(ascii: "\""))
        ascii(name)
        output.append(UInt8(ascii: "\""))
        colon()
    }

    /// A member's key that comes from data (it is escaped); its value is whatever is written next.
    public mutating func key(text name: String) {
        beforeValue()
        escaped(name)
        colon()
    }

    private mutating func colon() {
        output.append(UInt8(ascii: ":"))
        if pretty { output.append(0x20) }
        afterKey = true
    }

    public mutating func string(_ value: String) {
        beforeValue()
        escaped(value)
    }

    /// A JSON string whose text `body` writes in pieces, each escaped as it comes.
    public mutating func string(_ body: (inout StringText) -> Void) {
        beforeValue()
        output.append(UInt8(ascii: "\""))
        var text = StringText(output: output)
        body(&text)
        output = text.output  // it may have grown, and moved
        output.append(UInt8(ascii: "\""))
    }

    /// The inside of a JSON string being written: `write` escapes what it is given. It writes into
    /// the writer's buffer and is valid only inside the `string` call that made it.
    public struct StringText: TextOutputStream {
        fileprivate var output: ByteOutput

        public mutating func write(_ string: String) {
            JSONWriter.appendEscaped(string, to: &output)
        }
    }

    public mutating func int(_ value: Int) {
        beforeValue()
        digits(value)
    }

    public mutating func bool(_ value: Bool) {
        beforeValue()
        ascii(value ? "true" : "false")
    }

    public mutating func null() {
        beforeValue()
        ascii("null")
    }

    /// JSON text written as it is; the caller guarantees it is valid JSON.
    public mutating func raw(_ text: String) {
        beforeValue()
        var text = text
        text.withUTF8 { output.append(contentsOf: $0) }
    }

    /// Complete members of the object being written, already in JSON (`"a":1,"b":"x"`), as
    /// `RuleJSONFragments` keeps them. Compact output only: the bytes carry no indentation.
    package mutating func members(_ json: UnsafeBufferPointer<UInt8>) {
        precondition(!pretty && !afterKey, "members are written whole, in compact output")
        guard !json.isEmpty else { return }
        if !first { output.append(UInt8(ascii: ",")) }
        output.append(contentsOf: json)
        first = false
    }

    /// `"key": "value"`.
    public mutating func member(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    /// `"key": "value"`, or nothing when the value is nil.
    public mutating func member(_ name: StaticString, ifPresent value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    /// A JSON string of an RFC 3339 instant in a zone, e.g. `"2026-04-01T23:59:59-04:00"` (`RFC3339`
    /// writes the text, straight into the output).
    public mutating func instant(_ date: Date, offsetSeconds offset: Int) {
        beforeValue()
        output.append(UInt8(ascii: "\""))
        output.append(reserving: RFC3339.maximumLength) { RFC3339.write(date, offsetSeconds: offset, into: $0) }
        output.append(UInt8(ascii: "\""))
    }

    /// A JSON string of a date, e.g. `"2026-04-01"`.
    public mutating func date(_ date: CivilDate) {
        beforeValue()
        output.append(UInt8(ascii: "\""))
        civilDateDigits(date)
        output.append(UInt8(ascii: "\""))
    }

    private mutating func civilDateDigits(_ date: CivilDate) {
        let year = date.year
        if year >= 0 && year <= 9999 {
            output.append(UInt8(48 + year / 1000))
            output.append(UInt8(48 + year / 100 % 10))
            twoDigits(year % 100)
        } else {
            digits(year)
        }
        output.append(UInt8(ascii: "-"))
        twoDigits(date.month)
        output.append(UInt8(ascii: "-"))
        twoDigits(date.day)
    }

    private mutating func twoDigits(_ value: Int) {
        output.append(UInt8(48 + value / 10 % 10))
        output.append(UInt8(48 + value % 10))
    }

    private mutating func digits(_ value: Int) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes hold any 64-bit number's digits
        withUnsafeMutableBytes(of: &buffer) { scratch in
            var index = scratch.count
            repeat {
                index -= 1
                scratch[index] = UInt8(48 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch.bindMemory(to: UInt8.self)[index...]))
        }
    }

    private mutating func ascii(_ text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Whether any of the eight bytes in `word` is a quote, a backslash or a control character (the
    /// usual "has a byte less than / equal to" bit tricks; exact, not an estimate).
    @inline(__always)
    package static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        let control = (word &- ones &* 0x20) & ~word & highs != 0
        return control || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
    }

    /// A quoted JSON string.
    private mutating func escaped(_ value: String) {
        output.append(UInt8(ascii: "\""))
        JSONWriter.appendEscaped(value, to: &output)
        output.append(UInt8(ascii: "\""))
    }

    /// Appends a string's UTF-8 with JSON's escapes; runs of bytes that need no escape are copied in one go.
    static func appendEscaped(_ value: String, to bytes: inout ByteOutput) {
        var text = value
        text.withUTF8 { buffer in
            var start = 0
            var index = 0
            let count = buffer.count
            while index < count {
                // Skip eight bytes at a time while none of them needs an escape.
                if index + 8 <= count {
                    let word = UnsafeRawPointer(buffer.baseAddress! + index).loadUnaligned(as: UInt64.self)
                    if !JSONWriter.needsEscape(word) {
                        index += 8
                        continue
                    }
                }
                let byte = buffer[index]
                index += 1
                guard byte == 0x22 || byte == 0x5C || byte < 0x20 else { continue }
                let at = index - 1
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<at]))
                bytes.append(0x5C)
                switch byte {
                case 0x22: bytes.append(0x22)
                case 0x5C: bytes.append(0x5C)
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    bytes.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0x0F)]])
                }
                start = index
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<count]))
        }
    }
}

/// A growable run of bytes in memory the owner allocates and frees (`JSONWriter`). Copyable so that a
/// string's text can be written into it for a moment; only one copy is ever in use at a time.
struct ByteOutput {
    private var start: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        start = .allocate(capacity: self.capacity)
    }

    func deallocate() { start.deallocate() }

    var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    func array() -> [UInt8] { Array(written) }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        start[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        let needed = count + bytes.count
        if needed > capacity { grow(to: needed) }
        if bytes.count <= 16 {
            for index in 0..<bytes.count { start[count + index] = source[index] }
        } else {
            (start + count).initialize(from: source, count: bytes.count)
        }
        count = needed
    }

    /// Lets `body` write up to `length` bytes in place; it returns how many it wrote.
    @inline(__always)
    mutating func append(reserving length: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        if count + length > capacity { grow(to: count + length) }
        count += body(UnsafeMutableBufferPointer(start: start + count, count: length))
    }

    mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    private mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        moved.initialize(from: start, count: count)
        start.deallocate()
        start = moved
        capacity = newCapacity
    }
}
