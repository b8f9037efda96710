import BreachClockJSON
import Crypto
import Foundation

/// Something `IncidentStore.verifyAudit` found wrong. Each names where it is and why.
public enum AuditProblem: Sendable, Equatable, CustomStringConvertible {
    /// A line of the chain that does not fit: edited, inserted, or missing (`seq` is the first missing).
    case chain(seq: Int, reason: String)
    /// A checkpoint that does not hold. `seq` is the line it signs (nil for a line of the checkpoints
    /// file that is not a checkpoint); `source` is `database` or `file:LINE`.
    case checkpoint(seq: Int?, source: String, reason: String)
    /// An incident whose row differs from the state its audit lines record. `field` is `title`,
    /// `status`, `facts`, or `row` when the row or its lines are missing altogether.
    case incident(id: String, field: String, reason: String)
    /// An API key whose row differs from its audit lines (`field`: `name`, `role`, `secret`, `revoked` or `row`).
    case key(id: String, field: String, reason: String)
    /// A programme revision or an exercise whose stored text is not the one its audit line hashes
    /// (`what`: `programme revision 2`, `exercise exr_… record`, `exercise exr_… log`).
    case record(what: String, reason: String)

    public var description: String {
        switch self {
        case .chain(let seq, let reason): "audit line \(seq): \(reason)"
        case .checkpoint(let seq, let source, let reason): "checkpoint \(seq.map { "of line \($0) " } ?? "")(\(source)): \(reason)"
        case .incident(let id, let field, let reason): "incident \(id) \(field): \(reason)"
        case .key(let id, let field, let reason): "key \(id) \(field): \(reason)"
        case .record(let what, let reason): "\(what): \(reason)"
        }
    }
}

extension AuditChain {
    /// What `IncidentStore.verifyAudit` checked and every problem it found.
    public struct Verification: Sendable, Equatable {
        /// Lines in the chain.
        public var lines: Int
        /// Everything found wrong, in the order checked: chain, checkpoints, incidents, keys.
        public var problems: [AuditProblem]
        /// Whether checkpoints' MACs were checked. Without a key only the unkeyed chain, the checkpoints'
        /// positions and the stored state were checked, which someone who can write the database can fake.
        public var keyed: Bool
        /// Checkpoints checked: from the database, and from the exported file (nil when none was given).
        public var databaseCheckpoints: Int
        public var fileCheckpoints: Int?
        /// The newest line a checkpoint with a valid MAC vouches for (0: none). Lines after it rest on the
        /// unkeyed chain alone.
        public var signedThrough: Int
        /// Incidents and API keys whose stored state was compared with the log.
        public var incidents: Int
        public var keys: Int

        /// Whether nothing was found wrong.
        public var isIntact: Bool { problems.isEmpty }

        /// The first line that does not fit the chain, and why; nil when the chain's lines are intact.
        public var firstBreak: (seq: Int, reason: String)? {
            for case .chain(let seq, let reason) in problems { return (seq, reason) }
            return nil
        }
    }
}

