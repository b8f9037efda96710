import BreachClockCalculator
import BreachClockStore
import BreachClockTestSupport
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real `breachclock serve` process, killed with SIGKILL while it delivers: after a restart every
/// message arrives at least once, none is lost, and a message sent twice carries the same webhook-id.
@Suite(.serialized, SystemTests.enabled) struct CrashTests {
    static let binary = Paths.root.appendingPathComponent(".build/debug/breachclock").path

    func serve(database: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "serve", "--db", database, "--port", "0", "--rules", Paths.jurisdictions.path, "--log-level", "critical",
            "--webhook-allow", "127.0.0.1", "--webhook-rescue-after", "1",
        ]
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
            let hook = try await store.createWebhook(
                url: "http://127.0.0.1:\(port)/hook", format: "json", incidentID: nil,
                events: ["obligation.reminder"], secret: WebhookSigner.newSecret(using: &random), actor: "test")
            var planned: Set<String> = []
            let event = WebhookEvent(
                type: .reminder, incidentID: "inc_crash", incidentTitle: "crash test", timeZone: ZonedTime.utc, at: Date())
            for _ in 0..<count {
                planned.insert(
                    try await store.enqueue(
                        PlannedDelivery(
                            webhookID: hook.id, incidentID: "inc_crash", obligationID: nil,
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

    /// The real process stopped with SIGTERM and started again on the same file: the incident, its
    /// history, its notice and its audit trail are all there, and the audit chain verifies.
    @Test func stopAndStartKeepsEverything() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the executable first (scripts/test does)")
        let server = try await TestServer.make()
        defer { server.remove() }

        var running = try await ListeningServer.start(binary: Self.binary, database: server.database)
        let created = try await running.request("POST", "/v1/incidents", key: server.editorKey, body: incidentBody)
        #expect(created.status == 201)
        let id = try #require(created.object["id"] as? String)
        let patched = try await running.request(
            "PATCH", "/v1/incidents/\(id)", key: server.editorKey,
            body: #"{"facts": {"affected": {"US-CA": 620}}}"#, headers: ["If-Match": "\"1\""])
        #expect(patched.status == 200)
        let noticed = try await running.request(
            "POST", "/v1/incidents/\(id)/notices", key: server.editorKey,
            body: #"{"obligation": "US-CA/individuals", "sentAt": "2026-03-20T09:00:00-07:00", "method": "mail"}"#, headers: ["If-Match": "\"2\""])
        #expect(noticed.status == 201)
        let before = try await running.request("GET", "/v1/incidents/\(id)", key: server.viewerKey)
        #expect(try running.stop() == 0, "SIGTERM is a graceful stop")

        running = try await ListeningServer.start(binary: Self.binary, database: server.database)
        let after = try await running.request("GET", "/v1/incidents/\(id)", key: server.viewerKey)
        #expect(after.status == 200)
        #expect(after.text == before.text)
        #expect(after.object["revision"] as? Int == 3)
        let history = try await running.request("GET", "/v1/incidents/\(id)/history", key: server.viewerKey)
        let changes = (history.object["revisions"] as? [[String: Any]] ?? []).flatMap { $0["changes"] as? [String] ?? [] }
        #expect(changes.contains("affected.US-CA rose from 480 to 620"))
        let audit = try await running.request("GET", "/v1/incidents/\(id)/audit", key: server.viewerKey)
        let actions = (audit.object["entries"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        #expect(actions == ["incident.create", "incident.update", "notice.record"])
        #expect(try running.stop() == 0)
        #expect(try runProcess(Self.binary, ["audit", "verify", "--db", server.database]) == 0)
    }
    /// SIGTERM while requests are arriving: the server exits cleanly, every incident it acknowledged
    /// (201) is in the database, and the audit chain verifies (nothing half-written).
    @Test func sigtermWhileBusyKeepsWhatItAcknowledged() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the executable first (scripts/test does)")
        let server = try await TestServer.make()
        defer { server.remove() }
        let running = try await ListeningServer.start(binary: Self.binary, database: server.database)
        // Some answered before the stop for certain; then SIGTERM once ten of a hundred concurrent ones are answered.
        var acknowledged: [String] = []
        for _ in 0..<5 {
            let reply = try await running.request("POST", "/v1/incidents", key: server.editorKey, body: incidentBody)
            acknowledged.append(try #require(reply.object["id"] as? String))
        }
        let answered = Counter()
        let lock = NSLock()
        acknowledged += try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    let reply = try? await running.request("POST", "/v1/incidents", key: server.editorKey, body: incidentBody)
                    if lock.withLock({
                        answered.value += 1
                        return answered.value == 10
                    }) {
                        running.process.terminate()
                    }
                    guard reply?.status == 201 else { return nil }
                    return reply?.object["id"] as? String
                }
            }
            return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(running.exitStatus(within: 30) == 0, "SIGTERM is a graceful stop")
        #expect(acknowledged.count < 105, "the stop came after every request was answered; the test proves nothing")
        let store = try IncidentStore(path: server.database)
        for id in acknowledged {
            #expect(try await store.incident(id: id) != nil, "\(id) was acknowledged but is not stored")
        }
        #expect(try await store.verifyAudit().firstBreak == nil)
    }
}

/// `breachclock serve` as a child process on a port the system chooses, which the server writes to
/// its `--port-file` once it listens. Its log goes to a file, shown when it fails to start.
struct ListeningServer {
    let process: Process
    let port: Int

    static func start(binary: String, database: String, extra: [String] = []) async throws -> ListeningServer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-serve-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let portFile = folder.appendingPathComponent("port")
        let logFile = folder.appendingPathComponent("log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            ["serve", "--db", database, "--port", "0", "--port-file", portFile.path, "--rules", Paths.jurisdictions.path, "--log-level", "info"]
            + extra
        process.standardError = try FileHandle(forWritingTo: logFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // A server that neither listens nor exits within a minute is stopped, so the test fails instead of hanging.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, process.isRunning {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return ListeningServer(process: process, port: port)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        throw TestFailure("the server did not listen within 60 s:\n\(log)")
    }

    struct Reply {
        let status: Int
        let text: String
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    }

    func request(_ method: String, _ path: String, key: String, body: String? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, text: String(decoding: data, as: UTF8.self))
    }

    /// SIGTERM, then the exit status.
    func stop() throws -> Int32? {
        process.terminate()
        return exitStatus(within: 30)
    }

    /// The exit status once the process ends; nil, after a SIGKILL, when it has not ended within `seconds`
    /// (a stop that hangs fails the test rather than the whole run).
    func exitStatus(within seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
