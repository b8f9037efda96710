import BreachClockTestSupport
import Foundation
import Testing

/// Golden files are rewritten only on a developer's request, never in CI.
@Suite struct GoldenRecordingTests {
    @Test func recordingIsRefusedUnderCI() throws {
        let url = Paths.fixtures.appendingPathComponent("golden/webhook-json.json")
        let before = try String(contentsOf: url, encoding: .utf8)
        withKnownIssue("recording under CI=true is an error") {
            try expectGolden("not the golden text", "webhook-json.json", environment: ["BREACHCLOCK_RECORD": "1", "CI": "true"])
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == before, "the golden file was rewritten")
    }
}
