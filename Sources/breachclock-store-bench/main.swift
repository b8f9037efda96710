// Growth: how the store's reads and the outbox claim hold up as the tables grow. Fills a new
// database with 100,000 incidents (and their assessments) and 1,000,000 outbox rows, then times
// listing and paging, reading one incident, and the dispatcher's claim, and prints the claim query's
// plan. Run a release build: `swift run -c release breachclock-store-bench`; `BENCH_DB=postgres://…`
// runs it on PostgreSQL (in a new database it creates and drops there), else on a SQLite file.
import BreachClockStore
import Foundation

let environment = ProcessInfo.processInfo.environment
let incidentCount = Int(environment["BENCH_INCIDENTS"] ?? "") ?? 100_000
let outboxCount = Int(environment["BENCH_OUTBOX"] ?? "") ?? 1_000_000
let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("breachclock-store-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }

let scratch = try await ScratchDatabase.create(
    postgresBase: environment["BENCH_DB"], name: "bc_growth_\(getpid())",
    sqlitePath: folder.appendingPathComponent("growth.sqlite").path)
let location = scratch.location
let store = try await IncidentStore.open(location)
print("store growth on \(location.redacted)")

/// Milliseconds each run of `body` took, `runs` times.
func timings(_ runs: Int, _ body: () async throws -> Void) async rethrows -> [Double] {
    var result: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        result.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    return result.sorted()
}

func report(_ label: String, _ values: [Double]) {
    func at(_ p: Double) -> Double { values[min(values.count - 1, Int(Double(values.count) * p))] }
    print(String(format: "%@: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d runs)", label, at(0.5), at(0.99), values.last ?? 0, values.count))
}

// A realistic row: facts and an assessment of a few kilobytes, as a three-state incident has.
let facts =
    #"{"timezone":"America/New_York","events":{"discoveredAt":"2026-03-02T14:00:00-05:00"},"data":{"elements":["name","ssn"]},"riskOfHarm":"likely","affected":{"US-CA":1200,"US-TX":300,"US-NY":40}}"#
let assessment =
    #"{"contract":"breachclock.assessment/v1","rulesDigest":"sha256:bench","obligations":["#
    + Array(
        repeating:
            #"{"id":"US-CA/individuals","jurisdiction":"US-CA","deadline":{"kind":"fixed","dueDate":"2026-04-01"},"citation":"Cal. Civ. Code § 1798.82(a)","reasons":["1,200 residents"]}"#,
        count: 12
    ).joined(separator: ",")
    + #"],"notTriggered":[],"warnings":[]}"#
let now = IncidentStore.timestamp(Date())

let fillStart = ContinuousClock.now
try await store.engine.write { db in
    try await db.execute(
        """
        WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
        INSERT INTO incident (id, title, status, facts, revision, created_at, updated_at)
        SELECT 'inc_growth_' || n, 'incident ' || n, CASE WHEN n % 10 = 0 THEN 'closed' ELSE 'open' END, ?, 1, ?, ? FROM g
        """, [incidentCount, facts, now, now])
    try await db.execute(
        """
        INSERT INTO assessment (incident_id, revision, computed_at, rules_digest, assessment, changes)
        SELECT id, 1, created_at, 'sha256:bench', ?, '[]' FROM incident
        """, [assessment])
    try await db.execute(
        """
        INSERT INTO webhook (id, url, format, incident_id, events, schedule, secret, created_at)
        VALUES ('whk_growth', 'http://127.0.0.1:9/hook', 'json', NULL, '["obligation.reminder"]', '{}', 'whsec_bench', ?)
        """, [now])
    // A year of traffic: almost all delivered or cancelled, 10,000 planned for later, 1,000 due now.
    try await db.execute(
        """
        WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
        INSERT INTO webhook_delivery (id, webhook_id, incident_id, obligation_id, event, due_at, payload, state, attempts, next_attempt_at)
        SELECT 'msg_growth_' || n, 'whk_growth', 'inc_growth_' || (n % ? + 1), 'US-CA/individuals', 'obligation.reminder',
               CASE WHEN n <= 1000 THEN '2026-01-01T00:00:00.000Z' WHEN n <= 11000 THEN '2099-01-01T00:00:00.000Z' ELSE '2025-06-01T00:00:00.000Z' END,
               '{}',
               CASE WHEN n <= 11000 THEN 'planned' WHEN n % 5 = 0 THEN 'cancelled' ELSE 'delivered' END, 1,
               CASE WHEN n <= 1000 THEN '2026-01-01T00:00:00.000Z' WHEN n <= 11000 THEN '2099-01-01T00:00:00.000Z' ELSE '2025-06-01T00:00:00.000Z' END
        FROM g
        """, [outboxCount, incidentCount])
}
if location.isPostgres { try await store.engine.read { db in try await db.execute("ANALYZE") } }
print("filled \(incidentCount) incidents and \(outboxCount) outbox rows in \(ContinuousClock.now - fillStart)")

var generator = SystemRandomNumberGenerator()
report(
    "GET /v1/incidents first page (50)",
    try await timings(200) {
        _ = try await store.incidents(status: .open, dueBefore: nil, limit: 50, after: nil)
    })
report(
    "GET /v1/incidents a page deep in the list (50)",
    try await timings(200) {
        _ = try await store.incidents(status: .open, dueBefore: nil, limit: 50, after: Int.random(in: 1...incidentCount - 100, using: &generator))
    })
report(
    "GET /v1/incidents/{id}",
    try await timings(1_000) {
        _ = try await store.incident(id: "inc_growth_\(Int.random(in: 1...incidentCount, using: &generator))")
    })
let claimNow = Date(timeIntervalSince1970: 1_780_000_000)
var claims: [Double] = []
var rescues: [Double] = []
for _ in 0..<50 {
    claims += try await timings(1) {
        let claimed = try await store.claimDue(now: claimNow, limit: 256, worker: "bench", perHost: 256)
        precondition(claimed.count == 256, "claimed \(claimed.count)")
    }
    // The rescue of expired claims, as each dispatcher runs it every 10 s; here it also resets the claim.
    rescues += try await timings(1) { try await store.rescueStuck(claimedBefore: Date.distantFuture) }
}
report("outbox claim of 256 among \(outboxCount) rows", claims.sorted())
report("outbox rescue of 256 expired claims", rescues.sorted())
let plan =
    location.isPostgres
    ? "EXPLAIN SELECT id, webhook_id FROM webhook_delivery WHERE state = 'planned' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 512 FOR UPDATE SKIP LOCKED"
    : "EXPLAIN QUERY PLAN SELECT id, webhook_id FROM webhook_delivery WHERE state = 'planned' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 512"
print("claim query plan:")
for row in try await store.engine.read({ db in try await db.query(plan, [IncidentStore.timestamp(claimNow)]) }) {
    print(
        "  "
            + row.columns.compactMap { column -> String? in
                if case .text(let text)? = row.value(column) { return text }
                return nil
            }.joined(separator: " "))
}
await store.close()
try await scratch.drop()
