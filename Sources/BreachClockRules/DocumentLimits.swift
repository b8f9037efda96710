/// The bounds every parsed document must keep, so that no input of any size or shape can exhaust
/// the process: the parsers stop at the first bound crossed and report it, with its location.
///
/// The figures are far above anything real: a facts document nests four levels and has a few hundred
/// nodes; the largest rule file nests seven levels and has about 1,500 nodes.
public struct DocumentLimits: Sendable, Hashable {
    /// The whole document, in bytes.
    public var maxBytes: Int
    /// Mappings and lists inside one another.
    public var maxDepth: Int
    /// Scalars, lists and mappings in all, counting every use of a YAML alias.
    public var maxNodes: Int
    /// Items of one list, or entries of one mapping.
    public var maxItems: Int
    /// One string or key, in UTF-8 bytes.
    public var maxStringBytes: Int
    /// YAML anchors and aliases in all (rule files share blocks between versions with a few).
    public var maxAliases: Int

    public init(maxBytes: Int, maxDepth: Int, maxNodes: Int, maxItems: Int, maxStringBytes: Int, maxAliases: Int) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxItems = maxItems
        self.maxStringBytes = maxStringBytes
        self.maxAliases = maxAliases
    }

    /// Incident facts files and stored facts: 1 MiB.
    public static let facts = DocumentLimits(
        maxBytes: 1 << 20, maxDepth: 32, maxNodes: 100_000, maxItems: 10_000, maxStringBytes: 65_536, maxAliases: 100)

    /// API request bodies: the server refuses larger bodies before parsing (413).
    public static let body = DocumentLimits(
        maxBytes: 256 * 1024, maxDepth: 32, maxNodes: 50_000, maxItems: 10_000, maxStringBytes: 65_536, maxAliases: 100)

    /// Rule files in `Jurisdictions/`.
    public static let rules = DocumentLimits(
        maxBytes: 1 << 20, maxDepth: 32, maxNodes: 100_000, maxItems: 10_000, maxStringBytes: 65_536, maxAliases: 100)

    /// How many problems one document reports before it says "and N more".
    public static let maxReportedIssues = 50
}

/// A parsed document's counts against its `DocumentLimits`, shared by the JSON and YAML readers.
public struct LimitCounter {
    public let limits: DocumentLimits
    private(set) var nodes = 0
    private(set) var aliases = 0

    public init(_ limits: DocumentLimits) { self.limits = limits }

    /// Counts one node at `depth`; the message of the first limit it crosses.
    public mutating func node(depth: Int) -> String? {
        nodes += 1
        if depth > limits.maxDepth { return "nesting deeper than \(limits.maxDepth) levels" }
        if nodes > limits.maxNodes { return "more than \(limits.maxNodes) values in one document" }
        return nil
    }

    /// Counts a YAML anchor or alias use.
    public mutating func alias() -> String? {
        aliases += 1
        return aliases > limits.maxAliases ? "more than \(limits.maxAliases) YAML anchors and aliases" : nil
    }

    public func items(_ count: Int, _ what: String) -> String? {
        count > limits.maxItems ? "more than \(limits.maxItems) \(what) in one \(what == "entries" ? "mapping" : "list")" : nil
    }

    public func string(bytes: Int) -> String? {
        bytes > limits.maxStringBytes ? "a string longer than \(limits.maxStringBytes) bytes" : nil
    }
}
