// The webhook delivery benchmark: 10,000 reminders fall due at the same moment; a receiver on
// 127.0.0.1 in this process answers 204. Reports deliveries per second and lateness (receipt minus
// due time). Run a release build: `swift run -c release breachclock-webhook-bench [count]`.
// `BENCH_PER_HOST` sets the connections (and in-flight messages) per host, 64 by default.
// `BENCH_DB=postgres://user@host:port/db` runs it on PostgreSQL (in a new database the bench creates
// there and drops), else on a SQLite file; `BENCH_INSTANCES=2` runs two dispatchers, each with its
// own connections, as two instances would.
import BreachClockCalculator
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
let environment = ProcessInfo.processInfo.environment
let instances = max(1, Int(environment["BENCH_INSTANCES"] ?? "") ?? 1)
/// Where the bench's database is: a new PostgreSQL database, or a SQLite file in the temporary folder.
let scratch = try await ScratchDatabase.create(
    postgresBase: environment["BENCH_DB"], name: "bc_bench_\(getpid())",
    sqlitePath: folder.appendingPathComponent("bench.sqlite").path)
let location = scratch.location
let store = try await IncidentStore.open(location)

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
let receiver = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
    onServerRunning: { channel in portBox.set(channel.localAddress?.port ?? 0) }, logger: quiet)
let receiverTask = Task { try await receiver.runService(gracefulShutdownSignals: []) }
while portBox.port == nil { try await Task.sleep(for: .milliseconds(10)) }

var random = SystemRandomNumberGenerator()
let hook = try await store.createWebhook(
    url: "http://127.0.0.1:\(portBox.port!)/hook", format: "json", incidentID: nil,
    events: ["obligation.reminder"], secret: WebhookSigner.newSecret(using: &random), actor: "bench")
let due = Date().addingTimeInterval(Double(count) / 2_000 + 2)
let event = WebhookEvent(
    type: .reminder, incidentID: "inc_bench", incidentTitle: "benchmark", obligationID: "US-CA/individuals",
    jurisdiction: "US-CA", recipient: "Affected California residents", citation: "Cal. Civ. Code § 1798.82(a)", deadlineKind: "fixed",
    due: due.addingTimeInterval(86_400), deadlineText: "30 calendar days from discovery", timeZone: ZonedTime.utc, at: due)
// One reminder per incident: reminders for the same deadline that fall due together collapse into one.
for chunk in stride(from: 0, to: count, by: 1_000) {
    _ = try await store.enqueue(
        all: (chunk..<min(count, chunk + 1_000)).map { index in
            PlannedDelivery(
                webhookID: hook.id, incidentID: "inc_bench_\(index)", obligationID: "US-CA/individuals",
                event: "obligation.reminder", dueAt: due, payload: event.payloadJSON())
        })
}
var options = CurlTransport.Options()
options.policy = AddressPolicy(allowlist: [AddressPolicy.Network("127.0.0.1/32")!])
options.maxConnectionsPerHost = Int(ProcessInfo.processInfo.environment["BENCH_PER_HOST"] ?? "") ?? 64
var dispatcherTasks: [Task<Void, any Error>] = []
for _ in 0..<instances {
    let dispatcher = WebhookDispatcher(
        store: try await IncidentStore.open(location, durability: .outbox), transport: CurlTransport(options: options),
        logger: quiet, limits: .init(inFlight: 256, perHost: options.maxConnectionsPerHost))
    dispatcherTasks.append(Task { try await dispatcher.run() })
}
let deadline = due.addingTimeInterval(120)
while receipts.snapshot.count < count && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
for task in dispatcherTasks { task.cancel() }
receiverTask.cancel()
try await scratch.drop()

let lateness = receipts.snapshot.values.map { $0.timeIntervalSince(due) }.sorted()
guard let last = lateness.last else {
    print("nothing was delivered")
    exit(1)
}
func percentile(_ p: Double) -> Double { lateness[min(lateness.count - 1, Int(Double(lateness.count) * p))] }
print("\(lateness.count) of \(count) reminders delivered, all due at the same instant (\(location.redacted), \(instances) instance(s))")
print(String(format: "rate %.0f deliveries/s (all delivered %.2f s after they fell due)", Double(lateness.count) / max(last, 0.001), last))
print(String(format: "lateness p50 %.2f s, p99 %.2f s, max %.2f s", percentile(0.5), percentile(0.99), last))
