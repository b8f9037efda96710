import BreachClockServer
import BreachClockStore
import BreachClockTestSupport
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

/// A store on a fresh SQLite file with an audit key and an export file beside it, and the attacker's
/// own connection to the same file (who can write the database but has neither the key nor the export).
struct AuditFixture {
    let folder: URL
    let database: String
    let keyPath: String
    let exportPath: String
    let store: IncidentStore
    let key: AuditKey

    static let now = Date(timeIntervalSince1970: 1_772_600_000)

    static func make() throws -> AuditFixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-audit-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = folder.appendingPathComponent("breachclock.sqlite").path
        let keyPath = folder.appendingPathComponent("audit.key").path
        try AuditKey.generate(at: keyPath)
        return AuditFixture(
            folder: folder, database: database, keyPath: keyPath, exportPath: folder.appendingPathComponent("checkpoints.jsonl").path,
            store: try IncidentStore(path: database, clock: { now }), key: try AuditKey(contentsOfFile: keyPath))
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// An incident as the service would store it (the assessment itself does not matter here).
    @discardableResult
    func incident(title: String = "Payroll export", affected: Int = 480) async throws -> String {
        try await store.createIncident(title: title, change: change(affected: affected, action: "incident.create"), actor: "key_test").id
    }

    func change(affected: Int, action: String, title: String? = nil, status: IncidentStatus? = nil) -> IncidentChange {
        IncidentChange(
            title: title, status: status, factsJSON: #"{"affected":{"US-CA":\#(affected)},"data":{"elements":["name","ssn"]}}"#,
            assessmentJSON: "{}", rulesDigest: "sha256:test", changes: [], dueIndex: [], action: action)
    }

    /// Signs the head and exports the checkpoint, as `breachclock serve` does.
    func checkpoint() async throws {
        let checkpoint = try #require(try await store.writeAuditCheckpoint(key: key))
        try AuditCheckpointFile.append(checkpoint, to: exportPath)
    }

    func verify(keyed: Bool = true, file: Bool = true) async throws -> AuditChain.Verification {
        try await IncidentStore(path: database).verifyAudit(key: keyed ? key : nil, checkpointsFile: file ? exportPath : nil)
    }

    /// The attacker: a connection of their own, with the append-only triggers dropped.
    func tamper(_ body: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: database)
        try queue.write { db in
            for trigger in ["audit_log_no_update", "audit_log_no_delete", "audit_checkpoint_no_update", "audit_checkpoint_no_delete"] {
                try db.execute(sql: "DROP TRIGGER IF EXISTS \(trigger)")
            }
            try body(db)
        }
    }

    /// Recomputes every hash from line `seq` on, as an attacker who changed a line would.
    static func rechain(_ db: Database, from seq: Int) throws {
        var prev = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [seq - 1]) ?? AuditChain.genesis
        for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq", arguments: [seq]) {
            let hash = AuditChain.hash(
                prev: prev, seq: row["seq"], at: row["at"], actor: row["actor"], action: row["action"],
                incidentID: row["incident_id"], before: row["before"], after: row["after"])
            try db.execute(sql: "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", arguments: [prev, hash, row["seq"]])
            prev = hash
        }
    }

    /// Three keys, two incidents (one changed and closed), a webhook naming one, a revoked key: 9 lines,
    /// with checkpoints after line 5 and line 9.
    func history() async throws -> (first: String, second: String) {
        let editor = try await store.createKey(name: "editor", role: .editor, actor: "cli")
        let viewer = try await store.createKey(name: "viewer", role: .viewer, actor: "cli")
        _ = try await store.createKey(name: "admin", role: .admin, actor: "cli")
        let first = try await incident()
        let second = try await incident(title: "Lost laptop", affected: 12)
        try await checkpoint()
        _ = try await store.updateIncident(id: first, expectedRevisions: nil, actor: editor.record.id) { _ in
            change(affected: 620, action: "incident.update", title: "Payroll export (all regions)")
        }
        _ = try await store.createWebhook(
            url: "https://hooks.example/x", format: "json", incidentID: first, events: ["deadline.due"],
            secret: "whsec_test", actor: "key_admin")
        _ = try await store.updateIncident(id: second, expectedRevisions: nil, actor: editor.record.id) { _ in
            change(affected: 12, action: "incident.close", status: .closed)
        }
        try await store.revokeKey(id: viewer.record.id, actor: "cli")
        try await checkpoint()
        return (first, second)
    }
}

