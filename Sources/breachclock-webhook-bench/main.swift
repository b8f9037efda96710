// The webhook delivery benchmark: 10,000 reminders fall due at the same moment; a receiver on
// 127.0.0.1 in this process answers 204. Reports deliveries per second and lateness (receipt minus
// due time). Run a release build: `swift run -c release breachclock-webhook-bench [count]`.
// `BENCH_PER_HOST` sets the connections (and in-flight messages) per host, 64 by default.
import BreachClockServer
import BreachClockStore
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

final class Receipts: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [String: Date] = [:]
    func record(_ id: String) { lock.withLock { if times[id] == nil { times[id] = Date() } } }
    var snapshot: [String: Date] { lock.withLock { times } }
}

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10_000 : 10_000
let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("breachclock-webhook-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let store = try IncidentStore(path: folder.appendingPathComponent("bench.sqlite").path)

let receipts = Receipts()
let router = Router()
router.post("/hook") { request, _ -> Response in
    if let id = request.headers[HTTPField.Name("webhook-id")!] { receipts.record(id) }
    _ = try await request.body.collect(upTo: 1 << 20)
    return Response(status: .noContent)
}
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int?
    func set(_ port: Int) { lock.withLock { value = port } }
    var port: Int? { lock.withLock { value } }
}
let portBox = PortBox()
var quiet = Logger(label: "bench")
quiet.logLevel = .critical
let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
    onServerRunning: { channel in portBox.set(channel.localAddress?.port ?? 0) }, logger: quiet)
let receiverTask = Task { try await receiver.runService(gracefulShutdownSignals: []) }
while portBox.port == nil { try await Task.sleep(for: .milliseconds(10)) }

var random = SystemRandomNumberGenerator()
let hook = try await store.createWebhook(url: "http://127.0.0.1:\(portBox.port!)/hook", format: "json", incidentID: nil,
    events: ["obligation.reminder"], secret: WebhookSigner.newSecret(using: &random), actor: "bench")
let due = Date().addingTimeInterval(Double(count) / 2_000 + 2)
let event = WebhookEvent(type: .reminder, incidentID: "inc_bench", incidentTitle: "benchmark", obligationID: "US-CA/individuals",
    jurisdiction: "US-CA", recipient: "Affected California residents", citation: "Cal. Civ. Code § 1798.82(a)", deadlineKind: "fixed",
    due: due.addingTimeInterval(86_400), deadlineText: "30 calendar days from discovery", timeZone: TimeZone(identifier: "UTC")!, at: due)
// One reminder per incident: reminders for the same deadline that fall due together collapse into one.
for index in 0..<count {
    _ = try await store.enqueue(PlannedDelivery(webhookID: hook.id, incidentID: "inc_bench_\(index)", obligationID: "US-CA/individuals",
        event: "obligation.reminder", dueAt: due, payload: event.payloadJSON()))
}
var options = CurlTransport.Options()
options.policy = AddressPolicy(allowlist: [AddressPolicy.Network("127.0.0.1/32")!])
options.maxConnectionsPerHost = Int(ProcessInfo.processInfo.environment["BENCH_PER_HOST"] ?? "") ?? 64
let dispatcher = WebhookDispatcher(store: try IncidentStore(path: folder.appendingPathComponent("bench.sqlite").path, durability: .outbox), transport: CurlTransport(options: options), logger: quiet,
    limits: .init(inFlight: 256, perHost: options.maxConnectionsPerHost))
let dispatcherTask = Task { try await dispatcher.run() }
let deadline = due.addingTimeInterval(120)
while receipts.snapshot.count < count && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
dispatcherTask.cancel()
receiverTask.cancel()

let lateness = receipts.snapshot.values.map { $0.timeIntervalSince(due) }.sorted()
guard let last = lateness.last else { print("nothing was delivered"); exit(1) }
func percentile(_ p: Double) -> Double { lateness[min(lateness.count - 1, Int(Double(lateness.count) * p))] }
print("\(lateness.count) of \(count) reminders delivered, all due at the same instant")
print(String(format: "rate %.0f deliveries/s (all delivered %.2f s after they fell due)", Double(lateness.count) / max(last, 0.001), last))
print(String(format: "lateness p50 %.2f s, p99 %.2f s, max %.2f s", percentile(0.5), percentile(0.99), last))
