import Foundation

/// One problem found while decoding a document: where it is (file position and field path) and what is wrong.
public struct DocumentIssue: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    /// The field path, dotted (`events.discoveredAt`, `affected.US-XX`, `versions[0].obligations[1].deadline`).
    public var path: String
    public var message: String

    public init(location: SourceLocation, path: String, message: String) {
        self.location = location
        self.path = path
        self.message = message
    }

    /// `file:line:column: message`, the form editors and CI understand.
    public var description: String { "\(location): \(message)" }

    /// `path: message`, the form the assessment contract uses for facts.
    public var pathDescription: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Collects issues while a document is decoded, so that every problem is reported at once, up to
/// `limit` of them: past that they are only counted (`omitted`), so that a document with 20,000 bad
/// values gives a short answer that says how many more there were. Not `Sendable`: one decode owns
/// it, on one task.
public final class IssueCollector {
    public private(set) var issues: [DocumentIssue] = []
    /// Problems found past `limit`, not kept.
    public private(set) var omitted = 0
    public let limit: Int

    public init(limit: Int = DocumentLimits.maxReportedIssues) { self.limit = limit }

    /// Whether any problem was found (kept or not).
    public var isEmpty: Bool { issues.isEmpty && omitted == 0 }

    /// Every problem found, kept or not (grows with each report, so callers can tell whether a step added any).
    public var count: Int { issues.count + omitted }

    /// The kept problems, then (when some were not kept) one more that says how many were left out.
    public var reported: [DocumentIssue] {
        guard omitted > 0, let last = issues.last else { return issues }
        return issues + [DocumentIssue(location: last.location, path: "", message: "and \(omitted) more problem(s), not listed")]
    }

    public func report(_ node: DocumentNode, _ path: String, _ message: @autoclosure () -> String) {
        report(at: node.location, path, message())
    }

    public func report(at location: SourceLocation, _ path: String, _ message: @autoclosure () -> String) {
        guard issues.count < limit else {
            omitted += 1
            return
        }
        issues.append(DocumentIssue(location: location, path: path, message: message()))
    }
}

/// Reads one mapping strictly: every key must be known, and required keys must be present.
/// Call `finish()` after reading, which reports the keys nobody asked for.
public struct MappingReader {
    public let node: DocumentNode
    public let path: String
    let issues: IssueCollector
    private let entries: [(key: String, keyAt: SourceLocation, value: DocumentNode)]
    /// Which entries were read, by position (mappings are small: flags beat hashing keys).
    private var read: [Bool]
    /// Keys asked for, to name the allowed ones when a key is unknown.
    private var asked: [String] = []

    /// Returns nil (and reports) when `node` is not a mapping.
    public init?(_ node: DocumentNode, path: String, issues: IssueCollector) {
        guard case .mapping(let entries, _) = node else {
            issues.report(node, path, "expected a mapping, found \(node.shapeName)")
            return nil
        }
        self.node = node
        self.path = path
        self.issues = issues
        self.entries = entries
        self.read = Array(repeating: false, count: entries.count)
        // The parsers refuse duplicates already; documents built in code (from flags) are checked here.
        // Small mappings compare directly; large ones hash, so the check stays linear.
        if entries.count > 16 {
            var seen: Set<String> = []
            for entry in entries where !seen.insert(entry.key).inserted {
                issues.report(at: entry.keyAt, Self.join(path, entry.key), "duplicate key `\(entry.key)`")
            }
        } else if entries.count > 1 {
            for index in 1..<entries.count where entries[0..<index].contains(where: { $0.key == entries[index].key }) {
                issues.report(at: entries[index].keyAt, Self.join(path, entries[index].key), "duplicate key `\(entries[index].key)`")
            }
        }
    }

    public static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The path of a child key.
    public func path(_ key: String) -> String { Self.join(path, key) }

    /// The keys present, in the order written.
    public var keys: [String] { entries.map(\.key) }

    /// All entries, marking them as read (for maps whose keys are data, such as `affected`).
    public mutating func allEntries() -> [(key: String, keyAt: SourceLocation, value: DocumentNode)] {
        for index in read.indices { read[index] = true }
        return entries
    }

    /// The value of `key`, or nil when absent or null.
    public mutating func optional(_ key: String) -> DocumentNode? {
        asked.append(key)
        guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
        read[index] = true
        let value = entries[index].value
        return value.isNull ? nil : value
    }

