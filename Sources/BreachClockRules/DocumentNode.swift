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

    /// A short word for the node's shape, for error messages.
    public var shapeName: String {
        switch self {
        case .scalar: return isNull ? "null" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
