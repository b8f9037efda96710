// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0004: a deleted webhook subscription is gone from the API (404), while its row stays for the
    /// deliveries and attempts that name it.
    static let m0004WebhookDeletion = """
        ALTER TABLE webhook ADD COLUMN deleted_at TEXT;
        """
}