    /// The value of `key`; reports a missing key.
    public mutating func required(_ key: String) -> DocumentNode? {
        if let value = optional(key) { return value }
        issues.report(node, path(key), "missing required key `\(key)`")
        return nil
    }

    /// Reports every key that was not read, naming the keys that are allowed here.
    public func finish() {
        guard read.contains(false) else { return }
        let allowed = Set(asked).sorted().joined(separator: ", ")
        for (index, entry) in entries.enumerated() where !read[index] {
            issues.report(at: entry.keyAt, path(entry.key), "unknown key `\(entry.key)` (expected one of: \(allowed))")
        }
    }
}

/// Scalar conversions that report what they expected.
public enum ScalarReader {
    public static func string(_ node: DocumentNode, _ path: @autoclosure () -> String, _ issues: IssueCollector) -> String? {
        guard case .scalar(let text, _, _) = node, !node.isNull else {
            issues.report(node, path(), "expected text, found \(node.shapeName)")
            return nil
        }
        if let kind = node.nonTextKind {
            issues.report(node, path(), "expected text, found \(kind) (`\(text)`); quote it if it is meant as text")
            return nil
        }
        return text
    }

    /// A non-empty string.
    public static func text(_ node: DocumentNode, _ path: @autoclosure () -> String, _ issues: IssueCollector) -> String? {
        guard let text = string(node, path(), issues) else { return nil }
        // Bytes, not Characters: Unicode property look-ups are slow, and rule files are read on every run.
        if text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            issues.report(node, path(), "must not be empty")
            return nil
        }
        return text
    }

    public static func bool(_ node: DocumentNode, _ path: @autoclosure () -> String, _ issues: IssueCollector) -> Bool? {
        if case .scalar(let text, true, _) = node {
            switch text {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        issues.report(node, path(), "expected true or false")
        return nil
    }

    public static func integer(_ node: DocumentNode, _ path: @autoclosure () -> String, _ issues: IssueCollector) -> Int? {
        if case .scalar(let text, true, _) = node {
            if let value = Int(text) { return value }
            // YAML allows digit separators (`20_000`).
            let digits = text.utf8.contains(UInt8(ascii: "_")) ? String(text.filter { $0 != "_" }) : text
            if let value = Int(digits) { return value }
            if let value = Double(digits), value == value.rounded(), abs(value) < 1e15 { return Int(value) }
        }
        issues.report(node, path(), "expected a whole number")
        return nil
    }

    public static func list(_ node: DocumentNode, _ path: @autoclosure () -> String, _ issues: IssueCollector) -> [DocumentNode]? {
        guard case .sequence(let items, _) = node else {
            issues.report(node, path(), "expected a list, found \(node.shapeName)")
            return nil
        }
        return items
    }

    /// A value of a string-backed enumeration, reporting the allowed values when it is not one.
    /// (Inlinable so that callers get a version specialised to their enumeration.)
    @inlinable
    public static func choice<E: RawRepresentable & CaseIterable>(
        _ node: DocumentNode, _ path: @autoclosure () -> String, _ issues: IssueCollector, _ what: String
    ) -> E? where E.RawValue == String {
        guard let text = string(node, path(), issues) else { return nil }
        if let value = E(rawValue: text) { return value }
        let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
        issues.report(node, path(), "unknown \(what) `\(text)` (expected one of: \(allowed))")
        return nil
    }

    /// A list of enumeration values.
    @inlinable
    public static func choices<E: RawRepresentable & CaseIterable>(
        _ node: DocumentNode, _ path: @autoclosure () -> String, _ issues: IssueCollector, _ what: String
    ) -> [E]? where E.RawValue == String {
        guard let items = list(node, path(), issues) else { return nil }
        var values: [E] = []
        var ok = true
        for (index, item) in items.enumerated() {
            if let value: E = choice(item, "\(path())[\(index)]", issues, what) { values.append(value) } else { ok = false }
        }
        return ok ? values : nil
    }

    public static func civilDate(_ node: DocumentNode, _ path: @autoclosure () -> String, _ issues: IssueCollector) -> CivilDate? {
        guard let text = string(node, path(), issues) else { return nil }
        if let date = CivilDate(iso: text) { return date }
        issues.report(node, path(), "expected a date YYYY-MM-DD, found `\(text)`")
        return nil
    }
}
