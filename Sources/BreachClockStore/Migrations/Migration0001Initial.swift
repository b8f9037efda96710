// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0001: incidents with their assessment history, notices, decisions, API keys and the audit chain.
    static let m0001Initial = """
        CREATE TABLE incident (
            id TEXT PRIMARY KEY NOT NULL,
            title TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
            facts TEXT NOT NULL,
            revision INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            closed_at TEXT
        );
        CREATE TABLE assessment (
            incident_id TEXT NOT NULL REFERENCES incident(id),
            revision INTEGER NOT NULL,
            computed_at TEXT NOT NULL,
            rules_digest TEXT NOT NULL,
            assessment TEXT NOT NULL,
            changes TEXT NOT NULL,
            PRIMARY KEY (incident_id, revision)
        );
        CREATE TABLE obligation_due (
            incident_id TEXT NOT NULL REFERENCES incident(id),
            obligation_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            due TEXT,
            satisfied INTEGER NOT NULL,
            PRIMARY KEY (incident_id, obligation_id)
        );
        CREATE INDEX obligation_due_by_due ON obligation_due(due) WHERE due IS NOT NULL AND satisfied = 0;
        CREATE TABLE notice (
            id TEXT PRIMARY KEY NOT NULL,
            incident_id TEXT NOT NULL REFERENCES incident(id),
            obligation_id TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            method TEXT NOT NULL,
            reference TEXT,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        );
        CREATE TABLE decision (
            id TEXT PRIMARY KEY NOT NULL,
            incident_id TEXT NOT NULL REFERENCES incident(id),
            kind TEXT NOT NULL,
            obligation_id TEXT,
            outcome TEXT NOT NULL,
            rationale TEXT,
            owner TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            CHECK (outcome <> 'not-required' OR length(trim(coalesce(rationale, ''))) > 0)
        );
        CREATE TABLE api_key (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
            secret_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            incident_id TEXT,
            before TEXT,
            after TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_by_incident ON audit_log(incident_id, seq);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """
}
