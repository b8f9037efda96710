import BreachClockRules
import Foundation

/// Parses JSON (RFC 8259, strictly) straight into a `DocumentNode`, keeping key order and line/column
/// positions. Written by hand because it sits on the API's hot path (libyaml cost several times more
/// per request) and because Foundation's parser drops order and positions and accepts more than the RFC.
///
/// Strict means: the RFC's number grammar only (no `nan`, `01`, `+1`, `.5`, `1.`, hex), exactly `true`,
/// `false` and `null`, no duplicate key in any object, valid UTF-8 only, no NUL character in a string,
/// and the bounds of `DocumentLimits`. Every error names its line and column.
public struct JSONDocumentParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private let file: String
    private var counter: LimitCounter
    private var depth = 0

    /// Parses `bytes` as one JSON text. A leading UTF-8 byte order mark is skipped.
    public static func parse(_ bytes: [UInt8], file: String, limits: DocumentLimits = .body) throws(DocumentIssue) -> DocumentNode {
        var parser = JSONDocumentParser(bytes: bytes, file: file, limits: limits)
        if bytes.count > limits.maxBytes {
            throw parser.issue("the document is larger than \(limits.maxBytes) bytes")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            parser.index = 3
            parser.lineStart = 3
        }
        parser.skipSpace()
        guard parser.index < bytes.count else { throw parser.issue("empty document: expected a JSON value") }
        let node = try parser.value()
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.issue("unexpected \(parser.describeHere()) after the JSON value") }
        return node
    }

    /// Parses `text` (already valid Unicode) as one JSON text.
    public static func parse(_ text: String, file: String, limits: DocumentLimits = .body) throws(DocumentIssue) -> DocumentNode {
        try parse(Array(text.utf8), file: file, limits: limits)
    }

    private init(bytes: [UInt8], file: String, limits: DocumentLimits) {
        self.bytes = bytes
        self.file = file
        self.counter = LimitCounter(limits)
    }

    private var location: SourceLocation { SourceLocation(file: file, line: line, column: index - lineStart + 1) }

    private func issue(_ message: String, at: SourceLocation? = nil) -> DocumentIssue {
        DocumentIssue(location: at ?? location, path: "", message: "JSON: \(message)")
    }

    /// The byte at the cursor, for messages: `` `x` ``, or "the end of the document".
    private func describeHere() -> String {
        guard index < bytes.count else { return "end of the document" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F { return "`\(Character(Unicode.Scalar(byte)))`" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func value() throws(DocumentIssue) -> DocumentNode {
        guard index < bytes.count else { throw issue("unexpected end of the document: expected a value") }
        let at = location
        if let exceeded = counter.node(depth: depth) { throw issue(exceeded, at: at) }
        switch bytes[index] {
        case 0x7B: return try object(at)
        case 0x5B: return try array(at)
        case 0x22: return .scalar(try string(), plain: false, at: at)
        default: return try literal(at)
        }
    }

    private mutating func object(_ at: SourceLocation) throws(DocumentIssue) -> DocumentNode {
        index += 1
        depth += 1
        defer { depth -= 1 }
        var entries: [(key: String, keyAt: SourceLocation, value: DocumentNode)] = []
        // Small objects compare keys directly; larger ones keep a set, so that a body of 10,000 keys
        // does not cost 50 million comparisons.
        var seen: Set<String>? = nil
        skipSpace()
        if index < bytes.count, bytes[index] == 0x7D {
            index += 1
            return .mapping(entries, at: at)
        }
        while true {
            skipSpace()
            let keyAt = location
            guard index < bytes.count, bytes[index] == 0x22 else { throw issue("expected a member name in double quotes, found \(describeHere())") }
            let key = try string()
            if entries.count < 16 {
                if entries.contains(where: { $0.key == key }) { throw issue("duplicate key `\(key)`", at: keyAt) }
            } else {
                if seen == nil { seen = Set(entries.map(\.key)) }
                if !seen!.insert(key).inserted { throw issue("duplicate key `\(key)`", at: keyAt) }
            }
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x3A else { throw issue("expected `:` after the member name, found \(describeHere())") }
            index += 1
            skipSpace()
            let item = try value()
            entries.append((key, keyAt, item))
            if let exceeded = counter.items(entries.count, "entries") { throw issue(exceeded, at: at) }
            skipSpace()
            guard index < bytes.count else { throw issue("unexpected end of the document: expected `,` or `}`") }
            if bytes[index] == 0x2C {
                index += 1
                continue
            }
            if bytes[index] == 0x7D {
                index += 1
                return .mapping(entries, at: at)
            }
            throw issue("expected `,` or `}` after a member, found \(describeHere())")
        }
    }

    private mutating func array(_ at: SourceLocation) throws(DocumentIssue) -> DocumentNode {
        index += 1
        depth += 1
        defer { depth -= 1 }
        var items: [DocumentNode] = []
        skipSpace()
        if index < bytes.count, bytes[index] == 0x5D {
            index += 1
            return .sequence(items, at: at)
        }
        while true {
            skipSpace()
            items.append(try value())
            if let exceeded = counter.items(items.count, "items") { throw issue(exceeded, at: at) }
            skipSpace()
            guard index < bytes.count else { throw issue("unexpected end of the document: expected `,` or `]`") }
            if bytes[index] == 0x2C {
                index += 1
                continue
            }
            if bytes[index] == 0x5D {
                index += 1
                return .sequence(items, at: at)
            }
            throw issue("expected `,` or `]` after an item, found \(describeHere())")
        }
    }

    /// `true`, `false`, `null` or a number (RFC 8259 section 6), as a plain scalar.
    private mutating func literal(_ at: SourceLocation) throws(DocumentIssue) -> DocumentNode {
        let word: StaticString? =
            switch bytes[index] {
            case 0x74: "true"
            case 0x66: "false"
            case 0x6E: "null"
            default: nil
            }
        if let word {
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard bytes[index...].starts(with: expected) else { throw issue("expected \(word), found \(describeHere())", at: at) }
            index += expected.count
            try endOfLiteral()
            return .scalar(word.description, plain: true, at: at)
        }
        let start = index
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if index < bytes.count, bytes[index] == 0x2D { index += 1 }
        guard digit(index) else {
            throw issue("expected a value (an object, list, string, number, true, false or null), found \(describeHere())", at: at)
        }
        if bytes[index] == 0x30 {
            index += 1
            if digit(index) { throw issue("a number cannot have a leading zero", at: at) }
        } else {
            while digit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            guard digit(index) else { throw issue("a number needs digits after its decimal point", at: at) }
            while digit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == 0x65 || bytes[index] == 0x45 {
            index += 1
            if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }
            guard digit(index) else { throw issue("a number needs digits in its exponent", at: at) }
            while digit(index) { index += 1 }
        }
        if let exceeded = counter.string(bytes: index - start) { throw issue(exceeded, at: at) }
        try endOfLiteral()
        return .scalar(String(decoding: bytes[start..<index], as: UTF8.self), plain: true, at: at)
    }

    /// A literal must be followed by a structural character, space, or the end (`truex` and `1x` are errors).
    private func endOfLiteral() throws(DocumentIssue) {
        guard index < bytes.count else { return }
        switch bytes[index] {
        case 0x20, 0x09, 0x0A, 0x0D, 0x2C, 0x5D, 0x7D: return
        default: throw issue("unexpected \(describeHere()) in a literal")
        }
    }

    private mutating func string() throws(DocumentIssue) -> String {
        let at = location
        index += 1
        var out: [UInt8] = []
        var start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 {
                defer { index += 1 }
                if let exceeded = counter.string(bytes: out.count + index - start) { throw issue(exceeded, at: at) }
                // Most strings have no escapes and are ASCII: make them straight from the input.
                if out.isEmpty && ascii { return String(decoding: bytes[start..<index], as: UTF8.self) }
                out.append(contentsOf: bytes[start..<index])
                guard let text = String(validating: out, as: UTF8.self) else { throw issue("a string is not valid UTF-8", at: at) }
                return text
            }
            if byte < 0x20 {
                throw issue(byte == 0 ? "a NUL character in a string" : "an unescaped control character (0x\(String(byte, radix: 16))) in a string")
            }
            if byte >= 0x80 { ascii = false }
            if byte == 0x5C {
                out.append(contentsOf: bytes[start..<index])
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x2F: out.append(0x2F)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    let scalar = try unicodeEscape()
                    if scalar.value == 0 { throw issue("a NUL character (\\u0000) in a string") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    index -= 1
                default: throw issue("an unknown escape \\\(describeHere()) in a string")
                }
                index += 1
                start = index
                if let exceeded = counter.string(bytes: out.count) { throw issue(exceeded, at: at) }
                continue
            }
            index += 1
        }
        throw issue("a string is not closed", at: at)
    }

    /// `\uXXXX`, with surrogate pairs; leaves `index` on the last hex digit. A lone surrogate is an error.
    private mutating func unicodeEscape() throws(DocumentIssue) -> Unicode.Scalar {
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for byte in bytes[at..<(at + 4)] {
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x37
                case 0x61...0x66: digit = byte - 0x57
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        guard let high = hex4(index + 1) else { throw issue("\\u needs four hex digits") }
        index += 5
        if (0xD800...0xDBFF).contains(high) {
            guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75, let low = hex4(index + 2),
                (0xDC00...0xDFFF).contains(low)
            else { throw issue("a lone UTF-16 surrogate (\\u\(String(high, radix: 16))) in a string") }
            index += 6
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(high) else { throw issue("a lone UTF-16 surrogate (\\u\(String(high, radix: 16))) in a string") }
        return scalar
    }
}
