import BreachClockCalculator
import Foundation
import Testing

/// The one count of time left behind the table's column and the webhook messages' words (issue 14:
/// two texts, with two roundings, became one count said two ways).
@Suite struct TimeLeftTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    static let cases: [(seconds: Double, prose: String, terse: String)] = [
        // seconds until due, the message's words, the table's
        (30 * 86_400, "30 days left", "in 30 days"),
        (2 * 86_400 + 4 * 3_600 + 20 * 60, "2 days 4 hours left", "in 2 days"),
        (86_400 - 5, "24 hours left", "in 24h 0m"),  // a 24-hour reminder sent a few seconds late
        (26 * 3_600 + 10 * 60, "26 hours 10 minutes left", "in 26h 10m"),
        (20, "due now", "in 0m"),
        (-3 * 3_600, "overdue by 3 hours", "OVERDUE 3h 0m"),
        (-(208 * 86_400 + 3_600), "overdue by 208 days 1 hour", "OVERDUE 208d"),
        (2 * 86_400 - 20, "2 days left", "in 2 days"),  // rounds to two days, so told in days
    ]

    @Test(arguments: cases)
    func oneCountTwoWordings(seconds: Double, prose: String, terse: String) {
        let left = TimeLeft(until: Self.now.addingTimeInterval(seconds), from: Self.now)
        #expect(left.prose == prose)
        #expect(left.terse == terse)
        #expect(left.terse.count <= 15, "the table's LEFT column")
    }
}