extension IncidentStore {
    /// Checks the audit trail, reading one consistent snapshot of the database, and reports every
    /// problem found (never only the first):
    /// - the hash chain: every line's hash over its content, each line linked to the one before, no gaps;
    /// - the checkpoints stored in the database and, if `checkpointsFile` is given, those exported
    ///   to it: with `key`, each MAC (a rewrite with recomputed hashes cannot be signed without the
    ///   key); each checkpoint's line must still be in the chain with the hash it signed (lines
    ///   removed from the end, or rewritten); a checkpoint in the file must also be in the database;
    /// - the stored state: every incident's title, status and facts must equal its newest audit
    ///   line's `after`, and every API key's row its `key.create` and `key.revoke` lines.
    /// - Throws: a checkpoints file that cannot be read, or a database error.
    public func verifyAudit(key: AuditKey? = nil, checkpointsFile: String? = nil) async throws -> AuditChain.Verification {
        let exported = try checkpointsFile.map(AuditCheckpointFile.read)
        let position = engine.dialect.incidentPosition
        return try await engine.read { db in
            let stored = try await Self.checkpoints(db)
            var result = AuditChain.Verification(
                lines: 0, problems: [], keyed: key != nil, databaseCheckpoints: stored.count,
                fileCheckpoints: exported?.count, signedThrough: 0, incidents: 0, keys: 0)

            // The chain, keeping the hashes of the lines that checkpoints name.
            let named = Set(stored.map(\.seq) + (exported ?? []).compactMap { $0.checkpoint?.seq })
            var hashes: [Int: String] = [:]
            var previous = AuditChain.genesis
            var expectedSeq = 1
            // In pages, so that a long log is never held whole in memory.
            var pageAfter = 0
            while true {
                let page = try await db.query("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 1000", [pageAfter])
                guard let last = page.last else { break }
                pageAfter = try last["seq"]
                for row in page {
                    result.lines += 1
                    let seq: Int = try row["seq"]
                    let hash: String = try row["hash"]
                    let prev: String = try row["prev_hash"]
                    if seq != expectedSeq {
                        let gap = seq - 1 > expectedSeq ? "lines \(expectedSeq)–\(seq - 1) are missing" : "line \(expectedSeq) is missing"
                        result.problems.append(.chain(seq: expectedSeq, reason: gap))
                    } else if prev != previous {
                        result.problems.append(.chain(seq: seq, reason: "its previous hash does not match line \(seq - 1)"))
                    }
                    let computed = AuditChain.hash(
                        prev: prev, seq: seq, at: try row["at"], actor: try row["actor"], action: try row["action"],
                        incidentID: try row["incident_id"], before: try row["before"], after: try row["after"])
                    if computed != hash { result.problems.append(.chain(seq: seq, reason: "its content does not match its hash")) }
                    if named.contains(seq) { hashes[seq] = hash }
                    previous = hash
                    expectedSeq = seq + 1
                }
            }

            // Checkpoints.
            func check(_ checkpoint: AuditCheckpoint, source: String) -> Bool {
                var holds = true
                if let key, !checkpoint.isSigned(by: key) {
                    result.problems.append(
                        .checkpoint(
                            seq: checkpoint.seq, source: source,
                            reason: "its MAC is not this key's: forged, altered, or signed with another key"))
                    holds = false
                }
                switch hashes[checkpoint.seq] {
                case nil:
                    result.problems.append(
                        .checkpoint(
                            seq: checkpoint.seq, source: source,
                            reason: "the chain no longer has line \(checkpoint.seq): lines were removed"))
                    holds = false
                case let hash? where hash != checkpoint.hash:
                    result.problems.append(
                        .checkpoint(
                            seq: checkpoint.seq, source: source,
                            reason: "line \(checkpoint.seq) no longer has the hash it signed: the chain was rewritten"))
                    holds = false
                default: break
                }
                if holds, key != nil { result.signedThrough = max(result.signedThrough, checkpoint.seq) }
                return holds
            }
            for checkpoint in stored { _ = check(checkpoint, source: "database") }
            for (line, checkpoint) in exported ?? [] {
                guard let checkpoint else {
                    result.problems.append(.checkpoint(seq: nil, source: "file:\(line)", reason: "not a checkpoint"))
                    continue
                }
                if check(checkpoint, source: "file:\(line)"), !stored.contains(checkpoint) {
                    result.problems.append(
                        .checkpoint(
                            seq: checkpoint.seq, source: "file:\(line)",
                            reason: "missing from the database's checkpoints: they were removed or replaced"))
                }
            }

            try await Self.verifyIncidentState(db, position: position, into: &result)
            try await Self.verifyKeyState(db, into: &result)
            try await Self.verifyProgrammeState(db, into: &result)
            return result
        }
    }

    /// Every incident row against the `after` of its newest audit line (webhook, review, triage, phase
    /// and severity lines that name the incident are not about its facts, title or status), and every incident the log created against its row.
    static func verifyIncidentState(_ db: any SQLSession, position: String, into result: inout AuditChain.Verification) async throws {
        var pageAfter = 0
        while true {
            let rows = try await db.query(
                """
                SELECT i.\(position) AS page_position, i.id, i.title, i.status, i.facts, a.after FROM incident i
                LEFT JOIN audit_log a ON a.seq = (
                    SELECT max(seq) FROM audit_log WHERE incident_id = i.id AND action NOT LIKE 'webhook.%'
                        AND action NOT IN ('review.record', 'event.dispose', 'incident.phase', 'severity.change'))
                WHERE i.\(position) > ? ORDER BY i.\(position) LIMIT 1000
                """, [pageAfter])
            guard let last = rows.last else { break }
            pageAfter = try last["page_position"]
            for row in rows {
                result.incidents += 1
                let id: String = try row["id"]
                guard let after: String = try row["after"] else {
                    result.problems.append(.incident(id: id, field: "row", reason: "no audit line records it: it was added outside the service"))
                    continue
                }
                let logged = (try? JSONDecoder.decode(IncidentSnapshotHeader.self, from: after)) ?? IncidentSnapshotHeader()
                for (field, loggedValue) in [("title", logged.title), ("status", logged.status)] {
                    let stored: String = try row[field]
                    if loggedValue != stored {
                        result.problems.append(
                            .incident(id: id, field: field, reason: "stored \(quoted(stored)), the audit log says \(quoted(loggedValue))"))
                    }
                }
                let facts: String = try row["facts"]
                if member("facts", of: after) != facts {
                    result.problems.append(.incident(id: id, field: "facts", reason: "the stored facts differ from those the audit log records"))
                }
            }
        }
        for row in try await db.query(
            """
            SELECT incident_id FROM audit_log
            WHERE action = 'incident.create' AND incident_id NOT IN (SELECT id FROM incident) ORDER BY seq
            """)
        {
            let id: String = try row["incident_id"]
            result.problems.append(.incident(id: id, field: "row", reason: "the audit log created it but its row is gone"))
        }
    }

