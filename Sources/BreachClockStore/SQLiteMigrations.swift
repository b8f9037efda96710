import GRDB

/// The SQLite schema's versioned migrations, applied in order when a store opens (GRDB's migrator
/// records them in `grdb_migrations`). `PostgresMigrations` holds the same versions for PostgreSQL.
enum SQLiteMigrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001-initial") { db in try db.execute(sql: m0001Initial) }
        migrator.registerMigration("0002-webhooks") { db in try db.execute(sql: m0002Webhooks) }
        migrator.registerMigration("0003-audit-checkpoints") { db in try db.execute(sql: m0003AuditCheckpoints) }
        migrator.registerMigration("0004-webhook-deletion") { db in try db.execute(sql: m0004WebhookDeletion) }
        migrator.registerMigration("0005-reminder-collapse") { db in try db.execute(sql: m0005ReminderCollapse) }
        migrator.registerMigration("0006-rules-rollout") { db in try db.execute(sql: m0006RulesRollout) }
        migrator.registerMigration("0007-rescue-index") { db in try db.execute(sql: m0007RescueIndex) }
        migrator.registerMigration("0008-programme") { db in try db.execute(sql: m0008Programme) }
        migrator.registerMigration("0009-web-sessions") { db in try db.execute(sql: m0009WebSessions) }
        migrator.registerMigration("0010-activity-indexes") { db in try db.execute(sql: m0010ActivityIndexes) }
        return migrator
    }

}
