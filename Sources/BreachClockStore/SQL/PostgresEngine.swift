import Foundation
import Logging
import NIOCore
import PostgresNIO

/// PostgreSQL through PostgresNIO's pooled `PostgresClient`, for several instances sharing one
/// database. Every write is one transaction on one leased connection; a transaction that PostgreSQL
/// aborts as a deadlock or a serialization failure is run again from the start (at most three
/// times), so callers see it only if it keeps failing.
public final class PostgresEngine: SQLEngine {
    let client: PostgresClient
    private let runner: Task<Void, Never>
    let settings: PostgresSettings
    public var dialect: SQLDialect { .postgres }

    /// The advisory lock that serialises migrations when several instances start at once.
    static let migrationLock: Int64 = 0x6263_6d69_6772_61

    /// Connects, and applies pending migrations under an advisory lock (instances starting together
    /// wait for the first to finish).
    public init(_ settings: PostgresSettings, logger: Logger = Logger(label: "breachclock.postgres")) async throws {
        self.settings = settings
        // The pool's own chatter (such as a lease asked for a moment before `run()` starts, which
        // simply waits) stays out of the log; failures reach the caller as errors.
        var logger = logger
        logger.logLevel = .error
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user,
            password: settings.password, database: settings.database, tls: settings.requireTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.maximumConnections = max(1, settings.poolSize)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", String(settings.statementTimeout.milliseconds)), ("TimeZone", "UTC"),
        ]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        do {
            try await migrate()
        } catch {
            runner.cancel()
            throw error
        }
    }

    public func close() async { runner.cancel() }

    public func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await Self.translatingErrors(settings) {
            try await client.withConnection { connection in try await body(Session(connection: connection)) }
        }
    }

    public func write<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await Self.translatingErrors(settings) {
                    try await client.withConnection { connection in
                        let session = Session(connection: connection)
                        try await session.execute("BEGIN")
                        do {
                            let result = try await body(session)
                            try await session.execute("COMMIT")
                            return result
                        } catch {
                            try? await session.execute("ROLLBACK")
                            throw error
                        }
                    }
                }
            } catch let error as PostgresError where error.retryable && attempt < 3 {
                continue
            }
        }
    }

    public func now() async throws -> Date {
        try await read { session in
            let row = try await session.queryOne("SELECT extract(epoch from clock_timestamp())::float8 AS now")
            guard case .real(let seconds)? = row?.value("now") else { throw UnreadableColumn(column: "now", found: "no clock") }
            return Date(timeIntervalSince1970: seconds)
        }
    }

    /// Applies pending migrations in one transaction.
    func migrate() async throws {
        try await write { session in
            try await session.execute("SELECT pg_advisory_xact_lock(?)", [Self.migrationLock])
            try await session.execute("CREATE TABLE IF NOT EXISTS breachclock_migration (id TEXT PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL)")
            let applied = Set(try await session.query("SELECT id FROM breachclock_migration").map { row -> String in try row["id"] })
            for migration in PostgresMigrations.all where !applied.contains(migration.id) {
                for statement in migration.statements { try await session.execute(statement) }
                try await session.execute(
                    "INSERT INTO breachclock_migration (id, applied_at) VALUES (?, ?)", [migration.id, StoredTime.text(Date())])
            }
        }
    }

    /// The migrations this database has had, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await read { session in try await session.query("SELECT id FROM breachclock_migration ORDER BY id").map { try $0["id"] } }
    }

    struct Session: SQLSession {
        let connection: PostgresConnection
        var dialect: SQLDialect { .postgres }

        func query(_ sql: String, _ arguments: [any SQLBindable]) async throws -> [SQLRow] {
            var bindings = PostgresBindings(capacity: arguments.count)
            for argument in arguments {
                switch argument.sqlValue {
                case .null: bindings.appendNull()
                case .integer(let number): try bindings.append(number)
                case .real(let number): try bindings.append(number)
                case .text(let text): try bindings.append(text)
                }
            }
            let rows = try await connection.query(PostgresQuery(unsafeSQL: Self.numbered(sql), binds: bindings), logger: Self.quiet)
            var result: [SQLRow] = []
            var columns: [String]?
            for try await row in rows {
                var values: [SQLValue] = []
                values.reserveCapacity(row.count)
                for cell in row { values.append(try Self.value(cell)) }
                if columns == nil { columns = row.map(\.columnName) }
                result.append(SQLRow(columns: columns ?? [], values: values))
            }
            return result
        }

        static let quiet = Logger(label: "breachclock.postgres.query", factory: { _ in SwiftLogNoOpLogHandler() })

        static func value(_ cell: PostgresCell) throws -> SQLValue {
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
            default: return .text(try cell.decode(String.self))
            }
        }

        /// `?` placeholders become PostgreSQL's `$1`, `$2` … (outside quoted text and identifiers).
        static func numbered(_ sql: String) -> String {
            var output = ""
            output.reserveCapacity(sql.utf8.count + 16)
            var index = 0
            var quote: Character?
            for character in sql {
                if let open = quote {
                    if character == open { quote = nil }
                    output.append(character)
                } else if character == "'" || character == "\"" {
                    quote = character
                    output.append(character)
                } else if character == "?" {
                    index += 1
                    output += "$\(index)"
                } else {
                    output.append(character)
                }
            }
            return output
        }
    }

    /// PostgresNIO's errors say little by design (they might hold data); this keeps the server's
    /// message and SQLSTATE, and never the connection's password.
    static func translatingErrors<T>(_ settings: PostgresSettings, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            let state = error.serverInfo?[.sqlState]
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            throw PostgresError(message: "PostgreSQL at \(settings.redacted): \(message)", sqlState: state)
        }
    }
}

/// An error PostgreSQL reported, with its SQLSTATE.
public struct PostgresError: Error, CustomStringConvertible {
    public var message: String
    public var sqlState: String?
    public var description: String { message + (sqlState.map { " (SQLSTATE \($0))" } ?? "") }
    /// A serialization failure or deadlock: the transaction may simply be run again.
    public var retryable: Bool { sqlState == "40001" || sqlState == "40P01" }
}