    /// Every programme revision and exercise against the digests their audit lines record: the
    /// review history and the exercises are evidence, so an edited one must show.
    static func verifyProgrammeState(_ db: any SQLSession, into result: inout AuditChain.Verification) async throws {
        let sha = IncidentStore.sha256
        var imported: [Int: String] = [:]
        for row in try await db.query("SELECT after FROM audit_log WHERE action = 'programme.import' ORDER BY seq") {
            guard let text: String = try row["after"], let line = try? JSONDecoder.decode(ProgrammeImportedLine.self, from: text) else { continue }
            imported[line.revision] = line.digest
        }
        var seen: Set<Int> = []
        for row in try await db.query("SELECT revision, digest, source FROM programme_revision ORDER BY revision") {
            let revision: Int = try row["revision"]
            seen.insert(revision)
            let what = "programme revision \(revision)"
            guard let logged = imported[revision] else {
                result.problems.append(.record(what: what, reason: "no audit line imported it: it was added outside the service"))
                continue
            }
            if try sha(row["source"]) != logged || (try row["digest"] as String) != logged {
                result.problems.append(.record(what: what, reason: "its text is not the one the audit log records (sha256 \(logged.prefix(16))…)"))
            }
        }
        for revision in imported.keys.sorted() where !seen.contains(revision) {
            result.problems.append(.record(what: "programme revision \(revision)", reason: "the audit log imported it but its row is gone"))
        }
        var runs: [String: ExerciseLine] = [:]
        var logs: [String: ExerciseLine] = [:]
        for row in try await db.query("SELECT action, after FROM audit_log WHERE action IN ('exercise.run', 'exercise.log') ORDER BY seq") {
            guard let text: String = try row["after"], let line = try? JSONDecoder.decode(ExerciseLine.self, from: text) else { continue }
            if try row["action"] as String == "exercise.run" { runs[line.id] = line } else { logs[line.id] = line }
        }
        var exercises: Set<String> = []
        for row in try await db.query("SELECT id, record, log FROM exercise ORDER BY id") {
            let id: String = try row["id"]
            exercises.insert(id)
            guard let run = runs[id] else {
                result.problems.append(.record(what: "exercise \(id)", reason: "no audit line ran it: it was added outside the service"))
                continue
            }
            if let digest = run.recordDigest, try sha(row["record"]) != digest {
                result.problems.append(.record(what: "exercise \(id) record", reason: "its record is not the one the audit log records"))
            }
            let log: String? = try row["log"]
            switch (log, logs[id]?.logDigest) {
            case (nil, nil): break
            case (let log?, let digest?):
                if sha(log) != digest {
                    result.problems.append(.record(what: "exercise \(id) log", reason: "its log is not the one the audit log records"))
                }
            case (nil, _?):
                result.problems.append(.record(what: "exercise \(id) log", reason: "the audit log recorded a log, but the exercise has none"))
            case (_?, nil): result.problems.append(.record(what: "exercise \(id) log", reason: "a log is stored but no audit line recorded it"))
            }
        }
        for id in runs.keys.sorted() where !exercises.contains(id) {
            result.problems.append(.record(what: "exercise \(id)", reason: "the audit log ran it but its row is gone"))
        }
        var reviewed: [String: String] = [:]
        for row in try await db.query("SELECT incident_id, after FROM audit_log WHERE action = 'review.record' ORDER BY seq") {
            guard let id: String = try row["incident_id"], let text: String = try row["after"],
                let line = try? JSONDecoder.decode(ReviewLine.self, from: text)
            else { continue }
            reviewed[id] = line.digest
        }
        var reviews: Set<String> = []
        for row in try await db.query("SELECT incident_id, review FROM incident_review ORDER BY incident_id") {
            let id: String = try row["incident_id"]
            reviews.insert(id)
            guard let digest = reviewed[id] else {
                result.problems.append(.record(what: "review of \(id)", reason: "no audit line recorded it: it was added outside the service"))
                continue
            }
            if try sha(row["review"]) != digest {
                result.problems.append(.record(what: "review of \(id)", reason: "its text is not the one the audit log records"))
            }
        }
        for id in reviewed.keys.sorted() where !reviews.contains(id) {
            result.problems.append(.record(what: "review of \(id)", reason: "the audit log recorded it but its row is gone"))
        }
    }

