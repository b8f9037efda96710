// Shipped migrations are never edited: add a new version for a change, to both engines (see README.md).

/// The PostgreSQL schema, by the same versions as `SQLiteMigrations`. Columns hold the same values
/// as SQLite's (instants as RFC 3339 text, integers as BIGINT), so that an export from one engine
/// imports into the other byte for byte and the audit chain's hashes still verify. Incidents carry a
/// `position` from a sequence where SQLite pages by `rowid`. Each entry is one statement
/// (PostgreSQL's extended protocol runs one at a time).
enum PostgresMigrations {
    struct Migration {
        var id: String
        var statements: [String]
    }

    static let all: [Migration] = [
        Migration(
            id: "0001-initial",
            statements: [
                """
                CREATE TABLE incident (
                    id TEXT PRIMARY KEY NOT NULL, position BIGSERIAL UNIQUE, title TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('open', 'closed')), facts TEXT NOT NULL, revision BIGINT NOT NULL,
                    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, closed_at TEXT)
                """,
                """
                CREATE TABLE assessment (
                    incident_id TEXT NOT NULL REFERENCES incident(id), revision BIGINT NOT NULL, computed_at TEXT NOT NULL,
                    rules_digest TEXT NOT NULL, assessment TEXT NOT NULL, changes TEXT NOT NULL, PRIMARY KEY (incident_id, revision))
                """,
                """
                CREATE TABLE obligation_due (
                    incident_id TEXT NOT NULL REFERENCES incident(id), obligation_id TEXT NOT NULL, kind TEXT NOT NULL, due TEXT,
                    satisfied BIGINT NOT NULL, PRIMARY KEY (incident_id, obligation_id))
                """,
                "CREATE INDEX obligation_due_by_due ON obligation_due(due) WHERE due IS NOT NULL AND satisfied = 0",
                """
                CREATE TABLE notice (
                    id TEXT PRIMARY KEY NOT NULL, incident_id TEXT NOT NULL REFERENCES incident(id), obligation_id TEXT NOT NULL,
                    sent_at TEXT NOT NULL, method TEXT NOT NULL, reference TEXT, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE decision (
                    id TEXT PRIMARY KEY NOT NULL, incident_id TEXT NOT NULL REFERENCES incident(id), kind TEXT NOT NULL, obligation_id TEXT,
                    outcome TEXT NOT NULL, rationale TEXT, owner TEXT NOT NULL, decided_at TEXT NOT NULL, recorded_at TEXT NOT NULL,
                    recorded_by TEXT NOT NULL, CHECK (outcome <> 'not-required' OR length(trim(coalesce(rationale, ''))) > 0))
                """,
                """
                CREATE TABLE api_key (
                    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
                    secret_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT)
                """,
                """
                CREATE TABLE audit_log (
                    seq BIGINT PRIMARY KEY NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, incident_id TEXT,
                    before TEXT, after TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
                """,
                "CREATE INDEX audit_by_incident ON audit_log(incident_id, seq)",
                """
                CREATE FUNCTION breachclock_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$
                """,
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION breachclock_append_only()",
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION breachclock_append_only()",
            ]),
        Migration(
            id: "0002-webhooks",
            statements: [
                """
                CREATE TABLE webhook (
                    id TEXT PRIMARY KEY NOT NULL, url TEXT NOT NULL, format TEXT NOT NULL CHECK (format IN ('json', 'slack', 'teams')),
                    incident_id TEXT, events TEXT NOT NULL, schedule TEXT NOT NULL, secret TEXT NOT NULL, created_at TEXT NOT NULL,
                    disabled_at TEXT, disabled_reason TEXT, failing_since TEXT)
                """,
                """
                CREATE TABLE webhook_delivery (
                    id TEXT PRIMARY KEY NOT NULL, webhook_id TEXT NOT NULL REFERENCES webhook(id), incident_id TEXT NOT NULL,
                    obligation_id TEXT, event TEXT NOT NULL, due_at TEXT NOT NULL, payload TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'delivered', 'failed', 'cancelled')),
                    attempts BIGINT NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, claimed_at TEXT, claimed_by TEXT,
                    delivered_at TEXT, last_error TEXT)
                """,
                "CREATE INDEX webhook_delivery_due ON webhook_delivery(next_attempt_at) WHERE state = 'planned'",
                "CREATE INDEX webhook_delivery_by_incident ON webhook_delivery(incident_id, state)",
                "CREATE INDEX webhook_delivery_by_webhook ON webhook_delivery(webhook_id, due_at)",
                """
                CREATE TABLE webhook_attempt (
                    delivery_id TEXT NOT NULL REFERENCES webhook_delivery(id), attempt BIGINT NOT NULL, started_at TEXT NOT NULL,
                    duration_ms BIGINT NOT NULL, status BIGINT, error TEXT, PRIMARY KEY (delivery_id, attempt))
                """,
            ]),
        Migration(
            id: "0003-audit-checkpoints",
            statements: [
                "CREATE TABLE audit_checkpoint (seq BIGINT PRIMARY KEY NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL, mac TEXT NOT NULL)",
                "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint FOR EACH ROW EXECUTE FUNCTION breachclock_append_only()",
                "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint FOR EACH ROW EXECUTE FUNCTION breachclock_append_only()",
            ]),
        Migration(id: "0004-webhook-deletion", statements: ["ALTER TABLE webhook ADD COLUMN deleted_at TEXT"]),
        Migration(
            id: "0005-reminder-collapse",
            statements: [
                "CREATE INDEX webhook_delivery_by_deadline ON webhook_delivery(webhook_id, incident_id, obligation_id) WHERE state = 'planned'"
            ]),
        Migration(
            id: "0006-rules-rollout",
            statements: [
                """
                CREATE TABLE rules_rollout (
                    digest TEXT PRIMARY KEY NOT NULL, started_at TEXT NOT NULL, instance TEXT NOT NULL, finished_at TEXT, recomputed BIGINT)
                """
            ]),
        Migration(
            id: "0007-rescue-index",
            statements: [
                "CREATE INDEX IF NOT EXISTS webhook_delivery_sending ON webhook_delivery(claimed_at) WHERE state = 'sending'"
            ]),
        Migration(
            id: "0008-programme",
            statements: [
                """
                CREATE TABLE programme_revision (
                    revision BIGINT PRIMARY KEY NOT NULL, imported_at TEXT NOT NULL, imported_by TEXT NOT NULL, digest TEXT NOT NULL,
                    format TEXT NOT NULL CHECK (format IN ('yaml', 'json')), source TEXT NOT NULL)
                """,
                """
                CREATE TABLE exercise (
                    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, run_at TEXT NOT NULL, run_by TEXT NOT NULL, starts_at TEXT NOT NULL,
                    scenario TEXT NOT NULL, record TEXT NOT NULL, log TEXT, logged_at TEXT)
                """,
                "CREATE INDEX exercise_by_run_at ON exercise(run_at)",
                """
                CREATE TABLE action_item (
                    id TEXT PRIMARY KEY NOT NULL, exercise_id TEXT REFERENCES exercise(id), incident_id TEXT REFERENCES incident(id),
                    title TEXT NOT NULL, owner TEXT NOT NULL,
                    due TEXT NOT NULL, changes TEXT, status TEXT NOT NULL CHECK (status IN ('open', 'done')), created_at TEXT NOT NULL,
                    closed_at TEXT, closed_by TEXT, resolution TEXT)
                """,
                "CREATE INDEX action_item_by_status ON action_item(status, due)",
                """
                CREATE TABLE security_event (
                    id TEXT PRIMARY KEY NOT NULL, source TEXT NOT NULL, summary TEXT NOT NULL, severity TEXT, detected_at TEXT NOT NULL,
                    received_at TEXT NOT NULL, received_by TEXT NOT NULL, details TEXT, triage_due_at TEXT NOT NULL,
                    disposition TEXT CHECK (disposition IN ('false-positive', 'security-event', 'incident', 'breach')), disposed_at TEXT,
                    disposed_by TEXT, rationale TEXT, incident_id TEXT REFERENCES incident(id))
                """,
                "CREATE INDEX security_event_by_received ON security_event(received_at)",
                """
                CREATE TABLE incident_phase (
                    incident_id TEXT NOT NULL REFERENCES incident(id),
                    phase TEXT NOT NULL CHECK (phase IN ('detected', 'triaged', 'contained', 'eradicated', 'recovered', 'closed')),
                    at TEXT NOT NULL, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL, note TEXT, PRIMARY KEY (incident_id, phase))
                """,
                """
                CREATE TABLE incident_severity (
                    incident_id TEXT NOT NULL REFERENCES incident(id), seq BIGINT NOT NULL, severity TEXT NOT NULL, reason TEXT NOT NULL,
                    at TEXT NOT NULL, recorded_by TEXT NOT NULL, PRIMARY KEY (incident_id, seq))
                """,
                """
                CREATE TABLE incident_review (
                    incident_id TEXT PRIMARY KEY NOT NULL REFERENCES incident(id), review TEXT NOT NULL, recorded_at TEXT NOT NULL,
                    recorded_by TEXT NOT NULL)
                """,
            ]),
        Migration(
            id: "0009-web-sessions",
            statements: [
                """
                CREATE TABLE web_session (
                    token_hash TEXT PRIMARY KEY NOT NULL, key_id TEXT NOT NULL REFERENCES api_key(id), csrf TEXT NOT NULL,
                    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, ended_at TEXT)
                """,
                """
                CREATE TABLE login_link (
                    token_hash TEXT PRIMARY KEY NOT NULL, key_id TEXT NOT NULL REFERENCES api_key(id), created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL, used_at TEXT)
                """,
            ]),
        Migration(
            id: "0010-activity-indexes",
            statements: [
                "CREATE INDEX notice_by_incident ON notice(incident_id, sent_at)",
                "CREATE INDEX decision_by_incident ON decision(incident_id, decided_at)",
            ]),
    ]
}
