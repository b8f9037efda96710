import Foundation

/// `breachclock export` and `import`: a whole database as JSON lines, the same on both engines, so
/// that a SQLite database moves to PostgreSQL (or back) with its audit chain intact. The first line
/// says what the file is; each other line is one row: `{"table": "incident", "row": {…}}`. Values are
/// copied as stored (text, integers, null), so every audit hash still verifies on the copy.
public enum DatabaseTransfer {
    /// The file's first line.
    public struct Header: Codable, Equatable {
        public var format = "breachclock-export"
        public var version = 1
        /// The migrations the exported database had.
        public var schema: String
        public var exportedAt: String
    }

    struct Line: Codable {
        var table: String
        var row: [String: SQLValue]
    }

    /// A table, its columns, and the order rows are exported in. Tables are listed parents first, the
    /// order an import inserts them in.
    struct Table {
        var name: String
        var columns: [String]
        var order: String
    }

    /// The schema every export holds: the newest migration that changed the tables or columns an
    /// export carries (0010 only adds indexes, so exports of 0009 and of 0010 are the same).
    public static let schema = "0009-web-sessions"

    static func tables(_ dialect: SQLDialect) -> [Table] {
        [
            Table(
                name: "incident", columns: ["id", "title", "status", "facts", "revision", "created_at", "updated_at", "closed_at"],
                order: dialect.incidentPosition),
            Table(
                name: "assessment", columns: ["incident_id", "revision", "computed_at", "rules_digest", "assessment", "changes"],
                order: "incident_id, revision"),
            Table(
                name: "obligation_due", columns: ["incident_id", "obligation_id", "kind", "due", "satisfied"], order: "incident_id, obligation_id"),
            Table(
                name: "notice", columns: ["id", "incident_id", "obligation_id", "sent_at", "method", "reference", "recorded_at", "recorded_by"],
                order: "id"),
            Table(
                name: "decision",
                columns: [
                    "id", "incident_id", "kind", "obligation_id", "outcome", "rationale", "owner", "decided_at",
                    "recorded_at", "recorded_by",
                ], order: "id"),
            Table(name: "api_key", columns: ["id", "name", "role", "secret_hash", "created_at", "revoked_at"], order: "id"),
            Table(name: "audit_log", columns: ["seq", "at", "actor", "action", "incident_id", "before", "after", "prev_hash", "hash"], order: "seq"),
            Table(name: "audit_checkpoint", columns: ["seq", "hash", "at", "mac"], order: "seq"),
            Table(
                name: "webhook",
                columns: [
                    "id", "url", "format", "incident_id", "events", "schedule", "secret", "created_at", "disabled_at",
                    "disabled_reason", "failing_since", "deleted_at",
                ], order: "id"),
            Table(
                name: "webhook_delivery",
                columns: [
                    "id", "webhook_id", "incident_id", "obligation_id", "event", "due_at", "payload", "state",
                    "attempts", "next_attempt_at", "claimed_at", "claimed_by", "delivered_at", "last_error",
                ], order: "id"),
            Table(
                name: "webhook_attempt", columns: ["delivery_id", "attempt", "started_at", "duration_ms", "status", "error"],
                order: "delivery_id, attempt"),
            Table(name: "rules_rollout", columns: ["digest", "started_at", "instance", "finished_at", "recomputed"], order: "digest"),
            Table(
                name: "programme_revision", columns: ["revision", "imported_at", "imported_by", "digest", "format", "source"],
                order: "revision"),
            Table(
                name: "exercise", columns: ["id", "name", "run_at", "run_by", "starts_at", "scenario", "record", "log", "logged_at"],
                order: "id"),
            Table(
                name: "action_item",
                columns: [
                    "id", "exercise_id", "incident_id", "title", "owner", "due", "changes", "status", "created_at", "closed_at", "closed_by",
                    "resolution",
                ], order: "id"),
            Table(name: "incident_review", columns: ["incident_id", "review", "recorded_at", "recorded_by"], order: "incident_id"),
            Table(
                name: "security_event",
                columns: [
                    "id", "source", "summary", "severity", "detected_at", "received_at", "received_by", "details", "triage_due_at", "disposition",
                    "disposed_at", "disposed_by", "rationale", "incident_id",
                ], order: "id"),
            Table(
                name: "incident_phase", columns: ["incident_id", "phase", "at", "recorded_at", "recorded_by", "note"], order: "incident_id, phase"),
            Table(name: "incident_severity", columns: ["incident_id", "seq", "severity", "reason", "at", "recorded_by"], order: "incident_id, seq"),
            Table(name: "web_session", columns: ["token_hash", "key_id", "csrf", "created_at", "expires_at", "ended_at"], order: "token_hash"),
            Table(name: "login_link", columns: ["token_hash", "key_id", "created_at", "expires_at", "used_at"], order: "token_hash"),
        ]
    }