    /// Every API key row against its `key.create` and `key.revoke` lines.
    static func verifyKeyState(_ db: any SQLSession, into result: inout AuditChain.Verification) async throws {
        var created: [String: KeyCreatedLine] = [:]
        var revoked: Set<String> = []
        for row in try await db.query("SELECT action, after FROM audit_log WHERE action IN ('key.create', 'key.revoke') ORDER BY seq") {
            guard let text: String = try row["after"], let after = try? JSONDecoder.decode(KeyCreatedLine.self, from: text) else { continue }
            if try row["action"] as String == "key.create" { created[after.id] = after } else { revoked.insert(after.id) }
        }
        var seen: Set<String> = []
        for row in try await db.query("SELECT id, name, role, secret_hash, revoked_at FROM api_key ORDER BY created_at, id") {
            result.keys += 1
            let id: String = try row["id"]
            seen.insert(id)
            guard let logged = created[id] else {
                result.problems.append(.key(id: id, field: "row", reason: "no audit line created it: it was added outside the service"))
                continue
            }
            for (field, loggedValue) in [("name", logged.name), ("role", logged.role)] {
                let stored: String = try row[field]
                if loggedValue != stored {
                    result.problems.append(.key(id: id, field: field, reason: "stored \(quoted(stored)), the audit log says \(quoted(loggedValue))"))
                }
            }
            // Lines written before the hash was logged have none; those keys are compared without it.
            if let hash = logged.secretHash, try hash != row["secret_hash"] as String {
                result.problems.append(
                    .key(id: id, field: "secret", reason: "its secret's hash is not the one the audit log records: the key was replaced"))
            }
            let isRevoked = try (row["revoked_at"] as String?) != nil
            if isRevoked != revoked.contains(id) {
                result.problems.append(
                    .key(
                        id: id, field: "revoked",
                        reason: isRevoked ? "revoked, but no audit line revoked it" : "active, but the audit log revoked it"))
            }
        }
        for id in created.keys.sorted() where !seen.contains(id) {
            result.problems.append(.key(id: id, field: "row", reason: "the audit log created it but its row is gone"))
        }
    }

    /// The raw text of a top-level member of a JSON object, as written: the audit snapshot embeds the
    /// facts as stored, so they compare byte for byte. Nil when the member is absent or the text is not
    /// an object.
    static func member(_ name: String, of json: String) -> String? {
        let bytes = Array(json.utf8)
        var index = 0
        func skipSpace() { while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 } }
        /// Moves past one JSON value (strings with their escapes; containers by depth).
        func skipValue() {
            var depth = 0
            var inString = false
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if inString {
                    if byte == 0x5C {
                        index += 1
                    } else if byte == 0x22 {
                        inString = false
                        if depth == 0 { return }
                    }
                    continue
                }
                switch byte {
                case 0x22: inString = true
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth <= 0 {
                        if depth < 0 { index -= 1 }
                        return
                    }
                case 0x2C where depth == 0:
                    index -= 1
                    return
                default: break
                }
            }
        }
        skipSpace()
        guard index < bytes.count, bytes[index] == 0x7B else { return nil }
        index += 1
        while index < bytes.count {
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x22 else { return nil }
            let keyStart = index
            skipValue()
            let key = try? JSONDecoder().decode(String.self, from: Data(bytes[keyStart..<index]))
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x3A else { return nil }
            index += 1
            skipSpace()
            let valueStart = index
            skipValue()
            if key == name {
                return String(decoding: bytes[valueStart..<index], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x2C else { return nil }
            index += 1
        }
        return nil
    }
}

private func quoted(_ text: String?) -> String {
    guard let text else { return "nothing" }
    return "\"" + (text.count > 60 ? text.prefix(57) + "…" : text) + "\""
}
