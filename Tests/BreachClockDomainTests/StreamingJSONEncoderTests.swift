import BreachClockJSON
import Foundation
import Testing

/// The streaming encoder writes the same JSON as Foundation's encoder for the same Codable value (so
/// a type can be sent by either), in the order the type encodes its members, and valid JSON whatever
/// shape the value takes.
@Suite struct StreamingJSONEncoderTests {
    struct Inner: Codable, Equatable {
        var name: String
        var tags: [String]
        var count: Int?
    }

    struct Outer: Codable, Equatable {
        var title: String
        var flag: Bool
        var number: Int
        var ratio: Double
        var inner: Inner
        var list: [Inner]
        var grid: [[Int]]
        var empty: [String]
        @NullEncoded var missing: String?
        @NullEncoded var present: Inner?
        var omitted: String?
    }

    /// Nested containers and a super encoder, written by hand.
    struct Handmade: Encodable {
        enum Keys: String, CodingKey { case a, b, c }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var nested = container.nestedContainer(keyedBy: Keys.self, forKey: .a)
            try nested.encode("x", forKey: .b)
            var list = container.nestedUnkeyedContainer(forKey: .b)
            try list.encode(1)
            var inner = list.nestedUnkeyedContainer()
            try inner.encode(true)
            try inner.encodeNil()
            try container.encode(UInt64.max, forKey: .c)
        }
    }

    struct Nothing: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    static let strings = ["", "plain", "a/b \"quoted\" \\ back", "tab\there\nnewline", "\u{0001}\u{001F}", "élan – 東京 – 🚨", "</script>"]

    static let values: [Outer] = strings.enumerated().map { index, text in
        Outer(
            title: text, flag: index % 2 == 0, number: index == 0 ? Int.min : index * 1_000_003, ratio: index == 1 ? 0.1 : -2.5e-7,
            inner: Inner(name: text, tags: [text, "t"], count: index == 2 ? nil : index),
            list: [Inner(name: "a", tags: [], count: 1), Inner(name: text, tags: ["z"], count: nil)],
            grid: [[1, 2], [], [index]], empty: [], missing: nil, present: index == 3 ? nil : Inner(name: "p", tags: [text], count: 0),
            omitted: index == 4 ? "here" : nil)
    }

    func parsed(_ bytes: [UInt8]) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? NSObject)
    }

    @Test(arguments: values)
    func theSameJSONAsFoundations(_ value: Outer) throws {
        let streamed = try StreamingJSONEncoder.encode(value)
        let foundation = Array(try JSONEncoder.breachclock.encode(value))
        #expect(try parsed(streamed) == parsed(foundation), "\(String(decoding: streamed, as: UTF8.self))")
        #expect(try JSONDecoder().decode(Outer.self, from: Data(streamed)) == value)
    }

    @Test func membersInTheOrderTheTypeEncodesThem() throws {
        let text = try StreamingJSONEncoder.text(Self.values[1])
        let keys = [
            "\"title\"", "\"flag\"", "\"number\"", "\"ratio\"", "\"inner\"", "\"list\"", "\"grid\"", "\"empty\"", "\"missing\":null", "\"present\"",
        ]
        let positions = keys.compactMap { text.range(of: $0)?.lowerBound }
        #expect(positions.count == keys.count && positions == positions.sorted(), "\(text)")
        #expect(!text.contains("omitted"))
    }

    @Test func handmadeContainersAndEdges() throws {
        #expect(try StreamingJSONEncoder.text(Handmade()) == #"{"a":{"b":"x"},"b":[1,[true,null]],"c":18446744073709551615}"#)
        #expect(try StreamingJSONEncoder.text(Nothing()) == "{}")
        #expect(try StreamingJSONEncoder.text([Nothing(), Nothing()]) == "[{},{}]")
        #expect(try StreamingJSONEncoder.text("root") == #""root""#)
        #expect(try StreamingJSONEncoder.text([String: Int]()) == "{}")
        #expect(throws: EncodingError.self) { try StreamingJSONEncoder.encode([Double.nan]) }
    }
}
