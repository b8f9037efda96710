import Foundation
import GRDB
import Synchronization

/// SQLite through GRDB: one `DatabasePool` per file (WAL: readers never wait for the writer).
///
/// A write transaction spans `await`s, while GRDB runs each access on its writer's queue and
/// ends it there. So a transaction is `BEGIN IMMEDIATE` … `COMMIT` over several accesses, and
/// `writer` (an async lock, one per file in this process, shared by every engine on that file)
/// keeps a second transaction of this process from interleaving its statements or waiting on
/// SQLite's lock; SQLite's own lock, with a 10 s busy timeout, keeps other processes out.
public final class SQLiteEngine: SQLEngine {
    let pool: DatabasePool
    private let writer: AsyncLock
    /// The writer lock of each database file this process has open.
    private static let writers = Mutex<[String: AsyncLock]>([:])
    public var dialect: SQLDialect { .sqlite }

    /// How a connection's commits reach the disk (`IncidentStore.Durability`).
    public init(path: String, synchronousNormal: Bool = false) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.allowsUnsafeTransactions = true
        if synchronousNormal {
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        writer = Self.writers.withLock { locks in
            if let lock = locks[key] { return lock }
            let lock = AsyncLock()
            locks[key] = lock
            return lock
        }
        try SQLiteMigrations.migrator().migrate(pool)
    }

    /// The migrations this file has had, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try SQLiteMigrations.migrator().appliedMigrations(db) }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await body(Session(pool: pool, inTransaction: false))
    }

    public func write<T: Sendable>(audited: Bool, _ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await writer.withLock {
            try await pool.writeWithoutTransaction { db in
                // Only holders of `writer` use this connection, so a transaction still open here was
                // left by a task cancelled between its statements: it is rolled back.
                if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
                try db.execute(sql: "BEGIN IMMEDIATE")
            }
            do {
                let result = try await body(Session(pool: pool, inTransaction: true))
                try await pool.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
                return result
            } catch {
                // Synchronously: GRDB's async access refuses to start in a cancelled task, and a
                // cancelled task must still release SQLite's write lock.
                rollBackNow()
                throw error
            }
        }
    }

    /// Rolls back the open transaction, if any, blocking briefly (never refused for cancellation).
    private func rollBackNow() {
        try? pool.writeWithoutTransaction { db in if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") } }
    }

    public func now() async throws -> Date { Date() }

    public func close() async { try? pool.close() }

    struct Session: SQLSession {
        let pool: DatabasePool
        let inTransaction: Bool

        func query(_ sql: String, _ arguments: [any SQLBindable]) async throws -> [SQLRow] {
            let bound = StatementArguments(arguments.map { Self.databaseValue($0.sqlValue) })
            let run: @Sendable (Database) throws -> [SQLRow] = { db in
                // Cached: the dispatcher runs the same few statements thousands of times a second.
                let statement = try db.cachedStatement(sql: sql)
                statement.arguments = bound
                let cursor = try Row.fetchCursor(statement)
                var rows: [SQLRow] = []
                while let row = try cursor.next() {
                    rows.append(SQLRow(columns: Array(row.columnNames), values: row.databaseValues.map(Self.sqlValue)))
                }
                return rows
            }
            return inTransaction ? try await pool.writeWithoutTransaction(run) : try await pool.read(run)
        }

        func executeAll(_ statements: [(sql: String, arguments: [any SQLBindable])]) async throws {
            let bound = statements.map { ($0.sql, StatementArguments($0.arguments.map { Self.databaseValue($0.sqlValue) })) }
            let run: @Sendable (Database) throws -> Void = { db in
                for (sql, arguments) in bound {
                    let statement = try db.cachedStatement(sql: sql)
                    try statement.execute(arguments: arguments)
                }
            }
            if inTransaction { try await pool.writeWithoutTransaction(run) } else { try await pool.write(run) }
        }

        static func databaseValue(_ value: SQLValue) -> DatabaseValue {
            switch value {
            case .null: return .null
            case .integer(let number): return number.databaseValue
            case .real(let number): return number.databaseValue
            case .text(let text): return text.databaseValue
            }
        }

        static func sqlValue(_ value: DatabaseValue) -> SQLValue {
            switch value.storage {
            case .null: return .null
            case .int64(let number): return .integer(number)
            case .double(let number): return .real(number)
            case .string(let text): return .text(text)
            case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
            }
        }
    }
}

/// A lock that suspends instead of blocking a thread: one holder at a time, in arrival order.
actor AsyncLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { held = false } else { waiters.removeFirst().resume() }
    }
}
