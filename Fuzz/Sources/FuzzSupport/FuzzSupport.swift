import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockRules
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Helpers shared by the harnesses. Thrown errors are the expected answer to bad input; only a trap,
/// a sanitizer report or a broken invariant (`Invariant.fail`, which aborts) is a finding.
public enum Invariant {
    /// Reports a broken invariant and aborts, so that libFuzzer keeps the input as a crash.
    public static func fail(_ message: String) -> Never {
        printError("==FUZZ INVARIANT== \(message)")
        abort()
    }

    public static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }
}

/// Writes a line to standard error, unbuffered.
public func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}

extension UnsafePointer<UInt8>? {
    /// The fuzzer's input as bytes (libFuzzer may pass no pointer for an empty input).
    public func bytes(count: Int) -> [UInt8] {
        guard let self, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: self, count: count))
    }
}

/// Findings already reported (Fuzz/findings/) that `FUZZ_KNOWN=name,…` tells the harnesses to let
/// pass, so that a campaign can go on past them.
public enum Known {
    static let names = Set((ProcessInfo.processInfo.environment["FUZZ_KNOWN"] ?? "").split(separator: ",").map(String.init))
    /// fuzz-yaml-alias-depth: an alias used deep down is not charged the depth of what it names.
    public static let yamlAliasDepth = names.contains("yaml-alias-depth")
}

/// Checks a parsed document against what the parsers promise (`DocumentLimits`, one value per key,
/// no NUL), walking it without recursion: an over-deep tree must be reported, not overflow here.
public enum DocumentCheck {
    public struct Shape {
        public var nodes = 0
        public var depth = 0
    }

    @discardableResult
    public static func within(_ root: DocumentNode, _ limits: DocumentLimits, _ what: String) -> Shape {
        var shape = Shape()
        var stack: [(DocumentNode, Int)] = [(root, 0)]
        while let (node, depth) = stack.popLast() {
            shape.nodes += 1
            shape.depth = max(shape.depth, depth)
            Invariant.check(
                depth <= limits.maxDepth || Known.yamlAliasDepth,
                "\(what): accepted a document nested \(depth) levels deep (limit \(limits.maxDepth)) at \(node.location)")
            Invariant.check(
                shape.nodes <= limits.maxNodes,
                "\(what): accepted a document of more than \(limits.maxNodes) values (limit maxNodes)")
            switch node {
            case .scalar(let text, _, let at):
                Invariant.check(
                    text.utf8.count <= limits.maxStringBytes,
                    "\(what): accepted a string of \(text.utf8.count) bytes (limit \(limits.maxStringBytes)) at \(at)")
                Invariant.check(!text.utf8.contains(0), "\(what): accepted a NUL inside a string at \(at)")
            case .sequence(let items, let at):
                Invariant.check(items.count <= limits.maxItems, "\(what): accepted a list of \(items.count) items at \(at)")
                for item in items.reversed() { stack.append((item, depth + 1)) }
            case .mapping(let entries, let at):
                Invariant.check(entries.count <= limits.maxItems, "\(what): accepted a mapping of \(entries.count) entries at \(at)")
                var keys = Set<String>()
                for entry in entries {
                    Invariant.check(keys.insert(entry.key).inserted, "\(what): accepted a duplicate key `\(entry.key)` at \(entry.keyAt)")
                    Invariant.check(
                        entry.key.utf8.count <= limits.maxStringBytes,
                        "\(what): accepted a key of \(entry.key.utf8.count) bytes at \(entry.keyAt)")
                    Invariant.check(!entry.key.utf8.contains(0), "\(what): accepted a NUL inside a key at \(entry.keyAt)")
                }
                for entry in entries.reversed() { stack.append((entry.value, depth + 1)) }
            }
        }
        return shape
    }

    /// Writes a parsed document back as JSON (plain scalars as written, others as strings), so that
    /// reparsing it must give the same tree.
    public static func json(_ root: DocumentNode) -> [UInt8] {
        var out: [UInt8] = []
        func string(_ text: String) {
            out.append(0x22)
            for byte in text.utf8 {
                switch byte {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    out += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                default: out.append(byte)
                }
            }
            out.append(0x22)
        }
        func write(_ node: DocumentNode) {
            switch node {
            case .scalar(let text, let plain, _):
                if plain { out += Array(text.utf8) } else { string(text) }
            case .sequence(let items, _):
                out.append(0x5B)
                for (index, item) in items.enumerated() {
                    if index > 0 { out.append(0x2C) }
                    write(item)
                }
                out.append(0x5D)
            case .mapping(let entries, _):
                out.append(0x7B)
                for (index, entry) in entries.enumerated() {
                    if index > 0 { out.append(0x2C) }
                    string(entry.key)
                    out.append(0x3A)
                    write(entry.value)
                }
                out.append(0x7D)
            }
        }
        write(root)
        return out
    }

    /// Whether two trees hold the same values (locations aside).
    public static func same(_ a: DocumentNode, _ b: DocumentNode) -> Bool {
        switch (a, b) {
        case (.scalar(let x, let px, _), .scalar(let y, let py, _)): return x == y && px == py
        case (.sequence(let xs, _), .sequence(let ys, _)): return xs.count == ys.count && zip(xs, ys).allSatisfy { same($0, $1) }
        case (.mapping(let xs, _), .mapping(let ys, _)):
            return xs.count == ys.count && zip(xs, ys).allSatisfy { $0.key == $1.key && same($0.value, $1.value) }
        default: return false
        }
    }
}

/// The reviewed rules under `Jurisdictions/`, loaded once per process (`BREACHCLOCK_RULES` names
/// another folder). Nil, with a message, when they cannot be loaded: the harnesses then skip assessing.
public enum FuzzRules {
    public static let folder: String = {
        if let path = ProcessInfo.processInfo.environment["BREACHCLOCK_RULES"] { return path }
        // Fuzz/Sources/FuzzSupport/FuzzSupport.swift → the repository's Jurisdictions/.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Jurisdictions").path
    }()

    public static let rulebook: Rulebook? = {
        do {
            return try RulesLoader(directory: URL(fileURLWithPath: folder)).load()
        } catch {
            // Fuzzing facts without the calculator would look like a clean run: stop instead.
            printError("fuzz: cannot load the rules in \(folder) (set BREACHCLOCK_RULES, or FUZZ_NO_RULES=1 to fuzz without them): \(error)")
            if ProcessInfo.processInfo.environment["FUZZ_NO_RULES"] == nil { exit(3) }
            return nil
        }
    }()

    /// A fixed "now" for assessments, so that runs are reproducible.
    public static let now = Date(timeIntervalSince1970: 1_772_600_000)  // 2026-03-04

    /// Assesses `facts`, and checks that the contract JSON it writes is JSON our own parser accepts.
    public static func assess(_ facts: IncidentFacts, with rulebook: Rulebook, _ what: String) {
        let assessment = Calculator(rulebook: rulebook).assess(facts, asOf: now)
        let bytes = assessment.jsonBytes()
        let roomy = DocumentLimits(
            maxBytes: 1 << 28, maxDepth: 64, maxNodes: 10_000_000, maxItems: 1_000_000,
            maxStringBytes: 1 << 24, maxAliases: 0)
        do {
            _ = try JSONDocumentParser.parse(bytes, file: "assessment.json", limits: roomy)
        } catch {
            Invariant.fail("\(what): the assessment's JSON does not parse: \(error)\n\(String(decoding: bytes.prefix(2000), as: UTF8.self))")
        }
    }
}
