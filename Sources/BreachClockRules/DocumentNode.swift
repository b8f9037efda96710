import Foundation

/// Where a value stood in a source file: used to report `file:line:column: message`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file's path as given to the loader (empty for input that has no file).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// A parsed YAML or JSON document, kept as text with locations so that decoders can name the
/// exact place of every problem. The rules and facts decoders read this, never a parser directly,
/// which keeps them free of IO and of any particular parser.
public indirect enum DocumentNode: Sendable {
    /// A scalar: its text, and whether it was written plain (unquoted), which decides whether
    /// `true`, `12` or `null` mean a boolean, a number or nothing.
    case scalar(String, plain: Bool, at: SourceLocation)
    case sequence([DocumentNode], at: SourceLocation)
    /// A mapping, in the order written. Keys are scalars.
    case mapping([(key: String, keyAt: SourceLocation, value: DocumentNode)], at: SourceLocation)

    /// Where this node starts.
    public var location: SourceLocation {
        switch self {
        case .scalar(_, _, let at), .sequence(_, let at), .mapping(_, let at): return at
        }
    }

    /// True for a plain `null`, `~` or empty scalar.
    public var isNull: Bool {
        if case .scalar(let text, let plain, _) = self, plain {
            return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }
        return false
    }

    /// What a plain (unquoted) scalar means when it is not text: "null", "true or false" or "a number",
    /// as JSON and YAML 1.2's core schema read it; nil for text and for quoted scalars. A field that
    /// wants text refuses these rather than turning `123` into `"123"`.
    public var nonTextKind: String? {
        guard case .scalar(let text, true, _) = self else { return nil }
        if isNull { return "null" }
        switch text {
        case "true", "True", "TRUE", "false", "False", "FALSE": return "true or false"
        default: return Self.isNumeral(text) ? "a number" : nil
        }
    }

    /// YAML 1.2 core-schema numbers (which include JSON's): decimal, `0x`/`0o`, `.inf`, `.nan`.
    static func isNumeral(_ text: String) -> Bool {
        // Most text starts with a letter: a number starts with a digit, a sign or a point.
        guard let first = text.utf8.first, (first >= 0x30 && first <= 0x39) || first == 0x2B || first == 0x2D || first == 0x2E else {
            return false
        }
        var bytes = Substring(text).utf8[...]
        if bytes.starts(with: "0x".utf8) || bytes.starts(with: "0o".utf8) {
            let digits = bytes.dropFirst(2)
            return !digits.isEmpty && digits.allSatisfy { $0 < 0x80 && Character(Unicode.Scalar($0)).isHexDigit }
        }
        if [".nan", ".NaN", ".NAN"].contains(text) { return true }
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if [".inf", ".Inf", ".INF"].contains(String(Substring(bytes))) { return true }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        let integer = bytes.prefix(while: isDigit)
        bytes = bytes.dropFirst(integer.count)
        var fraction = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fraction = bytes.prefix(while: isDigit).count
            bytes = bytes.dropFirst(fraction)
        }
        guard integer.count + fraction > 0 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            let exponent = bytes.prefix(while: isDigit).count
            guard exponent > 0 else { return false }
            bytes = bytes.dropFirst(exponent)
        }
        return bytes.isEmpty
    }

    /// A short word for the node's shape, for error messages.
    public var shapeName: String {
        switch self {
        case .scalar: return isNull ? "null" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
