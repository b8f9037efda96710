// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0006: each rules digest deployed, and which instance recomputed the open incidents for it, so
    /// that with several instances the recompute happens once.
    static let m0006RulesRollout = """
        CREATE TABLE rules_rollout (
            digest TEXT PRIMARY KEY NOT NULL,
            started_at TEXT NOT NULL,
            instance TEXT NOT NULL,
            finished_at TEXT,
            recomputed INTEGER
        );
        """
}
