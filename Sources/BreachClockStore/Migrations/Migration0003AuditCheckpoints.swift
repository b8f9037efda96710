// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0003: signed checkpoints of the audit chain's head. `seq` and `hash` are the head line's;
    /// `mac` is HMAC-SHA256 over them and `at` with a key kept outside the database, so that
    /// someone who can write this file cannot make a checkpoint for a chain they rewrote.
    static let m0003AuditCheckpoints = """
        CREATE TABLE audit_checkpoint (
            seq INTEGER PRIMARY KEY NOT NULL,
            hash TEXT NOT NULL,
            at TEXT NOT NULL,
            mac TEXT NOT NULL
        );
        CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
        CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
        """
}
