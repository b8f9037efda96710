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
///
/// While it holds `writer`, a transaction runs on a thread of its own (`WriterThread`, one per file)
/// and calls GRDB synchronously: SQLite's write lock is then held only while statements run, never
/// while the transaction's task waits for its turn among the process's other tasks (hundreds of
/// webhook deliveries, say). Measured with the webhook bench: an async access per statement held
/// the lock long enough to cut deliveries from about 4,700 to 3,300 a second.
public final class SQLiteEngine: SQLEngine {
    let pool: DatabasePool
    private let writer: AsyncLock
    private let thread: WriterThread
    /// The writer lock and thread of each database file this process has open.
    private static let writers = Mutex<[String: (AsyncLock, WriterThread)]>([:])
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
        (writer, thread) = Self.writers.withLock { writers in
            if let existing = writers[key] { return existing }
            let created = (AsyncLock(), WriterThread(name: "sqlite writer"))
            writers[key] = created
            return created
        }
        try SQLiteMigrations.migrator().migrate(pool)
    }

    /// The migrations this file has had, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try SQLiteMigrations.migrator().appliedMigrations(db) }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await body(Session(pool: pool, inTransaction: false))
    }

    public func write<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await writer.withLock {
            try await withTaskExecutorPreference(thread) {
                try begin()
                do {
                    let result = try await body(Session(pool: pool, inTransaction: true))
                    try commit()
                    return result
                } catch {
                    rollBackNow()
                    throw error
                }
            }
        }
    }

    /// Starts the transaction (on the writer thread, synchronously). Only holders of `writer` use
    /// this connection, so a transaction still open here was left by a task stopped between its
    /// statements: it is rolled back first.
    private func begin() throws {
        try pool.writeWithoutTransaction { db in
            if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
            try db.execute(sql: "BEGIN IMMEDIATE")
        }
    }

    private func commit() throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
    }

    /// Rolls back the open transaction, if any (synchronous, so never refused for cancellation).
    private func rollBackNow() {
        try? pool.writeWithoutTransaction { db in if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") } }
    }

    public func now() async throws -> Date { Date() }

    public func close() async { try? pool.close() }

    struct Session: SQLSession {
        let pool: DatabasePool
        let inTransaction: Bool
        var dialect: SQLDialect { .sqlite }

        func query(_ sql: String, _ arguments: [any SQLBindable]) async throws -> [SQLRow] {
            let bound = StatementArguments(arguments.map { Self.databaseValue($0.sqlValue) })
            let run: @Sendable (Database) throws -> [SQLRow] = { db in
                // Cached: the dispatcher runs the same few statements thousands of times a second.
                let statement = try db.cachedStatement(sql: sql)
                statement.arguments = bound
                let columns = statement.columnNames
                let cursor = try Row.fetchCursor(statement)
                var rows: [SQLRow] = []
                while let row = try cursor.next() {
                    rows.append(SQLRow(columns: columns, values: row.databaseValues.map(Self.sqlValue)))
                }
                return rows
            }
            // In a transaction this runs on the writer thread, where blocking is what it is for.
            return inTransaction ? try Self.onWriter(pool, run) : try await pool.read(run)
        }

        /// Runs `body` on the writer connection synchronously (a function that is not async, so
        /// that GRDB's blocking access is the one called).
        static func onWriter<T>(_ pool: DatabasePool, _ body: (Database) throws -> T) throws -> T {
            try pool.writeWithoutTransaction(body)
        }

        func executeAll(_ statements: [(sql: String, arguments: [any SQLBindable])]) async throws {
            let bound = statements.map { ($0.sql, StatementArguments($0.arguments.map { Self.databaseValue($0.sqlValue) })) }
            let run: @Sendable (Database) throws -> Void = { db in
                for (sql, arguments) in bound {
                    let statement = try db.cachedStatement(sql: sql)
                    try statement.execute(arguments: arguments)
                }
            }
            if inTransaction { try Self.onWriter(pool, run) } else { try await pool.write(run) }
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

/// A thread that runs the jobs of the tasks that prefer it (`withTaskExecutorPreference`): SQLite
/// write transactions, which block it while their statements run. Written here because the standard
/// library offers no dedicated-thread executor.
final class WriterThread: TaskExecutor, @unchecked Sendable {
    private let jobs = Mutex<[UnownedJob]>([])
    private let ready = DispatchSemaphore(value: 0)

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        ready.signal()
    }

    private func run() {
        while true {
            ready.wait()
            guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
