import BreachClockTestSupport
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// Standard Webhooks signatures, the retry decision and the SSRF policy: pure, tested on their own.
@Suite struct WebhookSigningTests {
    /// The specification's published vector (standard-webhooks libraries/go/webhook_test.go, TestWebhookSign).
    @Test func standardWebhooksTestVector() throws {
        let signer = try #require(WebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func verification() throws {
        let signer = try #require(WebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
        let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        let now = Date(timeIntervalSince1970: 1_614_265_330)
        try signer.verify(id: id, timestamp: "1614265330", signatures: good, body: body, now: now)
        // Several signatures (secret rotation): any one may match.
        try signer.verify(id: id, timestamp: "1614265330", signatures: "v1,Zm9vYmFy \(good)", body: body, now: now)
        #expect(throws: WebhookSigner.VerificationError.noMatchingSignature) {
            try signer.verify(id: id, timestamp: "1614265330", signatures: "v1,Zm9vYmFy", body: body, now: now)
        }
        #expect(throws: WebhookSigner.VerificationError.noMatchingSignature) {
            try signer.verify(id: id, timestamp: "1614265330", signatures: good, body: body + [0x20], now: now)
        }
        #expect(throws: WebhookSigner.VerificationError.timestampOutOfTolerance) {
            try signer.verify(id: id, timestamp: "1614265330", signatures: good, body: body, now: now.addingTimeInterval(301))
        }
        #expect(throws: WebhookSigner.VerificationError.timestampOutOfTolerance) {
            try signer.verify(id: id, timestamp: "1614265330", signatures: good, body: body, now: now.addingTimeInterval(-301))
        }
        #expect(throws: WebhookSigner.VerificationError.missingHeader("webhook-id")) {
            try signer.verify(id: nil, timestamp: "1614265330", signatures: good, body: body, now: now)
        }
        #expect(throws: WebhookSigner.VerificationError.missingHeader("webhook-signature")) {
            try signer.verify(id: id, timestamp: "1614265330", signatures: nil, body: body, now: now)
        }
        #expect(WebhookSigner(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
    }

    @Test func newSecretsAreWellFormed() throws {
        var random = SystemRandomNumberGenerator()
        let secret = WebhookSigner.newSecret(using: &random)
        #expect(secret.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
        #expect(WebhookSigner(secret: secret) != nil)
    }
}

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: [
        (AttemptResult.response(status: 204, retryAfter: nil), 1, DeliveryDecision.delivered),
        (.response(status: 410, retryAfter: nil), 3, .disable(reason: "the receiver answered 410 Gone")),
        (.response(status: 503, retryAfter: "120"), 1, .retry(at: Date(timeIntervalSince1970: 1_800_000_120))),
        (.response(status: 429, retryAfter: "999999"), 1, .retry(at: Date(timeIntervalSince1970: 1_800_003_600))),  // ceiling 1 h
        (.response(status: 500, retryAfter: nil), 1, .retry(at: Date(timeIntervalSince1970: 1_800_000_005))),  // 5 s, random 0.5 = no jitter
        (.response(status: 302, retryAfter: nil), 2, .retry(at: Date(timeIntervalSince1970: 1_800_000_300))),  // redirects are failures
        (.transportError(code: 28, message: "Timeout was reached"), 4, .retry(at: Date(timeIntervalSince1970: 1_800_007_200))),
        (.response(status: 500, retryAfter: nil), 10, .giveUp(reason: "10 attempts failed; last: HTTP 500")),
    ])
    func decisions(result: AttemptResult, attempt: Int, expected: DeliveryDecision) {
        #expect(policy.decide(after: result, attempt: attempt, now: now, random: 0.5) == expected)
    }

    @Test func blockedByPolicyIsNeverRetried() {
        let decision = policy.decide(after: .blockedByPolicy(address: "127.0.0.1 is loopback"), attempt: 1, now: now, random: 0.5)
        guard case .disable(let reason) = decision else {
            Issue.record("expected disable, got \(decision)")
            return
        }
        #expect(reason.contains("blocked by policy"))
    }

    /// Jitter stays within ±10 % and is driven by the injected random number only.
    @Test func jitterBounds() {
        let low = policy.decide(after: .response(status: 500, retryAfter: nil), attempt: 2, now: now, random: 0)
        let high = policy.decide(after: .response(status: 500, retryAfter: nil), attempt: 2, now: now, random: 0.999_999)
        #expect(low == .retry(at: now.addingTimeInterval(270)))
        guard case .retry(let at) = high else {
            Issue.record("expected retry")
            return
        }
        #expect(abs(at.timeIntervalSince(now) - 330) < 0.01)
    }

    @Test func retryAfterAsHTTPDate() {
        #expect(RetryPolicy.retryAfterSeconds("Fri, 15 Jan 2027 08:00:30 GMT", now: Date(timeIntervalSince1970: 1_800_000_000)) == 30)
        #expect(RetryPolicy.retryAfterSeconds("soon", now: now) == nil)
    }
}

