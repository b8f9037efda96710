import BreachClockJSON
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

@testable import BreachClockCalculator

/// The JSON writer that answers the API: its escaping (which skips eight bytes at a time) and its
/// layout, checked against Foundation's JSON parser.
@Suite struct JSONWriterTests {
    /// A string round-trips through the writer and `JSONSerialization` unchanged.
    func roundTrips(_ text: String) throws -> Bool {
        var writer = JSONWriter()
        writer.beginArray()
        writer.string(text)
        writer.endArray()
        let parsed = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String]
        return parsed == [text]
    }

    @Test(arguments: [
        "", "a", "plain text longer than eight bytes", "\"", "\\", "\n", "\u{01}", "\u{1F}", " ", "~",
        "quote at the end of a long run\"", "\"quote at the start of a long run", "tab\tin the middle of it",
        "12345678\"12345678\\12345678\n", "Cal. Civ. Code § 1798.82(a)", "é😀\u{7F}\u{80}", "\u{2028}\u{2029}",
        "\r\n\r\n\r\n\r\n\u{0B}\u{0C}",
    ])
    func escapesWhatJSONRequires(text: String) throws {
        #expect(try roundTrips(text))
    }

    /// Random strings over the bytes that matter (controls, quote, backslash, ASCII, multi-byte), from a
    /// seeded generator so a failure can be replayed.
    @Test func randomStringsRoundTrip() throws {
        var random = SeededGenerator(seed: 0x5EED)
        let alphabet: [Character] = ["\u{0}", "\u{1}", "\n", "\t", "\u{1F}", "\"", "\\", "/", "a", "Z", " ", "~", "\u{7F}", "é", "§", "😀"]
        for _ in 0..<2000 {
            let length = Int(random.next() % 40)
            let text = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            #expect(try roundTrips(text), "\(text.debugDescription)")
        }
    }

    /// Eight-byte words: the bit trick flags exactly the words holding a byte that needs an escape.
    @Test func wordCheckIsExact() {
        for byte in 0...255 {
            for position in 0..<8 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[position] = UInt8(byte)
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                let expected = byte < 0x20 || byte == 0x22 || byte == 0x5C
                #expect(JSONWriter.needsEscape(word) == expected, "byte \(byte) at \(position)")
            }
        }
    }

    @Test func prettyLayoutMatchesTheTree() {
        let value = OrderedJSON.object([
            ("a", .int(-12)), ("b", .array([])), ("c", .object([])), ("d", .array([.bool(true), .null, .string("x")])),
            ("e", .object([("f", .raw("{\"g\":1}"))])),
        ])
        let expected = """
            {
              "a": -12,
              "b": [],
              "c": {},
              "d": [
                true,
                null,
                "x"
              ],
              "e": {
                "f": {"g":1}
              }
            }
            """
        #expect(value.serialized(pretty: true) == expected)
        #expect(value.serialized(pretty: false) == #"{"a":-12,"b":[],"c":{},"d":[true,null,"x"],"e":{"f":{"g":1}}}"#)
    }

    /// Output larger than the first allocation grows without losing bytes.
    @Test func growsPastItsCapacity() throws {
        var writer = JSONWriter(capacity: 16)
        writer.beginArray()
        for index in 0..<500 { writer.string("item \(index) with \"quotes\"") }
        writer.endArray()
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String])
        #expect(parsed.count == 500 && parsed[499] == "item 499 with \"quotes\"")
    }

    @Test func instantsAndDates() {
        var writer = JSONWriter()
        writer.beginArray()
        writer.instant(Date(timeIntervalSince1970: 1_775_102_399), offsetSeconds: -4 * 3600)
        writer.instant(Date(timeIntervalSince1970: 0), offsetSeconds: 0)
        writer.instant(Date(timeIntervalSince1970: 1_000_000_000), offsetSeconds: 5 * 3600 + 45 * 60)
        writer.date(CivilDate(year: 2026, month: 4, day: 1)!)
        writer.endArray()
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == #"["2026-04-01T23:59:59-04:00","1970-01-01T00:00:00Z","2001-09-09T07:31:40+05:45","2026-04-01"]"#)
    }
}

/// The rules' JSON members written once (`RuleJSONFragments`) give the same answer as writing them
/// afresh, for every golden scenario; and the compact answer says what the indented one says.
@Test func prewrittenRuleMembersChangeNothing() throws {
    let calculator = try RealRules.calculator()
    var checked = 0
    for scenario in ScenarioCase.all {
        guard let facts = try? calculator.factsDecoder.decode(scenario.facts) else { continue }
        var assessment = calculator.assess(facts)
        #expect(assessment.fragments != nil)
        let prewritten = assessment.jsonBytes()
        assessment.fragments = nil
        #expect(String(decoding: prewritten, as: UTF8.self) == assessment.jsonText(), "\(scenario.file): \(scenario.name)")
        let compact = try JSONSerialization.jsonObject(with: Data(prewritten)) as? NSDictionary
        let pretty = try JSONSerialization.jsonObject(with: Data(assessment.jsonBytes(pretty: true))) as? NSDictionary
        #expect(compact == pretty)
        checked += 1
    }
    #expect(checked > 300)
}

/// SplitMix64: a small deterministic generator for tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
