import Foundation

/// Parses JSON text straight into a `DocumentNode`, keeping key order and line/column positions.
/// Written by hand because it sits on the API's hot path: going through libyaml (YAML is a superset
/// of JSON) cost several times more per request, and Foundation's parser drops order and positions.
public struct JSONDocumentParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private let file: String

    /// Parses `text`; returns nil when it is not JSON (the caller may then try YAML, for the message).
    public static func parse(_ text: String, file: String) -> DocumentNode? {
        var parser = JSONDocumentParser(bytes: Array(text.utf8), file: file)
        parser.skipSpace()
        guard let node = parser.value() else { return nil }
        parser.skipSpace()
        return parser.index == parser.bytes.count ? node : nil
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private var location: SourceLocation { SourceLocation(file: file, line: line, column: index - lineStart + 1) }

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

    private mutating func value() -> DocumentNode? {
        guard index < bytes.count else { return nil }
        let at = location
        switch bytes[index] {
        case 0x7B: return object(at)
        case 0x5B: return array(at)
        case 0x22: return string().map { .scalar($0, plain: false, at: at) }
        default: return literal(at)
        }
    }

    private mutating func object(_ at: SourceLocation) -> DocumentNode? {
        index += 1
        var entries: [(key: String, keyAt: SourceLocation, value: DocumentNode)] = []
        skipSpace()
        if index < bytes.count, bytes[index] == 0x7D {
            index += 1
            return .mapping(entries, at: at)
        }
        while true {
            skipSpace()
            let keyAt = location
            guard index < bytes.count, bytes[index] == 0x22, let key = string() else { return nil }
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x3A else { return nil }
            index += 1
            skipSpace()
            guard let item = value() else { return nil }
            entries.append((key, keyAt, item))
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == 0x2C { index += 1; continue }
            if bytes[index] == 0x7D { index += 1; return .mapping(entries, at: at) }
            return nil
        }
    }

    private mutating func array(_ at: SourceLocation) -> DocumentNode? {
        index += 1
        var items: [DocumentNode] = []
        skipSpace()
        if index < bytes.count, bytes[index] == 0x5D {
            index += 1
            return .sequence(items, at: at)
        }
        while true {
            skipSpace()
            guard let item = value() else { return nil }
            items.append(item)
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == 0x2C { index += 1; continue }
            if bytes[index] == 0x5D { index += 1; return .sequence(items, at: at) }
            return nil
        }
    }

    /// true, false, null or a number, as a plain scalar.
    private mutating func literal(_ at: SourceLocation) -> DocumentNode? {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            let isPart = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x2B
                || byte == 0x2E || byte == 0x45
            guard isPart else { break }
            index += 1
        }
        guard index > start else { return nil }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard text == "true" || text == "false" || text == "null" || Double(text) != nil else { return nil }
        return .scalar(text, plain: true, at: at)
    }

    private mutating func string() -> String? {
        index += 1
        var out: [UInt8] = []
        var start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 {
                defer { index += 1 }
                // Most strings have no escapes: make them straight from the input.
                if out.isEmpty { return String(decoding: bytes[start..<index], as: UTF8.self) }
                out.append(contentsOf: bytes[start..<index])
                return String(decoding: out, as: UTF8.self)
            }
            if byte < 0x20 { return nil }
            if byte == 0x5C {
                out.append(contentsOf: bytes[start..<index])
                index += 1
                guard index < bytes.count else { return nil }
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
                    guard let scalar = unicodeEscape() else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    index -= 1
                default: return nil
                }
                index += 1
                start = index
                continue
            }
            index += 1
        }
        return nil
    }

    /// `\uXXXX`, with surrogate pairs; leaves `index` on the last hex digit.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[at..<(at + 4)], as: UTF8.self), radix: 16) else { return nil }
            return value
        }
        guard let high = hex4(index + 1) else { return nil }
        index += 5
        if (0xD800...0xDBFF).contains(high) {
            guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75, let low = hex4(index + 2),
                (0xDC00...0xDFFF).contains(low)
            else { return nil }
            index += 6
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        }
        return Unicode.Scalar(high)
    }
}
