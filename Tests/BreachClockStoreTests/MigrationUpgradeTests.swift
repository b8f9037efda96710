import BreachClockCalculator
import BreachClockTestSupport
import Foundation
import GRDB
import Testing

@testable import BreachClockStore

/// Upgrading a SQLite database made by an older release: the file is built with the migrator
/// stopped at a shipped version (0001 first), holding rows written as that schema had them (an
/// incident with its assessment, due index, notice and decision; an API key; their audit lines,
/// hash-chained, the key's without the secret's hash that later releases log). Opening it with
/// `IncidentStore(path:)` must apply every later migration, keep the old rows readable and
/// verifiable, and take new writes that continue the same chain.
@Suite struct MigrationUpgradeTests {
    static let t0 = Date(timeIntervalSince1970: 1_772_600_000)
    static let incidentID = "inc_0001"
    static let keyID = "key_0001"
    static let secret = "bck_" + String(repeating: "k", count: 43)

    /// Every migration this build knows, in order.
    static let all = SQLiteMigrations.migrator().migrations

    /// California, 620 residents: a dated deadline (residents, 2026-04-01) and one relative to it.
    static let facts = """
        timezone: America/Los_Angeles
        events: { discoveredAt: 2026-03-02T10:00:00-08:00 }
        data: { elements: [name, ssn] }
        riskOfHarm: likely
        affected: { US-CA: 620 }
        """

    /// A folder for one test's database file.
    struct Folder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bc-migrate-\(UUID())")
        var database: String { url.appendingPathComponent("store.sqlite").path }
        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    /// The rows written, as the old release would read them back.
    struct OldRows {
        var factsJSON: String
        var assessmentJSON: String
        var rulesDigest: String
        var due: Date
        var auditHashes: [String]
    }

