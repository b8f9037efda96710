import BreachClockJSON
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

/// The API's JSON parser against Nicolas Seriot's JSONTestSuite (MIT licence): every `y_` file parses,
/// every `n_` file is refused, and the `i_` files (where RFC 8259 leaves the choice to the parser) get
/// the answers chosen here.
///
/// The suite is not committed here: this workplace keeps fetched repositories out of commits, and test
/// data from them may only come through the steering repository's `shared/`. The test reads the suite's
/// `test_parsing` folder from `$BREACHCLOCK_JSONTESTSUITE`, else from `../shared/test-data/JSONTestSuite`,
/// and is skipped, saying so, when neither exists.
@Suite(.enabled(if: jsonTestSuiteFolder != nil, "JSONTestSuite not found: set BREACHCLOCK_JSONTESTSUITE to its test_parsing folder"))
struct JSONTestSuiteTests {
    static var folder: URL? { jsonTestSuiteFolder }

    static let files: [String] = (folder.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0.path) } ?? [])
        .filter { $0.hasSuffix(".json") }.sorted()

    /// Valid JSON that breachclock refuses on purpose (issue 9): a duplicate key is ambiguous (which
    /// value counts?), and a NUL character would be stored truncated by C-string consumers.
    static let refusedByPolicy: [String: String] = [
        "y_object_duplicated_key.json": "duplicate key",
        "y_object_duplicated_key_and_value.json": "duplicate key",
        "y_object_escaped_null_in_key.json": "NUL",
        "y_string_null_escape.json": "NUL",
    ]

    /// The implementation-defined cases: numbers of any size parse (they stay text until a field reads
    /// them, and a count then says it is out of range); a UTF-8 byte order mark is skipped; anything that
    /// is not valid UTF-8, or a lone UTF-16 surrogate, is refused; 500 nested arrays exceed the depth limit.
    static func accepts(implementationDefined name: String) -> Bool {
        name.hasPrefix("i_number_") || name == "i_structure_UTF-8_BOM_empty_object.json"
    }

    @Test func theSuiteIsThere() {
        #expect(Self.files.count > 300, "JSONTestSuite's files are missing from \(Self.folder?.path ?? "-")")
    }

    @Test(arguments: files)
    func parses(file: String) throws {
        let bytes = try [UInt8](Data(contentsOf: try #require(Self.folder).appendingPathComponent(file)))
        let result = Result { () throws(DocumentIssue) in try JSONDocumentParser.parse(bytes, file: file, limits: .body) }
        switch file.prefix(2) {
        case "y_":
            if let reason = Self.refusedByPolicy[file] {
                guard case .failure(let issue) = result else {
                    Issue.record("\(file) should be refused (\(reason))")
                    return
                }
                #expect(issue.message.contains(reason), "\(issue.message)")
            } else if case .failure(let issue) = result {
                Issue.record("\(file) is valid JSON but was refused: \(issue)")
            }
        case "n_":
            if case .success = result { Issue.record("\(file) is not JSON but was accepted") }
        default:
            let accepted = (try? result.get()) != nil
            #expect(accepted == Self.accepts(implementationDefined: file), "\(file)")
        }
    }
}

/// The writer against the same suite: every `y_` file the parser accepts, written back by
/// `JSONWriter` and parsed again, is the same document (the same shape, keys, strings and number
/// texts): whatever text the parser accepts, the writer escapes so that it reads back unchanged.
@Suite(.enabled(if: jsonTestSuiteFolder != nil, "JSONTestSuite not found: set BREACHCLOCK_JSONTESTSUITE to its test_parsing folder"))
struct JSONWriterSuiteTests {
    @Test(arguments: JSONTestSuiteTests.files.filter { $0.hasPrefix("y_") && JSONTestSuiteTests.refusedByPolicy[$0] == nil })
    func writtenBackReadsTheSame(file: String) throws {
        let bytes = try [UInt8](Data(contentsOf: try #require(JSONTestSuiteTests.folder).appendingPathComponent(file)))
        let node = try JSONDocumentParser.parse(bytes, file: file, limits: .body)
        var writer = JSONWriter()
        write(node, to: &writer)
        let written = writer.bytes
        let again = try JSONDocumentParser.parse(written, file: file, limits: .body)
        #expect(Self.same(node, again), "\(String(decoding: written, as: UTF8.self))")
    }

    func write(_ node: DocumentNode, to writer: inout JSONWriter) {
        switch node {
        case .scalar(let text, let plain, _):
            // Plain scalars are JSON's numbers and literals, written as they were read; the rest are strings.
            if plain { writer.raw(text) } else { writer.string(text) }
        case .sequence(let items, _):
            writer.beginArray()
            for item in items { write(item, to: &writer) }
            writer.endArray()
        case .mapping(let members, _):
            writer.beginObject()
            for member in members {
                writer.key(text: member.key)
                write(member.value, to: &writer)
            }
            writer.endObject()
        }
    }

    static func same(_ a: DocumentNode, _ b: DocumentNode) -> Bool {
        switch (a, b) {
        case (.scalar(let x, let p, _), .scalar(let y, let q, _)): return x == y && p == q
        case (.sequence(let xs, _), .sequence(let ys, _)): return xs.count == ys.count && zip(xs, ys).allSatisfy { same($0, $1) }
        case (.mapping(let xs, _), .mapping(let ys, _)):
            return xs.count == ys.count && zip(xs, ys).allSatisfy { $0.key == $1.key && same($0.value, $1.value) }
        default: return false
        }
    }
}

/// Where JSONTestSuite's `test_parsing` folder is, if anywhere (see `JSONTestSuiteTests`).
let jsonTestSuiteFolder: URL? = {
    let candidates = [
        ProcessInfo.processInfo.environment["BREACHCLOCK_JSONTESTSUITE"].map { URL(fileURLWithPath: $0) },
        Paths.root.deletingLastPathComponent().appendingPathComponent("shared/test-data/JSONTestSuite/test_parsing"),
    ]
    return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0.path) }
}()
