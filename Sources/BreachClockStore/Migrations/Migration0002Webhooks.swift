// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0002: webhook subscriptions, the delivery outbox (one row per planned message; its id is the
    /// `webhook-id`, the same on every retry) and the log of attempts.
    static let m0002Webhooks = """
        CREATE TABLE webhook (
            id TEXT PRIMARY KEY NOT NULL,
            url TEXT NOT NULL,
            format TEXT NOT NULL CHECK (format IN ('json', 'slack', 'teams')),
            incident_id TEXT,
            events TEXT NOT NULL,
            schedule TEXT NOT NULL,
            secret TEXT NOT NULL,
            created_at TEXT NOT NULL,
            disabled_at TEXT,
            disabled_reason TEXT,
            failing_since TEXT
        );
        CREATE TABLE webhook_delivery (
            id TEXT PRIMARY KEY NOT NULL,
            webhook_id TEXT NOT NULL REFERENCES webhook(id),
            incident_id TEXT NOT NULL,
            obligation_id TEXT,
            event TEXT NOT NULL,
            due_at TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'delivered', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_at TEXT,
            claimed_by TEXT,
            delivered_at TEXT,
            last_error TEXT
        );
        CREATE INDEX webhook_delivery_due ON webhook_delivery(next_attempt_at) WHERE state = 'planned';
        CREATE INDEX webhook_delivery_by_incident ON webhook_delivery(incident_id, state);
        CREATE INDEX webhook_delivery_by_webhook ON webhook_delivery(webhook_id, due_at);
        CREATE TABLE webhook_attempt (
            delivery_id TEXT NOT NULL REFERENCES webhook_delivery(id),
            attempt INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            duration_ms INTEGER NOT NULL,
            status INTEGER,
            error TEXT,
            PRIMARY KEY (delivery_id, attempt)
        );
        """
}