    /// Writes the whole database to `write`, a line at a time, in pages of 1,000 rows (so a large
    /// database is never held whole in memory). Returns the rows written by table.
    public static func export(_ store: IncidentStore, now: Date = Date(), write: @Sendable (String) -> Void) async throws -> [(String, Int)] {
        let encoder = JSONEncoder.sortedCompact
        write(String(decoding: try encoder.encode(Header(schema: schema, exportedAt: StoredTime.text(now))), as: UTF8.self))
        var counts: [(String, Int)] = []
        for table in tables(store.engine.dialect) {
            var offset = 0
            while true {
                let start = offset
                let rows = try await store.engine.read { db in
                    try await db.query(
                        "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.order) LIMIT 1000 OFFSET ?",
                        [start])
                }
                for row in rows {
                    write(String(decoding: try encoder.encode(Line(table: table.name, row: row.byColumn)), as: UTF8.self))
                }
                offset += rows.count
                if rows.count < 1000 { break }
            }
            counts.append((table.name, offset))
        }
        return counts
    }

    /// A line that cannot be imported: where and why.
    public struct ImportError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Reads an export into `store`, which must be empty, in one transaction: all of it or nothing.
    /// `lines` yields the file's lines in order. Returns the rows imported by table.
    public static func importLines(into store: IncidentStore, lines: some AsyncSequence<String, any Error> & Sendable) async throws
        -> [(String, Int)]
    {
        let known = tables(store.engine.dialect)
        let byName = Dictionary(uniqueKeysWithValues: known.map { ($0.name, $0) })
        return try await store.engine.write { db in
            for table in known {
                if try await db.queryOne("SELECT 1 AS one FROM \(table.name) LIMIT 1") != nil {
                    throw ImportError(line: 0, message: "the target database is not empty (table \(table.name) has rows): import into a new database")
                }
            }
            let decoder = JSONDecoder()
            var number = 0
            var counts: [String: Int] = [:]
            var sawHeader = false
            for try await text in lines {
                number += 1
                if text.isEmpty { continue }
                if !sawHeader {
                    guard let header = try? decoder.decode(Header.self, from: Data(text.utf8)), header.format == "breachclock-export" else {
                        throw ImportError(line: number, message: "not a breachclock export (the first line must be its header)")
                    }
                    guard header.version == 1, header.schema == schema else {
                        throw ImportError(
                            line: number,
                            message: "export version \(header.version), schema \(header.schema); this breachclock reads version 1, schema \(schema)")
                    }
                    sawHeader = true
                    continue
                }
                let line: Line
                do { line = try decoder.decode(Line.self, from: Data(text.utf8)) } catch {
                    throw ImportError(line: number, message: "expected {\"table\": …, \"row\": {…}}")
                }
                guard let table = byName[line.table] else {
                    throw ImportError(line: number, message: "table: unknown table `\(line.table)`")
                }
                if let unknown = line.row.keys.sorted().first(where: { !table.columns.contains($0) }) {
                    throw ImportError(line: number, message: "row.\(unknown): unknown column of \(table.name)")
                }
                let values: [any SQLBindable] = table.columns.map { line.row[$0] ?? .null }
                do {
                    try await db.execute(
                        "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))",
                        values)
                } catch {
                    throw ImportError(line: number, message: "\(table.name): \(error)")
                }
                counts[table.name, default: 0] += 1
            }
            guard sawHeader else { throw ImportError(line: 0, message: "empty input: not a breachclock export") }
            return known.map { ($0.name, counts[$0.name] ?? 0) }
        }
    }
}
