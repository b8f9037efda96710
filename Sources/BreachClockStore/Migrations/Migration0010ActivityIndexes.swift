// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0010: an incident's notices and decisions found by the incident, not by reading every incident's
    /// (the console's incident page and `GET /v1/incidents/{id}/notices`: 30 ms beside 300,000 other
    /// notices without it, scripts/bench-console.py).
    static let m0010ActivityIndexes = """
        CREATE INDEX notice_by_incident ON notice(incident_id, sent_at);
        CREATE INDEX decision_by_incident ON decision(incident_id, decided_at);
        """
}
