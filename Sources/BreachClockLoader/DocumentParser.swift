import BreachClockJSON
import BreachClockRules
import Foundation

/// The two notations documents come in.
public enum DocumentFormat: String, Sendable, CaseIterable {
    case json, yaml

    /// By a file's name: `.json` is JSON, `.yaml` and `.yml` are YAML, anything else is told by its content.
    public static func of(fileName: String) -> DocumentFormat? {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".json") { return .json }
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return .yaml }
        return nil
    }

    /// By content: JSON when the first character that is not a space opens an object or a list.
    public static func sniff(_ bytes: [UInt8]) -> DocumentFormat {
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let first = bytes[start...].first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .json : .yaml
    }
}

/// Parses JSON or YAML into a `DocumentNode` that keeps line and column, within `DocumentLimits`.
/// JSON goes to `JSONDocumentParser` (strict RFC 8259); YAML to libyaml through `YAMLDocumentReader`.
/// Either way the bytes must be UTF-8, and every error is a located `DocumentIssue`.
public enum DocumentParser {
    /// Parses `bytes` as `format` (nil: by content). An empty YAML document is an empty mapping.
    public static func parse(_ bytes: [UInt8], format: DocumentFormat?, file: String, limits: DocumentLimits) throws(DocumentIssue)
        -> DocumentNode
    {
        if bytes.count > limits.maxBytes {
            throw DocumentIssue(
                location: SourceLocation(file: file, line: 1, column: 1), path: "",
                message: "the document is larger than \(limits.maxBytes) bytes, the limit")
        }
        switch format ?? DocumentFormat.sniff(bytes) {
        case .json:
            return try JSONDocumentParser.parse(bytes, file: file, limits: limits)
        case .yaml:
            if let offset = firstInvalidUTF8(bytes) {
                let (line, column) = position(of: offset, in: bytes)
                throw DocumentIssue(
                    location: SourceLocation(file: file, line: line, column: column), path: "",
                    message: "not valid UTF-8 (byte \(offset))")
            }
            return try YAMLDocumentReader(file: file, limits: limits).read(bytes)
        }
    }

    /// Parses text, telling JSON from YAML by its content (stored facts, tests).
    public static func parse(_ text: String, file: String, limits: DocumentLimits = .facts) throws(DocumentIssue) -> DocumentNode {
        try parse(Array(text.utf8), format: nil, file: file, limits: limits)
    }

    /// Parses text as YAML only.
    public static func parseYAML(_ text: String, file: String, limits: DocumentLimits = .facts) throws(DocumentIssue) -> DocumentNode {
        try parse(Array(text.utf8), format: .yaml, file: file, limits: limits)
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        // The standard library's validator is compiled optimised, so it is fast in debug builds too
        // (the walk below took a third of the test suite's time); the walk finds the offset only
        // for text that is invalid.
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// 1-based line and column (in bytes) of `offset`.
    static func position(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        var line = 1
        var lineStart = 0
        for (index, byte) in bytes[..<offset].enumerated() where byte == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return (line, offset - lineStart + 1)
    }
}
