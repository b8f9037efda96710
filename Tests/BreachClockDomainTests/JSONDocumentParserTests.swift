import BreachClockJSON
import BreachClockLoader
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

/// The API's JSON parser gives the same documents as the YAML parser (which accepts JSON too).
@Suite struct JSONDocumentParserTests {
    /// A shape-only rendering: kinds, texts, plain flags and keys, in order.
    func shape(_ node: DocumentNode) -> String {
        switch node {
        case .scalar(let text, let plain, _): return plain ? "plain(\(text))" : "text(\(text))"
        case .sequence(let items, _): return "[" + items.map(shape).joined(separator: ",") + "]"
        case .mapping(let entries, _): return "{" + entries.map { "\($0.key):\(shape($0.value))" }.joined(separator: ",") + "}"
        }
    }

    @Test(arguments: [
        #"{"a": 1, "b": [true, false, null, -2.5e3], "c": {"d": "x\"y\\z\n", "e": "\u00e9"}, "f": []}"#,
        #"{"events": {"discoveredAt": "2026-03-02T14:00:00-05:00"}, "affected": {"US-CA": 1200, "NO": 3}}"#,
        "  [ ]  ",
        #""just text""#,
    ])
    func sameAsYAML(text: String) throws {
        let fast = try JSONDocumentParser.parse(text, file: "t")
        let yaml = try DocumentParser.parseYAML(text, file: "t")
        #expect(shape(fast) == shape(yaml))
    }

    @Test(arguments: [#"{"a": }"#, #"{"a" 1}"#, "[1, 2", #"{"a": tru}"#, #""unterminated"#, #"{"a": 1} x"#, ""])
    func rejectsWhatIsNotJSON(text: String) {
        #expect(throws: DocumentIssue.self) { try JSONDocumentParser.parse(text, file: "t") }
    }

    /// JSON's surrogate pairs, which libyaml does not read.
    @Test func decodesSurrogatePairs() throws {
        let node = try JSONDocumentParser.parse(#"["\ud83d\ude00"]"#, file: "t")
        #expect(shape(node) == "[text(😀)]")
    }

    @Test func keepsPositions() throws {
        let node = try JSONDocumentParser.parse("{\n  \"a\": {\n    \"b\": 1\n  }\n}", file: "t")
        let inner = try #require(node["a"])
        guard case .mapping(let entries, let at) = inner else {
            Issue.record("not a mapping")
            return
        }
        #expect(at.line == 2 && at.column == 8)
        #expect(entries[0].keyAt.line == 3 && entries[0].keyAt.column == 5)
    }
}