@Suite struct AddressPolicyTests {
    @Test(arguments: [
        "127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1",
        "fd00::1", "fe80::1", "::ffff:127.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1", "224.0.0.1",
        // IPv4-compatible (::/96) and local-use NAT64 (64:ff9b:1::/48), refused since issue 12.
        "::127.0.0.1", "::a9fe:a9fe", "64:ff9b:1::a9fe:a9fe",
    ])
    func refusedByDefault(address: String) throws {
        let bytes = try #require(AddressPolicy.parse(address))
        #expect(AddressPolicy().refusal(for: bytes) != nil, "\(address)")
    }

    @Test(arguments: ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
    func publicAddressesPass(address: String) throws {
        #expect(AddressPolicy().refusal(for: try #require(AddressPolicy.parse(address))) == nil)
    }

    /// A URL host that is a literal address is judged when the subscription is made, in the spellings
    /// resolvers accept; names are left to the connection-time check.
    @Test(arguments: [
        ("169.254.169.254", true), ("127.0.0.1.", true), ("[::1]", true), ("0.0.0.0", true), ("127.1", true),
        ("2130706433", true), ("0x7f000001", true), ("[::ffff:169.254.169.254]", true), ("hooks.example", false),
        ("93.184.216.34", false), ("93.184.216.34.", false), ("1password.example", false),
    ])
    func literalHostsAreJudgedAtOnce(host: String, refused: Bool) {
        #expect((AddressPolicy().refusal(forHost: host) != nil) == refused, "\(host)")
    }

    @Test func allowlistOpensChosenNetworks() throws {
        let policy = AddressPolicy(allowlist: [try #require(AddressPolicy.Network("127.0.0.1/32"))])
        #expect(policy.refusal(for: try #require(AddressPolicy.parse("127.0.0.1"))) == nil)
        #expect(policy.refusal(for: try #require(AddressPolicy.parse("127.0.0.2"))) != nil)
    }
}

/// The three formats, as people and machines read them (golden files).
@Suite struct WebhookFormatTests {
    static let event = WebhookEvent(
        type: .reminder, incidentID: "inc_0123", incidentTitle: "Payroll export <2026>", obligationID: "US-CA/individuals",
        jurisdiction: "US-CA", recipient: "Affected California residents", citation: "Cal. Civ. Code § 1798.82(a)",
        deadlineKind: "fixed", due: Date(timeIntervalSince1970: 1_775_113_199), deadlineText: "30 calendar days from discovery",
        timeZone: TimeZone(identifier: "America/Los_Angeles")!, at: Date(timeIntervalSince1970: 1_774_900_000),
        link: "https://breachclock.example/incidents/inc_0123")

    @Test(arguments: WebhookFormat.allCases)
    func golden(format: WebhookFormat) throws {
        let body = String(decoding: format.body(for: Self.event), as: UTF8.self)
        let pretty = try JSONSerialization.data(
            withJSONObject: JSONSerialization.jsonObject(with: Data(body.utf8)),
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try expectGolden(String(decoding: pretty, as: UTF8.self) + "\n", "webhook-\(format.rawValue).json")
    }

    @Test func teamsStaysUnderItsLimit() {
        #expect(WebhookFormat.teams.body(for: Self.event).count < WebhookFormat.teamsLimit)
    }

    /// Issue 12: time left as a person reads it - rounded, not floored, and never "left" of an overdue deadline.
    static let timeLeftCases: [(WebhookEventType, Double, String)] = [
        (.reminder, 120, "2 minutes left"), (.reminder, 119, "2 minutes left"), (.reminder, 86_395, "24 hours left"),
        (.reminder, 88_200, "24 hours 30 minutes left"), (.reminder, 87_000, "24 hours 10 minutes left"),
        (.reminder, 178_199, "2 days 1 hour left"), (.reminder, 20, "due now"),
        (.overdue, 10, "due now"), (.overdue, -10, "due now"), (.overdue, -10_840, "overdue by 3 hours 1 minute"),
        (.overdue, -432_000, "overdue by 5 days"),
    ]

    @Test(arguments: timeLeftCases)
    func timeLeftRoundsAsAPersonExpects(type: WebhookEventType, secondsToDue: Double, expected: String) {
        var event = Self.event
        event.type = type
        event.due = event.at.addingTimeInterval(secondsToDue)
        #expect(event.timeLeft == expected)
    }

    /// Issue 12: Slack's documented limits (header 150 characters, section 3,000) and Teams' 28 KB, met
    /// with an ellipsis at a word boundary; the top-level text is escaped as the section is.
    @Test(arguments: [("short", 20), ("long title", 5_000), ("long recipient", 4_000), ("both", 9_000)])
    func chatLimits(name: String, size: Int) throws {
        var event = Self.event
        let words = String(repeating: "confidential payroll <!channel> export ", count: size / 38 + 1)
        if name.contains("title") || name == "both" || name == "short" { event.incidentTitle = String(words.prefix(size)) }
        if name.contains("recipient") || name == "both" { event.recipient = String(words.prefix(size)) }
        let slack = try #require(try JSONSerialization.jsonObject(with: Data(WebhookFormat.slack.body(for: event))) as? [String: Any])
        let blocks = try #require(slack["blocks"] as? [[String: Any]])
        let header = try #require((blocks[0]["text"] as? [String: Any])?["text"] as? String)
        let section = try #require((blocks[1]["text"] as? [String: Any])?["text"] as? String)
        let text = try #require(slack["text"] as? String)
        #expect(header.count <= 150 && section.count <= 3_000 && text.count <= 3_000)
        #expect(header.hasSuffix("2 days 11 hours left"), "the deadline's state survives: \(header)")
        #expect(header.hasPrefix(String(event.incidentTitle.prefix(10))), "the header leads with the title")
        #expect(!text.contains("<!channel>") && !section.contains("<!channel>"))
        for cut in [header, section, text] where cut.hasSuffix("…") {
            let before = cut.dropLast().split(separator: " ").last.map(String.init) ?? ""
            #expect(
                ["confidential", "payroll", "export", "&lt;!channel&gt;"].contains(before) || before.hasSuffix("&lt;!channel&gt;"),
                "cut at a word boundary: …\(before)")
        }
        #expect(WebhookFormat.teams.body(for: event).count < WebhookFormat.teamsLimit)
    }

    @Test func timeLeftInWords() {
        var event = Self.event
        #expect(event.timeLeft == "2 days 11 hours left")
        event.at = Date(timeIntervalSince1970: 1_775_120_400)
        #expect(event.timeLeft == "overdue by 2 hours")
        event.due = nil
        #expect(event.timeLeft == "no fixed deadline")
    }
}

/// A local HTTP receiver in the test process that answers with scripted statuses and records requests.
actor Receiver {
    struct Received: Sendable {
        var headers: HTTPFields
        var body: [UInt8]
    }

    var received: [Received] = []
    var script: [(status: HTTPResponse.Status, retryAfter: String?, body: String)] = []
    /// How long each answer takes (a slow receiver keeps deliveries in flight).
    var delay: Duration = .zero

    func setDelay(_ value: Duration) { delay = value }

    /// Set when the test is done: answers still being delayed end at once, so stopping the receiver
    /// gracefully does not wait out a long delay.
    var released = false
    func release() { released = true }

    /// Waits `delay`, or until released.
    func hold(for delay: Duration) async {
        let end = ContinuousClock.now + delay
        while !released, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(10)) }
    }

    /// Requests being answered now, and the most at once.
    var inFlight = 0
    var mostInFlight = 0
    func enter() {
        inFlight += 1
        mostInFlight = max(mostInFlight, inFlight)
    }
    func leave() { inFlight -= 1 }

    func answer(_ headers: HTTPFields, _ body: [UInt8]) -> (HTTPResponse.Status, String?, String) {
        received.append(Received(headers: headers, body: body))
        return script.isEmpty ? (.noContent, nil, "") : script.removeFirst()
    }

    func setScript(_ script: [(status: HTTPResponse.Status, retryAfter: String?, body: String)]) { self.script = script }

    /// Runs a receiver on a free port of 127.0.0.1 for the duration of `body`.
    static func with<T: Sendable>(_ body: @Sendable (Receiver, Int) async throws -> T) async throws -> T {
        let receiver = Receiver()
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            var buffer = try await request.body.collect(upTo: 1 << 20)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            let (status, retryAfter, text) = await receiver.answer(request.headers, bytes)
            let delay = await receiver.delay
            await receiver.enter()
            if delay > .zero { await receiver.hold(for: delay) }
            await receiver.leave()
            var headers: HTTPFields = [:]
            if let retryAfter { headers[.retryAfter] = retryAfter }
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let port = PortBox()
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical  // cancelling the server at the end of a test logs errors of no interest
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in await port.set(channel.localAddress?.port ?? 0) }, logger: logger)
        // Stopped gracefully, never by cancellation: a connection that arrives while a cancelled
        // server is torn down ends in NIO's "Deinited NIOAsyncWriter without calling finish()"
        // (a crash of the whole test process, seen in CI with real serve processes still sending).
        let services = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await services.run()
                return nil
            }
            do {
                let bound = try await port.wait()
                let result = try await body(receiver, bound)
                await receiver.release()
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await receiver.release()
                await services.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}

