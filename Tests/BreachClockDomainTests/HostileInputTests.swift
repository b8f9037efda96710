import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

/// Inputs an attacker (or a careless script) sends: each must become a clear, located error within
/// bounded time and memory, never a crash. Every case here crashed, hung or was silently accepted
/// before the limits and the strict parsers (issue 9).
@Suite struct HostileInputTests {
    /// The message of the error `DocumentParser` gives, or nil when it parses.
    func parseError(_ text: String, _ format: DocumentFormat?, limits: DocumentLimits = .body) -> String? {
        do {
            _ = try DocumentParser.parse(Array(text.utf8), format: format, file: "t", limits: limits)
            return nil
        } catch {
            return error.message
        }
    }

    static let nested15000 = HostileDocuments.nested15000
    static let billionLaughs = HostileDocuments.billionLaughs

    struct LimitCase: Sendable, CustomTestStringConvertible {
        var text: String
        var format: DocumentFormat
        var expected: String
        init(_ text: String, _ format: DocumentFormat, _ expected: String) {
            self.text = text
            self.format = format
            self.expected = expected
        }
        var testDescription: String { "\(format) \(text.prefix(40))… → \(expected)" }
    }

    static let limitCases: [LimitCase] = [
        LimitCase(nested15000, .json, "nesting deeper than 32 levels"),
        LimitCase(String(repeating: "[", count: 15_000), .yaml, "nesting"),
        LimitCase(String(repeating: "- ", count: 200) + "x", .yaml, "nesting deeper than 32 levels"),
        LimitCase(billionLaughs, .yaml, "values in one document"),
        LimitCase("[" + Array(repeating: "1", count: 10_001).joined(separator: ",") + "]", .json, "more than 10000 items in one list"),
        LimitCase("\"" + String(repeating: "x", count: 70_000) + "\"", .json, "a string longer than 65536 bytes"),
        LimitCase("x: " + String(repeating: "y", count: 70_000), .yaml, "a string longer than 65536 bytes"),
        LimitCase(String(repeating: " ", count: 300 * 1024), .json, "larger than 262144 bytes"),
        LimitCase("a: &x 1\nb: [" + Array(repeating: "*x", count: 200).joined(separator: ",") + "]", .yaml, "more than 100 YAML anchors and aliases"),
        // Found by fuzz-yaml: an alias of a deep list inside another deep list.
        LimitCase(
            "a: &x " + String(repeating: "[", count: 20) + "1" + String(repeating: "]", count: 20) + "\nb: "
                + String(repeating: "[", count: 20) + "*x" + String(repeating: "]", count: 20), .yaml,
            "nesting deeper than 32 levels (through the alias `*x`)"),
        LimitCase("? [a, b]\n: 1", .yaml, "a mapping key must be plain text"),
        LimitCase("a: 1\n---\nb: 2", .yaml, "expected one YAML document"),
        LimitCase("a: !!str 12", .yaml, "YAML tags are not accepted"),
        LimitCase("a: \"x\\0y\"", .yaml, "NUL"),
    ]

    @Test(arguments: limitCases)
    func limitsAreErrors(_ limit: LimitCase) throws {
        let clock = ContinuousClock()
        var message: String?
        let elapsed = clock.measure { message = parseError(limit.text, limit.format) }
        let error = try #require(message, "parsed without error")
        #expect(error.contains(limit.expected), "\(error)")
        // Not a timed test of speed: a bound far above normal, to catch exponential blow-ups.
        #expect(elapsed < .seconds(5))
    }

