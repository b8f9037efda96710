// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0005: planned reminders are found by their deadline (subscription, incident, obligation), so
    /// that reminders that fell due together after an outage collapse into one and a re-plan keeps
    /// the reminders that did not change.
    static let m0005ReminderCollapse = """
        CREATE INDEX webhook_delivery_by_deadline ON webhook_delivery(webhook_id, incident_id, obligation_id) WHERE state = 'planned';
        """
}
