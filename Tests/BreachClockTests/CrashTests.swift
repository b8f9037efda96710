import BreachClockStore
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Testing

/// The real `breachclock serve` process, killed with SIGKILL while it delivers: after a restart every
/// message arrives at least once, none is lost, and a message sent twice carries the same webhook-id.
@Suite(.serialized) struct CrashTests {
    static let binary = Paths.root.appendingPathComponent(".build/debug/breachclock").path

    func serve(database: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--db", database, "--port", "0", "--rules", Paths.jurisdictions.path, "--log-level", "critical",
            "--webhook-allow", "127.0.0.1", "--webhook-rescue-after", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func waitUntil(seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    @Test func sigkillMidDeliveryLosesNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the executable first (scripts/test does)")
        let server = try await TestServer.make()
        defer { server.remove() }
        let store = try IncidentStore(path: server.database)
        let count = 200
        try await Receiver.with { receiver, port in
            await receiver.setDelay(.milliseconds(20))
            var random = SystemRandomNumberGenerator()
            let hook = try await store.createWebhook(url: "http://127.0.0.1:\(port)/hook", format: "json", incidentID: nil,
                events: ["obligation.reminder"], secret: WebhookSigner.newSecret(using: &random), actor: "test")
            var planned: Set<String> = []
            let event = WebhookEvent(type: .reminder, incidentID: "inc_crash", incidentTitle: "crash test", timeZone: TimeZone(identifier: "UTC")!, at: Date())
            for _ in 0..<count {
                planned.insert(try await store.enqueue(PlannedDelivery(webhookID: hook.id, incidentID: "inc_crash", obligationID: nil,
                    event: "obligation.reminder", dueAt: Date(), payload: event.payloadJSON())))
            }
            func receivedIDs() async -> [String] { await receiver.received.compactMap { $0.headers[HTTPField.Name("webhook-id")!] } }

            let first = try serve(database: server.database)
            let started = await waitUntil(seconds: 60) { await receiver.received.count >= 30 }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(started, "the first server delivered too little before the kill")
            let beforeRestart = Set(await receivedIDs())
            #expect(beforeRestart.count < count, "the kill came after everything was delivered; the test proves nothing")

            let second = try serve(database: server.database)
            let complete = await waitUntil(seconds: 90) { Set(await receivedIDs()).count >= count }
            second.terminate()
            second.waitUntilExit()
            let ids = await receivedIDs()
            #expect(complete)
            #expect(Set(ids) == planned, "lost: \(planned.subtracting(ids).count)")
            #expect(Set(ids).isSubset(of: planned))  // every duplicate is a redelivery of a planned message, same id
        }
    }
}