/// The port a server in this process bound, from its `onServerRunning`.
actor PortBox {
    var port: Int?
    func set(_ value: Int) { port = value }

    /// The port once bound; an error after `limit` (a receiver that never listens fails its test
    /// instead of hanging the run).
    func wait(limit: Duration = .seconds(30)) async throws -> Int {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if let port { return port }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("the receiver did not listen within \(limit)")
    }
}

/// Real HTTP through libcurl to a receiver in this process.
@Suite(.serialized) struct CurlTransportTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    func transport(allowLoopback: Bool = true) -> CurlTransport {
        var options = CurlTransport.Options()
        if allowLoopback { options.policy = AddressPolicy(allowlist: [AddressPolicy.Network("127.0.0.1/32")!]) }
        options.maxResponseBytes = 1024
        return CurlTransport(options: options)
    }

    func signedRequest(port: Int, id: String = "msg_test1", now: Date = Date()) -> WebhookRequest {
        let body = WebhookFormat.json.body(for: WebhookFormatTests.event)
        let timestamp = Int(now.timeIntervalSince1970)
        let signature = WebhookSigner(secret: Self.secret)!.signature(id: id, timestamp: timestamp, body: body)
        return WebhookRequest(
            url: "http://127.0.0.1:\(port)/hook",
            headers: [
                ("Content-Type", "application/json"), ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", signature),
            ], body: body)
    }

    @Test func signedDeliveryIsVerifiedByTheReceiver() async throws {
        let transport = transport()
        defer { transport.shutdown() }
        try await Receiver.with { receiver, port in
            let outcome = await transport.send(signedRequest(port: port))
            #expect(outcome.result == .response(status: 204, retryAfter: nil))
            let received = await receiver.received
            #expect(received.count == 1)
            let got = try #require(received.first)
            let name = { (n: String) in got.headers[HTTPField.Name(n)!] }
            try WebhookSigner(secret: Self.secret)!.verify(
                id: name("webhook-id"), timestamp: name("webhook-timestamp"),
                signatures: name("webhook-signature"), body: got.body, now: Date())
            #expect(String(decoding: got.body, as: UTF8.self).contains(#""type":"obligation.reminder""#))
        }
    }

    /// 503, 503, then 200: the policy retries, and every attempt carries the same webhook-id.
    @Test func retriesAfterServiceUnavailableThenSucceeds() async throws {
        let transport = transport()
        defer { transport.shutdown() }
        try await Receiver.with { receiver, port in
            await receiver.setScript([(.serviceUnavailable, nil, "busy"), (.serviceUnavailable, nil, "busy"), (.ok, nil, "ok")])
            let policy = RetryPolicy()
            var attempt = 0
            var decision = DeliveryDecision.retry(at: Date())
            while case .retry = decision {
                attempt += 1
                let outcome = await transport.send(signedRequest(port: port, id: "msg_same"))
                decision = policy.decide(after: outcome.result, attempt: attempt, now: Date(), random: 0.5)
            }
            #expect(decision == .delivered)
            #expect(attempt == 3)
            let ids = await receiver.received.map { $0.headers[HTTPField.Name("webhook-id")!] }
            #expect(ids == ["msg_same", "msg_same", "msg_same"])
        }
    }

    @Test func goneDisablesAndRetryAfterIsHonoured() async throws {
        let transport = transport()
        defer { transport.shutdown() }
        try await Receiver.with { receiver, port in
            await receiver.setScript([(.gone, nil, ""), (.tooManyRequests, "42", "slow down"), (.ok, nil, String(repeating: "x", count: 5000))])
            let now = Date()
            let first = await transport.send(signedRequest(port: port))
            #expect(
                RetryPolicy().decide(after: first.result, attempt: 1, now: now, random: 0.5) == .disable(reason: "the receiver answered 410 Gone"))
            let second = await transport.send(signedRequest(port: port))
            #expect(second.result == .response(status: 429, retryAfter: "42"))
            #expect(RetryPolicy().decide(after: second.result, attempt: 1, now: now, random: 0.5) == .retry(at: now.addingTimeInterval(42)))
            let third = await transport.send(signedRequest(port: port))
            #expect(third.responseBody.count == 1024)  // capped
        }
    }

    /// Without an allowlist, 127.0.0.1 is refused on the address actually connected: no request arrives.
    @Test func ssrfGuardRefusesLoopback() async throws {
        let guarded = transport(allowLoopback: false)
        defer { guarded.shutdown() }
        try await Receiver.with { receiver, port in
            for host in ["127.0.0.1", "localhost"] {
                var request = signedRequest(port: port)
                request.url = "http://\(host):\(port)/hook"
                let outcome = await guarded.send(request)
                guard case .blockedByPolicy(let why) = outcome.result else {
                    Issue.record("\(host): expected blocked by policy, got \(outcome.result)")
                    continue
                }
                #expect(why.contains("loopback"))
            }
            #expect(await receiver.received.isEmpty)
        }
    }

    @Test func otherSchemesAreRefused() async {
        let transport = transport()
        defer { transport.shutdown() }
        let outcome = await transport.send(WebhookRequest(url: "file:///etc/passwd", headers: [], body: []))
        guard case .transportError(let code, _) = outcome.result else {
            Issue.record("expected an error")
            return
        }
        #expect(code == 1)  // CURLE_UNSUPPORTED_PROTOCOL
    }
}
