import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

@testable import BreachClockServer

/// The incident page's timeline, drawn on the server (issue 16): both drawings, their marks in time
/// order, and nothing in them that changes from one second to the next.
@Suite struct DeadlineTimelineTests {
    /// Texas, 400 residents, discovered 2 March 2026 in Chicago: the Attorney General's notice is due
    /// 30 days on, at 250 or more residents (Tex. Bus. & Com. Code § 521.053(i) as amended by SB 768),
    /// the individuals' 60 days on (§ 521.053(b)); a notice to the AG is sent on 20 March.
    static let facts = """
        timezone: America/Chicago
        events: { discoveredAt: "2026-03-02T09:00:00-06:00" }
        entity: { role: owner, sectors: [] }
        data: { elements: [name, ssn], encrypted: false }
        riskOfHarm: likely
        affected: { US-TX: 400 }
        notices:
          - { jurisdiction: US-TX, recipient: regulator, sentAt: "2026-03-20T10:00:00-05:00" }
        """

    static func drawing(now: Date) throws -> (svg: String, marks: [DeadlineTimeline.Mark]) {
        let calculator = try RealRules.calculator()
        let facts = try FactsLoader.load(text: Self.facts, file: "facts.yaml", decoder: calculator.factsDecoder)
        let assessment = calculator.assess(facts)
        return (
            DeadlineTimeline.svg(discovered: facts.discoveredAt, now: now, assessment: assessment, zone: facts.timeZone),
            DeadlineTimeline.marks(discovered: facts.discoveredAt, now: now, assessment: assessment)
        )
    }

    @Test func bothDrawingsHoldEveryMarkInTimeOrder() throws {
        let (svg, marks) = try Self.drawing(now: consoleInstant("2026-03-25T12:00:00Z"))
        #expect(marks.map(\.at) == marks.map(\.at).sorted())
        #expect(marks.first?.kind == .discovered)
        #expect(marks.filter { $0.kind == .now }.count == 1)
        #expect(marks.contains { $0.kind == .sent && $0.label == "US-TX notice sent" })
        #expect(marks.contains { $0.kind == .due && $0.label == "US-TX regulator due" })
        // The wide drawing to scale, the narrow one as a list; each titled, each mark in both.
        #expect(svg.contains("class=\"timeline-wide\" role=\"img\" aria-labelledby=\"timeline-title\""))
        #expect(svg.contains("class=\"timeline-narrow\" role=\"img\" aria-labelledby=\"timeline-title-narrow\""))
        #expect(svg.contains("US-TX notice sent: 2026-03-20T10:00:00-05:00"))
        #expect(svg.contains(">US-TX notice sent</text>") && svg.contains(">2026-03-20T10:00:00-05:00</text>"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2)  // the notice, once per drawing
        #expect(svg.contains("from 2026-03-02T09:00:00-06:00 to "))
    }

    @Test func theDrawingDoesNotChangeWithinAMinute() throws {
        // The "now" mark has no time and the title names only the fixed marks, so the page that holds
        // the drawing can be remembered (RenderMemo) while its countdowns stand still.
        let first = try Self.drawing(now: consoleInstant("2026-03-25T12:00:01Z")).svg
        let second = try Self.drawing(now: consoleInstant("2026-03-25T12:00:02Z")).svg
        #expect(first == second)
        #expect(first.contains(">now</text>"))
    }

    @Test(arguments: [0.0, 20.0, 20.04, 939.96, 123.456, -3.21, 1e6 + 0.3])
    func decimalsHaveOneDigitAndRoundToTheNearestTenth(value: Double) throws {
        let text = DeadlineTimeline.decimal(value)
        #expect(text.firstMatch(of: /^-?[0-9]+\.[0-9]$/) != nil, "\(text)")
        #expect(abs(try #require(Double(text)) - value) <= 0.05 + 1e-9)
    }
}

/// A source's link names its host; the parse by hand agrees with `URLComponents` on every source
/// address in the rules.
@Suite struct SourceLinkTests {
    static let addresses: [String] = {
        guard let rulebook = try? RealRules.calculator().rulebook else { return [] }
        return Array(Set(rulebook.rules.flatMap { $0.sources.map(\.url) })).sorted()
    }()

    @Test func everySourceInTheRulesIsNamedByItsHost() throws {
        #expect(Self.addresses.count > 100)
        for address in Self.addresses {
            #expect(SourceLink.host(of: address) == URLComponents(string: address)?.host, "\(address)")
        }
    }

    @Test(arguments: [
        ("https://user:pw@example.org:8443/a?b#c", "example.org"), ("http://example.org", "example.org"),
        ("https://example.org?x=1", "example.org"), ("https://example.org#top", "example.org"),
    ])
    func hostsOfOddAddresses(address: String, host: String) {
        #expect(SourceLink.host(of: address) == host)
    }

    @Test(arguments: ["not an address", "https://", "mailto:ag@example.org"])
    func notAWebAddressShowsItself(address: String) {
        #expect(SourceLink.host(of: address) == nil)
        #expect(SourceLink(address).host == address)
    }
}

/// The render memo: a view seen before gives the text rendered before, a different view is rendered,
/// and past its capacity the least recently used text goes.
@Suite struct RenderMemoTests {
    struct View: Hashable, Sendable {
        var title: String
    }

    final class Counter: @unchecked Sendable {
        var renders = 0
    }

    @Test func aViewSeenBeforeIsNotRenderedAgain() {
        let memo = RenderMemo(capacity: 2)
        let counter = Counter()
        func text(_ title: String) -> String {
            memo.text(View(title: title), template: "t") {
                counter.renders += 1
                return "<h1>\(title) \(counter.renders)</h1>"
            }
        }
        #expect(text("a") == "<h1>a 1</h1>")
        #expect(text("a") == "<h1>a 1</h1>")
        #expect(counter.renders == 1)
        #expect(text("b") == "<h1>b 2</h1>")
        #expect(text("a") == "<h1>a 1</h1>")  // a is now the most recently used
        #expect(text("c") == "<h1>c 3</h1>")  // past capacity: b goes
        #expect(memo.count == 2)
        #expect(text("a") == "<h1>a 1</h1>")
        #expect(text("b") == "<h1>b 4</h1>")
        #expect(counter.renders == 4)
    }

    @Test func theSameViewUnderAnotherTemplateIsAnotherText() {
        let memo = RenderMemo()
        #expect(memo.text(View(title: "x"), template: "one") { "1" } == "1")
        #expect(memo.text(View(title: "x"), template: "two") { "2" } == "2")
    }
}

/// Every choice of the decision form reads as words once recorded.
@Suite struct DecisionLabelTests {
    @Test func everyChoiceOfTheFormHasItsWords() {
        let choices = ConsoleTemplates.incident.matches(of: /<option value="([a-z-]+\/[a-z-]+)">/).map { String($0.1) }
        #expect(choices.count == 9)
        #expect(Set(choices) == Set(Console.decisionLabels.keys))
    }
}
