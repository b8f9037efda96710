// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0007: the rescue of expired claims finds messages being sent by their claim time, without
    /// reading the whole outbox (a year of traffic is a million rows).
    static let m0007RescueIndex = """
        CREATE INDEX webhook_delivery_sending ON webhook_delivery(claimed_at) WHERE state = 'sending';
        """
}