    /// RFC 8259 is strict: these are what the old parser let through (or mishandled).
    @Test(arguments: [
        ("[nan]", "expected null"), ("[inf]", "expected a value"), ("[0x1p3]", "unexpected `x`"), ("[01]", "leading zero"),
        ("[+1]", "expected a value"), ("[1.]", "digits after its decimal point"), ("[.5]", "expected a value"),
        ("[1e]", "digits in its exponent"), ("[truex]", "in a literal"), ("[tru]", "expected true"),
        (#"{"a": 1, "a": 2}"#, "duplicate key `a`"), (#"{"x": {"b": 1, "b": 1}}"#, "duplicate key `b`"),
        (#"["a\u0000b"]"#, "NUL"), ("[\"\u{0}\"]", "NUL"), (#"["\ud800"]"#, "lone UTF-16 surrogate"),
        ("{\"a\": 1", "expected `,` or `}`"), ("", "empty document"), (#"{"a": 1} x"#, "after the JSON value"),
    ])
    func strictJSON(text: String, expected: String) throws {
        let error = try #require(parseError(text, .json), "accepted \(text)")
        #expect(error.contains(expected), "\(error)")
        #expect(error.hasPrefix("JSON: "), "JSON errors must not call themselves YAML")
        #expect(!error.contains("YAML"))
    }

    @Test func invalidUTF8IsAnError() throws {
        let json: [UInt8] = Array(#"{"title": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: DocumentIssue.self) { try DocumentParser.parse(json, format: .json, file: "t", limits: .body) }
        let yaml: [UInt8] = Array("title: a".utf8) + [0xFF] + Array("b\n".utf8)
        do {
            _ = try DocumentParser.parse(yaml, format: .yaml, file: "t", limits: .body)
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.message.contains("not valid UTF-8"))
            #expect(error.location.line == 1 && error.location.column == 9)
        }
    }

    @Test(arguments: [
        "0", "-0", "12", "1.5e3", "-2.25E-2", #""a\/b\u00e9😀""#, "true", "null", " [ ] ", "{}", "0e+1", "1E-0",
        #"["\ud834\udd1e"]"#, #"{"": 0}"#, "[\n1\r\n,\t2 ]", #""\\u0000""#, "\u{FEFF}[1]", #"["\u2028\u2029"]"#, "123456789012345678901234567890",
    ])
    func validJSONStillParses(text: String) {
        #expect(parseError(text, .json) == nil)
    }

    /// Not JSON, each in its own way (written for this suite; JSONTestSuite covers more when present).
    @Test(arguments: [
        "[1,]", "[,1]", "{\"a\":1,}", "{'a': 1}", "['a']", "[1 2]", "{\"a\" 1}", "{\"a\":}", "{1: 2}", "{a: 1}", "[1]]", "[[1]",
        "[\"a\tb\"]", "[\"a\nb\"]", #"["\x41"]"#, #"["\'"]"#, #"["\u12"]"#, #"["\uZZZZ"]"#, "[-]", "[--1]", "[1e+]", "[0.e1]",
        "[Infinity]", "[-Infinity]", "[NaN]", "[TRUE]", "[nul]", "/* c */ 1", "1 // c", "[\"a\"] [\"b\"]", "\u{00A0}1",
        "[1.5.2]", "[0x10]", "[1_000]", "[- 1]", "[\"\\\"]", "{\"a\": 1 \"b\": 2}", "\"", "[", "{",
    ])
    func notJSON(text: String) {
        #expect(parseError(text, .json) != nil, "accepted \(text)")
    }

    /// 9,000 unknown data elements give the first 50 problems and a count of the rest, not megabytes.
    @Test func errorCountIsBounded() throws {
        let elements = (0..<9_000).map { "\"bogus-\($0)\"" }.joined(separator: ",")
        let text = #"{"events": {"discoveredAt": "2026-03-02"}, "data": {"elements": ["# + elements + #"]}, "affected": {"US-CA": 1}}"#
        let calculator = try RealRules.calculator()
        do {
            _ = try facts(text, calculator: calculator)
            Issue.record("accepted")
        } catch let error as InvalidFacts {
            #expect(error.issues.count == DocumentLimits.maxReportedIssues + 1)
            #expect(error.issues.last?.message == "and 8950 more problem(s), not listed")
            #expect(error.description.utf8.count < 100_000)
        }
    }
}

/// Facts that cannot be true, or numbers that cannot be counted: errors or warnings naming the field.
@Suite struct ImpossibleFactsTests {
    func decode(_ text: String) throws -> Result<IncidentFacts, InvalidFacts> {
        let decoder = try RealRules.calculator().factsDecoder
        return Result { () throws(InvalidFacts) in try FactsLoader.load(text: text, file: "test.json", decoder: decoder) }
    }

    func errors(_ text: String) throws -> [String] {
        guard case .failure(let error) = try decode(text) else { return [] }
        return error.issues.map(\.pathDescription)
    }

    static func incident(affected: String = #"{"US-CA": 10}"#, discovered: String = "2026-03-02T10:00:00-08:00", extra: String = "") -> String {
        #"{"timezone": "America/Los_Angeles", "events": {"discoveredAt": "\#(discovered)"}, "data": {"elements": ["name", "ssn"]}, "affected": \#(affected)\#(extra)}"#
    }

    /// Int.max in two places overflowed the total and killed the server (`IncidentFacts.totalCount`).
    @Test(arguments: [
        #"{"US-CA": 9223372036854775807, "US-TX": 9223372036854775807}"#,
        #"{"US-CA": 1000000000001}"#,
        #"{"US-CA": {"min": 1, "max": 9223372036854775807}}"#,
        #"{"US-CA": 1e300}"#,
    ])
    func countsOutOfRangeAreErrors(affected: String) throws {
        let found = try errors(Self.incident(affected: affected))
        #expect(found.contains { $0.hasPrefix("affected.US-CA: ") && $0.contains("1000000000000") }, "\(found)")
    }

    @Test func largestCountsAddUp() throws {
        guard case .success(let facts) = try decode(Self.incident(affected: #"{"US-CA": 1000000000000, "US-TX": 1000000000000}"#)) else {
            Issue.record("refused the largest counts")
            return
        }
        #expect(facts.totalCount.max == 2_000_000_000_000)
        #expect((AffectedCount(exactly: .max) + AffectedCount(exactly: .max)).max == .max)
    }

    @Test(arguments: [
        (incident(discovered: "2026-03-08T23:59:60-08:00"), "events.discoveredAt: a leap second (:60) is not accepted"),
        (incident(discovered: "9999-12-31T00:00:00Z"), "events.discoveredAt: must fall between 1970 and 2999"),
        (
            incident(extra: #", "notices": [{"jurisdiction": "US-CA", "recipient": "individuals", "sentAt": "2026-03-01"}]"#),
            "notices[0].sentAt: is before events.discoveredAt"
        ),
        (#"{"title": 1}"#, "title: unknown key"),
        (incident().replacingOccurrences(of: #""America/Los_Angeles""#, with: "5"), "timezone: expected text, found a number"),
        (incident().replacingOccurrences(of: #""America/Los_Angeles""#, with: #""PST""#), "timezone: unknown IANA time zone `PST`"),
        (incident().replacingOccurrences(of: #""America/Los_Angeles""#, with: #""GMT+5""#), "timezone: unknown IANA time zone"),
        (incident().replacingOccurrences(of: #""ssn""#, with: "true"), "data.elements[1]: expected text, found true or false"),
    ])
    func impossibleFactsAreErrors(text: String, expected: String) throws {
        let found = try errors(text)
        #expect(found.contains { $0.hasPrefix(expected) }, "\(found)")
    }

    /// A notice whose obligation id is overlong, or names nothing, is not silently kept.
    @Test func noticesMustNameRealObligations() throws {
        let long = String(repeating: "x", count: 1_200)
        let overlong = try errors(
            Self.incident(
                extra: #", "notices": [{"jurisdiction": "US-CA", "recipient": "individuals", "sentAt": "2026-03-05", "obligation": "\#(long)"}]"#))
        #expect(overlong.contains { $0.hasPrefix("notices[0].obligation: expected an obligation id") })
        let text = Self.incident(
            extra: #", "notices": [{"jurisdiction": "US-CA", "recipient": "individuals", "sentAt": "2026-03-05", "obligation": "US-CA/nothing"}]"#)
        guard case .success(let facts) = try decode(text) else {
            Issue.record("refused")
            return
        }
        let assessment = try RealRules.calculator().assess(facts)
        #expect(
            assessment.warnings.contains("notices[0]: matches no obligation of this assessment (US-CA/nothing); it is kept but satisfies nothing"))
    }

    @Test(arguments: ["EST5EDT", "UTC", "Etc/GMT+5", "America/New_York", "CET"])
    func ianaZonesAreAccepted(zone: String) throws {
        let found = try errors(Self.incident().replacingOccurrences(of: "America/Los_Angeles", with: zone))
        #expect(found.isEmpty, "\(found)")
    }

    /// 02:30 on 8 March 2026 does not exist in New York (clocks jumped from 02:00 to 03:00).
    @Test func nonexistentLocalTimeIsWarned() throws {
        let text = Self.incident(discovered: "2026-03-08T02:30:00-04:00").replacingOccurrences(of: "America/Los_Angeles", with: "America/New_York")
        guard case .success(let facts) = try decode(text) else {
            Issue.record("refused")
            return
        }
        let assessment = try RealRules.calculator().assess(facts)
        #expect(assessment.warnings.contains { $0.hasPrefix("events.discoveredAt: 2026-03-08T02:30 does not exist in America/New_York") })
        // The same instant written in UTC, or with the zone's own offset, is not warned of.
        for discovered in ["2026-03-08T06:30:00Z", "2026-03-08T01:30:00-05:00"] {
            let plain = Self.incident(discovered: discovered).replacingOccurrences(of: "America/Los_Angeles", with: "America/New_York")
            guard case .success(let facts) = try decode(plain) else {
                Issue.record("refused")
                return
            }
            #expect(!facts.warnings.contains { $0.hasPrefix("events.discoveredAt") })
        }
    }

    @Test func discoveryInTheFutureIsWarned() throws {
        guard case .success(let facts) = try decode(Self.incident(discovered: "2027-01-05T09:00:00-08:00")) else {
            Issue.record("refused")
            return
        }
        let calculator = try RealRules.calculator()
        let now = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28
        #expect(
            calculator.assess(facts, asOf: now).warnings.contains { $0.hasPrefix("events.discoveredAt (2027-01-05T09:00:00-08:00) is in the future") }
        )
        #expect(!calculator.assess(facts, asOf: Date(timeIntervalSince1970: 1_900_000_000)).warnings.contains { $0.contains("in the future") })
    }
}