    /// Creates the database with the migrations up to `version` applied, and the old rows in it.
    static func makeOldDatabase(at path: String, upTo version: String) throws -> OldRows {
        let calculator = try RealRules.calculator()
        let incidentFacts = try BreachClockTestSupport.facts(Self.facts, calculator: calculator)
        let assessment = calculator.assess(incidentFacts, asOf: t0)
        let factsJSON = incidentFacts.json().serialized(pretty: false)
        let due = try #require(assessment.obligations.first { $0.id == "US-CA/individuals" }?.deadline.due)
        let at = IncidentStore.timestamp(t0)
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try SQLiteMigrations.migrator().migrate(queue, upTo: version)
        // The audit lines as 0001 wrote them: the incident's state, and the key without its secret's hash.
        let lines: [(actor: String, action: String, incidentID: String?, after: String)] = [
            ("admin", "incident.create", incidentID, #"{"title":"Payroll export","status":"open","facts":"# + factsJSON + "}"),
            ("admin", "key.create", nil, #"{"id":"key_0001","name":"legacy ci","role":"editor"}"#),
        ]
        var hashes: [String] = []
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO incident (id, title, status, facts, revision, created_at, updated_at) VALUES (?, ?, 'open', ?, 1, ?, ?)",
                arguments: [incidentID, "Payroll export", factsJSON, at, at])
            try db.execute(
                sql: "INSERT INTO assessment (incident_id, revision, computed_at, rules_digest, assessment, changes) VALUES (?, 1, ?, ?, ?, ?)",
                arguments: [incidentID, at, assessment.rulesDigest, assessment.jsonText(), #"["first assessment"]"#])
            for obligation in assessment.obligations {
                try db.execute(
                    sql: "INSERT INTO obligation_due (incident_id, obligation_id, kind, due, satisfied) VALUES (?, ?, ?, ?, 0)",
                    arguments: [incidentID, obligation.id, obligation.deadline.kind.rawValue, obligation.deadline.due.map(IncidentStore.timestamp)])
            }
            try db.execute(
                sql: """
                    INSERT INTO decision (id, incident_id, kind, obligation_id, outcome, rationale, owner, decided_at, recorded_at, recorded_by)
                    VALUES ('dec_0001', ?, 'risk-of-harm', NULL, 'likely', 'SSNs were taken', 'privacy office', ?, ?, 'admin')
                    """, arguments: [incidentID, at, at])
            try db.execute(
                sql: """
                    INSERT INTO notice (id, incident_id, obligation_id, sent_at, method, reference, recorded_at, recorded_by)
                    VALUES ('ntc_0001', ?, 'US-CA/regulator', ?, 'portal', 'AG-123', ?, 'admin')
                    """, arguments: [incidentID, at, at])
            try db.execute(
                sql: "INSERT INTO api_key (id, name, role, secret_hash, created_at) VALUES (?, 'legacy ci', 'editor', ?, ?)",
                arguments: [keyID, IncidentStore.hashForCache(secret), at])
            var previous = AuditChain.genesis
            for (index, line) in lines.enumerated() {
                let hash = AuditChain.hash(
                    prev: previous, seq: index + 1, at: at, actor: line.actor, action: line.action, incidentID: line.incidentID,
                    before: nil, after: line.after)
                try db.execute(
                    sql:
                        "INSERT INTO audit_log (seq, at, actor, action, incident_id, before, after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                    arguments: [index + 1, at, line.actor, line.action, line.incidentID, line.after, previous, hash])
                hashes.append(hash)
                previous = hash
            }
        }
        let applied = try queue.read { db in try SQLiteMigrations.migrator().appliedMigrations(db) }
        #expect(applied == Array(all.prefix { $0 != version }) + [version], "the old file has only the migrations up to \(version)")
        return OldRows(
            factsJSON: factsJSON, assessmentJSON: assessment.jsonText(), rulesDigest: assessment.rulesDigest, due: due, auditHashes: hashes)
    }

    /// The migrations this build knows go beyond 0001, or there is nothing to upgrade.
    @Test func thereAreMigrationsAfterTheFirst() {
        #expect(Self.all.first == "0001-initial")
        #expect(Self.all.count > 1)
    }

    /// A 0001 database opened by this build: every later migration is applied, in order; the
    /// incident, its history, due index, notice and decision, the key (which still authenticates)
    /// and the audit lines read back as written; and the audit verifies, the key's old line without
    /// a secret hash included.
    @Test func aDatabaseAt0001IsUpgradedAndItsRowsStayReadable() async throws {
        let folder = Folder()
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        defer { folder.remove() }
        let old = try Self.makeOldDatabase(at: folder.database, upTo: "0001-initial")

        let store = try IncidentStore(path: folder.database, clock: { Self.t0.addingTimeInterval(60) })
        #expect(try await store.engine.appliedMigrations() == Self.all)

        let incident = try #require(try await store.incident(id: Self.incidentID))
        #expect(incident.title == "Payroll export")
        #expect(incident.status == .open)
        #expect(incident.revision == 1)
        #expect(incident.factsJSON == old.factsJSON)
        #expect(incident.assessmentJSON == old.assessmentJSON)
        #expect(incident.createdAt == Self.t0)
        let history = try await store.history(id: Self.incidentID)
        #expect(history.map(\.revision) == [1])
        #expect(history.first?.rulesDigest == old.rulesDigest)
        #expect(history.first?.changes == ["first assessment"])
        let dueSoon = try await store.incidents(status: .open, dueBefore: old.due.addingTimeInterval(1), limit: 10, after: nil)
        #expect(dueSoon.incidents.map(\.id) == [Self.incidentID])
        #expect(try await store.incidents(status: .open, dueBefore: old.due, limit: 10, after: nil).incidents.isEmpty)
        #expect(try await store.notices(incidentID: Self.incidentID).map(\.reference) == ["AG-123"])
        #expect(try await store.decisions(incidentID: Self.incidentID).map(\.rationale) == ["SSNs were taken"])

        let key = try #require(try await store.authenticate(key: Self.secret))
        #expect(key.id == Self.keyID)
        #expect(key.role == .editor)
        #expect(try await store.keys().map(\.name) == ["legacy ci"])

        #expect(try await store.audit().map(\.hash) == old.auditHashes)
        let verification = try await store.verifyAudit()
        #expect(verification.problems == [])
        #expect(verification.lines == 2)
        #expect(verification.incidents == 1)
        #expect(verification.keys == 1)
        await store.close()

        // Opening again applies nothing more and changes nothing.
        let again = try IncidentStore(path: folder.database)
        #expect(try await again.engine.appliedMigrations() == Self.all)
        #expect(try await again.audit().map(\.hash) == old.auditHashes)
        await again.close()
    }

    /// The upgraded file takes what the later migrations added (webhooks and their deletion, signed
    /// checkpoints, rules rollouts) and new changes to the old rows, whose audit lines continue the
    /// old chain; the whole audit, checkpoint included, verifies.
    @Test func anUpgradedDatabaseTakesNewWrites() async throws {
        let folder = Folder()
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        defer { folder.remove() }
        let old = try Self.makeOldDatabase(at: folder.database, upTo: "0001-initial")
        let store = try IncidentStore(path: folder.database, clock: { Self.t0.addingTimeInterval(60) })

        let updated = try await store.updateIncident(id: Self.incidentID, expectedRevisions: [1], actor: "admin") { current in
            IncidentChange(
                title: "Payroll export (vendor)", factsJSON: current.factsJSON, assessmentJSON: current.assessmentJSON,
                rulesDigest: old.rulesDigest, changes: ["title changed"], dueIndex: [], action: "incident.update")
        }
        #expect(updated.revision == 2)
        try await store.revokeKey(id: Self.keyID, actor: "admin")
        #expect(try await store.authenticate(key: Self.secret) == nil)
        let hook = try await store.createWebhook(
            url: "https://hooks.example.com/x", format: "json", incidentID: Self.incidentID, events: ["obligation.reminder"],
            secret: "whsec_test", actor: "admin")
        #expect(try await store.webhooks().map(\.id) == [hook.id])
        try await store.deleteWebhook(id: hook.id, actor: "admin")
        #expect(try await store.webhooks().isEmpty)
        #expect(try await store.beginRulesRollout(digest: "sha256:new", instance: "a", now: Self.t0))
        let key = try #require(AuditKey(bytes: Array(repeating: 7, count: 32)))
        let checkpoint = try #require(try await store.writeAuditCheckpoint(key: key))

        let lines = try await store.audit()
        #expect(Array(lines.prefix(2).map(\.hash)) == old.auditHashes)
        #expect(lines.count > 2)
        #expect(lines[2].prevHash == old.auditHashes[1])
        #expect(checkpoint.seq == lines.count)
        let verification = try await store.verifyAudit(key: key)
        #expect(verification.problems == [])
        #expect(verification.signedThrough == lines.count)
        await store.close()
    }

    /// From any shipped version, not only the first: opening applies exactly the missing ones and
    /// the old rows verify.
    @Test(arguments: MigrationUpgradeTests.all)
    func upgradingFromAnyVersionReachesTheNewest(from version: String) async throws {
        let folder = Folder()
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        defer { folder.remove() }
        let old = try Self.makeOldDatabase(at: folder.database, upTo: version)
        let store = try IncidentStore(path: folder.database)
        #expect(try await store.engine.appliedMigrations() == Self.all)
        #expect(try await store.incident(id: Self.incidentID)?.factsJSON == old.factsJSON)
        #expect(try await store.verifyAudit().problems == [])
        await store.close()
    }
}

/// Migration 0010: an incident's notices and decisions are read through an index on the incident,
/// not by reading every incident's (SQLite's query plan; without the index it says SCAN).
@Suite struct ActivityIndexTests {
    @Test(arguments: [("notice", "notice_by_incident", "sent_at"), ("decision", "decision_by_incident", "decided_at")])
    func anIncidentsRowsAreFoundByItsIndex(table: String, index: String, order: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-index-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        await (try IncidentStore(path: path)).close()
        let queue = try DatabaseQueue(path: path)
        let plan = try await queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT * FROM \(table) WHERE incident_id = ? ORDER BY \(order)", arguments: ["inc_x"])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX \(index)") }, "\(plan)")
    }
}