extension AuditProblem {
    var isCheckpoint: Bool { if case .checkpoint = self { true } else { false } }
}

@Suite struct AuditCheckpointTests {
    /// No false alarm: an untouched trail with every kind of line verifies, with and without the key.
    @Test func intactTrailVerifies() async throws {
        let fixture = try AuditFixture.make()
        defer { fixture.remove() }
        _ = try await fixture.history()
        let result = try await fixture.verify()
        #expect(result.problems == [])
        #expect(result.lines == 9)
        #expect(result.keyed && result.databaseCheckpoints == 2 && result.fileCheckpoints == 2)
        #expect(result.signedThrough == 9)
        #expect(result.incidents == 2 && result.keys == 3)
        let unkeyed = try await fixture.verify(keyed: false, file: false)
        #expect(unkeyed.isIntact && !unkeyed.keyed && unkeyed.signedThrough == 0)
        // A head that has not moved is not signed again.
        #expect(try await fixture.store.writeAuditCheckpoint(key: fixture.key) == nil)
    }

    enum Truncation: String, CaseIterable, Sendable {
        /// The last lines go; the database's checkpoint of them stays.
        case lines
        /// The last lines go, and the checkpoint rows that name them: only the exported file remembers.
        case linesAndCheckpoints
    }

    /// Lines removed from the end leave a chain that still links up: only a checkpoint shows them gone.
    @Test(arguments: Truncation.allCases) func truncationIsCaught(_ truncation: Truncation) async throws {
        let fixture = try AuditFixture.make()
        defer { fixture.remove() }
        _ = try await fixture.history()
        try fixture.tamper { db in
            try db.execute(sql: "DELETE FROM audit_log WHERE seq > 7")
            if truncation == .linesAndCheckpoints { try db.execute(sql: "DELETE FROM audit_checkpoint WHERE seq > 7") }
        }
        let result = try await fixture.verify()
        #expect(result.firstBreak == nil, "the unkeyed chain cannot see this; the test would prove nothing")
        let removed = AuditProblem.checkpoint(seq: 9, source: "file:2", reason: "the chain no longer has line 9: lines were removed")
        #expect(result.problems.contains(removed))
        #expect(
            result.problems.contains(.checkpoint(seq: 9, source: "database", reason: "the chain no longer has line 9: lines were removed"))
                == (truncation == .lines))
        #expect(!result.isIntact)
    }

    enum Rewrite: String, CaseIterable, Sendable {
        /// A line edited and every hash after it recomputed.
        case recomputedHashes
        /// The same, and the database's checkpoints replaced by ones made with the attacker's own key.
        case forgedCheckpoints
    }

    /// A rewrite with recomputed hashes passes the unkeyed chain; the signed checkpoints catch it.
    @Test(arguments: Rewrite.allCases) func rewriteWithRecomputedHashesIsCaught(_ rewrite: Rewrite) async throws {
        let fixture = try AuditFixture.make()
        defer { fixture.remove() }
        _ = try await fixture.history()
        try fixture.tamper { db in
            try db.execute(sql: "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
            try AuditFixture.rechain(db, from: 2)
            if rewrite == .forgedCheckpoints {
                let mallory = AuditKey(bytes: Array(repeating: 7, count: 32))!
                try db.execute(sql: "DELETE FROM audit_checkpoint")
                for seq in [5, 9] {
                    let hash = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [seq])!
                    let forged = AuditCheckpoint(seq: seq, hash: hash, at: "2026-03-04T05:00:00.000Z", key: mallory)
                    try db.execute(
                        sql: "INSERT INTO audit_checkpoint (seq, hash, at, mac) VALUES (?, ?, ?, ?)",
                        arguments: [forged.seq, forged.hash, forged.at, forged.mac])
                }
            }
        }
        let result = try await fixture.verify()
        #expect(result.firstBreak == nil, "the hashes were recomputed, so the unkeyed chain is consistent")
        let rewritten = "line 5 no longer has the hash it signed: the chain was rewritten"
        #expect(result.problems.contains(.checkpoint(seq: 5, source: "file:1", reason: rewritten)))
        switch rewrite {
        case .recomputedHashes:
            #expect(result.problems.contains(.checkpoint(seq: 5, source: "database", reason: rewritten)))
        case .forgedCheckpoints:
            #expect(
                result.problems.contains(
                    .checkpoint(
                        seq: 5, source: "database",
                        reason: "its MAC is not this key's: forged, altered, or signed with another key")))
        }
        #expect(result.signedThrough == 0, "no checkpoint vouches for the rewritten chain")
    }

    enum Edit: String, CaseIterable, Sendable {
        case facts, title, status, incidentDeleted, incidentInserted, keyRole, keyUnrevoked, keyInserted, keySecretSwapped
    }

    /// Editing the tables directly leaves the log alone, and the log no longer matches the state.
    @Test(arguments: Edit.allCases) func directTableEditsAreCaught(_ edit: Edit) async throws {
        let fixture = try AuditFixture.make()
        defer { fixture.remove() }
        let (first, second) = try await fixture.history()
        let keys = try await fixture.store.keys()
        let viewer = try #require(keys.first { $0.name == "viewer" }).id
        let editor = try #require(keys.first { $0.name == "editor" }).id
        try fixture.tamper { db in
            switch edit {
            case .facts:
                try db.execute(sql: "UPDATE incident SET facts = replace(facts, '620', '499') WHERE id = ?", arguments: [first])
            case .title:
                try db.execute(sql: "UPDATE incident SET title = 'Nothing happened' WHERE id = ?", arguments: [first])
            case .status:
                try db.execute(sql: "UPDATE incident SET status = 'open', closed_at = NULL WHERE id = ?", arguments: [second])
            case .incidentDeleted:
                try db.execute(sql: "DELETE FROM assessment WHERE incident_id = ?", arguments: [second])
                try db.execute(sql: "DELETE FROM incident WHERE id = ?", arguments: [second])
            case .incidentInserted:
                try db.execute(
                    sql: """
                        INSERT INTO incident (id, title, status, facts, revision, created_at, updated_at)
                        SELECT 'inc_planted', title, status, facts, revision, created_at, updated_at FROM incident WHERE id = ?
                        """, arguments: [first])
            case .keyRole:
                try db.execute(sql: "UPDATE api_key SET role = 'admin' WHERE id = ?", arguments: [editor])
            case .keyUnrevoked:
                try db.execute(sql: "UPDATE api_key SET revoked_at = NULL WHERE id = ?", arguments: [viewer])
            case .keySecretSwapped:
                // The hash of a key the attacker holds, put on the editor's row: that key now acts as the editor.
                try db.execute(
                    sql: "UPDATE api_key SET secret_hash = ? WHERE id = ?",
                    arguments: [String(repeating: "ab", count: 32), editor])
            case .keyInserted:
                try db.execute(
                    sql: """
                        INSERT INTO api_key (id, name, role, secret_hash, created_at) VALUES ('key_planted', 'backdoor', 'admin', 'x', '2026-03-04T05:00:00.000Z')
                        """)
            }
        }
        let expected: AuditProblem =
            switch edit {
            case .facts: .incident(id: first, field: "facts", reason: "the stored facts differ from those the audit log records")
            case .title:
                .incident(id: first, field: "title", reason: #"stored "Nothing happened", the audit log says "Payroll export (all regions)""#)
            case .status: .incident(id: second, field: "status", reason: #"stored "open", the audit log says "closed""#)
            case .incidentDeleted: .incident(id: second, field: "row", reason: "the audit log created it but its row is gone")
            case .incidentInserted: .incident(id: "inc_planted", field: "row", reason: "no audit line records it: it was added outside the service")
            case .keyRole: .key(id: editor, field: "role", reason: #"stored "admin", the audit log says "editor""#)
            case .keyUnrevoked: .key(id: viewer, field: "revoked", reason: "active, but the audit log revoked it")
            case .keyInserted: .key(id: "key_planted", field: "row", reason: "no audit line created it: it was added outside the service")
            case .keySecretSwapped:
                .key(id: editor, field: "secret", reason: "its secret's hash is not the one the audit log records: the key was replaced")
            }
        // The state check needs no key: it compares the database with itself.
        for result in [try await fixture.verify(), try await fixture.verify(keyed: false, file: false)] {
            #expect(result.problems == [expected])
            #expect(result.firstBreak == nil)
        }
    }

    /// The service signs at its interval when the head moved, and once more on graceful shutdown;
    /// each checkpoint goes to the table and to the export file.
    @Test func serviceSignsAtIntervalAndOnShutdown() async throws {
        let fixture = try AuditFixture.make()
        defer { fixture.remove() }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let checkpointer = AuditCheckpointer(
            store: fixture.store,
            settings: AuditCheckpointSettings(key: fixture.key, exportPath: fixture.exportPath, interval: .milliseconds(20)), logger: logger)
        let group = ServiceGroup(services: [checkpointer], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await fixture.incident()
            try await waitUntil { try await fixture.store.auditCheckpoints().map(\.seq) == [1] }
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await fixture.store.auditCheckpoints().count == 1, "an unmoved head is not signed again")
            try await fixture.incident()
            try await waitUntil { try await fixture.store.auditCheckpoints().map(\.seq) == [1, 2] }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }

        // Through `breachclock serve`'s builder, with a long interval: only the shutdown signs, after the
        // last request was answered.
        let server = try await ServerApplication.build(
            configuration: ServerConfiguration(
                port: 0, databasePath: fixture.database, rulesDirectory: Paths.jurisdictions, sendsWebhooks: false,
                auditCheckpoints: AuditCheckpointSettings(key: fixture.key, exportPath: fixture.exportPath, interval: .seconds(3600))),
            calculator: try RealRules.calculator(), clock: { AuditFixture.now }, logger: logger)
        let admin = try await fixture.store.createKey(name: "admin", role: .admin, actor: "cli")
        try await server.test(.live) { client in
            let reply = try await client.execute(
                uri: "/v1/keys", method: .post,
                headers: [.authorization: "Bearer \(admin.key)", .contentType: "application/json"], body: body(#"{"name": "ci", "role": "viewer"}"#))
            #expect(reply.status == .created)
        }
        #expect(try await fixture.store.auditCheckpoints().map(\.seq) == [1, 2, 4])
        let exported = try AuditCheckpointFile.read(fixture.exportPath).compactMap(\.checkpoint)
        #expect(exported == (try await fixture.store.auditCheckpoints()))
        #expect(try await fixture.verify().problems == [])
    }

    /// `audit keygen`, `audit checkpoint` and `audit verify` on the command line: the verdict, the exit
    /// code, the plain note without a key, and the key never shown.
    @Test func commandLine() async throws {
        let fixture = try AuditFixture.make()
        defer { fixture.remove() }
        let keyPath = fixture.folder.appendingPathComponent("cli.key").path
        #expect(await runCLI(["audit", "keygen", "--out", keyPath]).code == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let keyText = try String(contentsOfFile: keyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let again = await runCLI(["audit", "keygen", "--out", keyPath])
        #expect(again.code == 2 && again.err.contains("never overwritten"))

        let db = ["--db", fixture.database]
        let keyed = ["--audit-key", keyPath, "--checkpoints", fixture.exportPath]
        _ = try await fixture.store.createKey(name: "editor", role: .editor, actor: "cli")
        try await fixture.incident()
        let signed = await runCLI(["audit", "checkpoint"] + db + keyed)
        #expect(signed.code == 0 && signed.out.contains(#""seq":2"#))

        let intact = await runCLI(["audit", "verify"] + db + keyed)
        #expect(intact.code == 0)
        #expect(intact.out.contains("signed through line 2") && intact.out.contains("audit trail intact"))
        let unkeyed = await runCLI(["audit", "verify"] + db)
        #expect(unkeyed.code == 0 && unkeyed.out.contains("no audit key: only the unkeyed hash chain"))

        try fixture.tamper { db in try db.execute(sql: "DELETE FROM audit_log WHERE seq = 2") }
        let broken = await runCLI(["audit", "verify"] + db + keyed)
        #expect(broken.code == 1)
        #expect(broken.out.contains("BROKEN  checkpoint of line 2 (database): the chain no longer has line 2: lines were removed"))
        #expect(broken.out.contains("BROKEN  checkpoint of line 2 (file:1)"))
        #expect(broken.err.contains("audit trail broken"))

        let malformed = fixture.folder.appendingPathComponent("bad.key").path
        try "not-a-key-secret-text".write(toFile: malformed, atomically: true, encoding: .utf8)
        let refused = await runCLI(["audit", "verify"] + db + ["--audit-key", malformed])
        #expect(refused.code == 2 && refused.err.contains("does not hold the base64 of 32 bytes"))
        for output in [intact, unkeyed, broken, refused, signed, again] {
            #expect(!(output.out + output.err).contains(keyText) && !(output.out + output.err).contains("not-a-key-secret-text"))
        }
    }
}

/// Polls until `condition` holds, for up to five seconds.
private func waitUntil(_ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<250 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within 5 s", sourceLocation: sourceLocation)
}
