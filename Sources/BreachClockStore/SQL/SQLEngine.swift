import BreachClockCalculator
import BreachClockRules
import Foundation

/// Statements run inside one read or one transaction. `?` marks each argument, on either engine.
public protocol SQLSession: Sendable {
    /// The engine's differences, for the statements that need them.
    var dialect: SQLDialect { get }

    /// Runs a statement and returns its rows (a `RETURNING` clause's too).
    func query(_ sql: String, _ arguments: [any SQLBindable]) async throws -> [SQLRow]

    /// Runs statements in order for their effect. SQLite runs them in one access to its connection
    /// (a busy dispatcher records hundreds of attempts at once); by default, one at a time.
    func executeAll(_ statements: [(sql: String, arguments: [any SQLBindable])]) async throws
}

extension SQLSession {
    public func executeAll(_ statements: [(sql: String, arguments: [any SQLBindable])]) async throws {
        for statement in statements { _ = try await query(statement.sql, statement.arguments) }
    }

    public func query(_ sql: String) async throws -> [SQLRow] { try await query(sql, []) }

    /// The first row, if any.
    public func queryOne(_ sql: String, _ arguments: [any SQLBindable] = []) async throws -> SQLRow? {
        try await query(sql, arguments).first
    }

    /// Runs a statement for its effect.
    public func execute(_ sql: String, _ arguments: [any SQLBindable] = []) async throws {
        _ = try await query(sql, arguments)
    }
}

/// Where the few statements that cannot be written once for both engines differ.
public struct SQLDialect: Sendable {
    /// `sqlite` or `postgres`.
    public var name: String
    /// The column that orders incidents by creation, for paging: SQLite's `rowid`, PostgreSQL's
    /// `position` (a sequence).
    public var incidentPosition: String
    /// Appended to the outbox claim's search: PostgreSQL's `FOR UPDATE SKIP LOCKED`, so that
    /// dispatchers on several instances claim disjoint sets without waiting for each other. SQLite
    /// has one writer at a time, so it needs none.
    public var claimLock: String
    /// Disables the audit log's append-only guard (for tamper tests only).
    public var dropAuditGuard: String
    /// Run by an audit append before it reads the chain's head, so that appends from several
    /// instances form one linear chain: PostgreSQL takes a transaction-scoped advisory lock, held
    /// until the commit. Taken at the append, the transaction's last step, it is held only for the
    /// append and the commit, and never while waiting for a row lock, so it cannot deadlock. SQLite's
    /// single writer already serialises, so it needs none.
    public var auditLock: String?

    public static let sqlite = SQLDialect(
        name: "sqlite", incidentPosition: "rowid", claimLock: "",
        dropAuditGuard: "DROP TRIGGER audit_log_no_update", auditLock: nil)
    // The lock's key is an arbitrary constant: "bcaudit" in ASCII.
    public static let postgres = SQLDialect(
        name: "postgres", incidentPosition: "position", claimLock: " FOR UPDATE SKIP LOCKED",
        dropAuditGuard: "DROP TRIGGER audit_log_no_update ON audit_log", auditLock: "SELECT pg_advisory_xact_lock(27693817950136692)")
}

/// A database engine: SQLite through GRDB, or PostgreSQL through PostgresNIO. The store's logic is
/// written once against this, so the two engines cannot drift apart in behaviour; what differs is
/// said in `SQLDialect` and in each engine's migrations.
public protocol SQLEngine: Sendable {
    var dialect: SQLDialect { get }

    /// Runs `body` with a session for reads (each statement sees committed data).
    func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T

    /// Runs `body` in one write transaction: all of it commits or none.
    func write<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T

    /// The database's own clock (claims and leases are timed by it, so that instances whose clocks
    /// differ agree on when a claim expired).
    func now() async throws -> Date

    /// The migrations the database has had, oldest first.
    func appliedMigrations() async throws -> [String]

    /// Closes connections.
    func close() async
}

/// Where the database is: `--db` / `BREACHCLOCK_DB`.
public enum DatabaseLocation: Sendable, Equatable {
    /// A SQLite file (a path, or `sqlite://path`).
    case sqlite(path: String)
    /// A PostgreSQL server: `postgres://user:password@host:port/database` (`postgresql://` too).
    case postgres(PostgresSettings)

    public init(_ text: String) throws {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresSettings(url: text))
        } else if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw DatabaseLocationError("sqlite:// needs a file path, e.g. sqlite://breachclock.sqlite") }
            self = .sqlite(path: path)
        } else if let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy(\.isLetter), text[colon...].hasPrefix("://") {
            throw DatabaseLocationError("unknown database scheme `\(text[..<colon])://` (expected a SQLite path, sqlite:// or postgres://)")
        } else {
            guard !text.isEmpty else { throw DatabaseLocationError("empty database location") }
            self = .sqlite(path: text)
        }
    }

    public var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// The location for logs and errors: a PostgreSQL password is never shown.
    public var redacted: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let settings): return settings.redacted
        }
    }
}

/// A location that cannot be used; the message never holds a password.
public struct DatabaseLocationError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// How to reach PostgreSQL, and the pool's limits.
public struct PostgresSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// Connections this instance may open (`--db-pool-size`, default 10).
    public var poolSize: Int = 10
    /// Each statement's limit, sent as PostgreSQL's `statement_timeout` (`--db-statement-timeout`, default 30 s).
    public var statementTimeout: Duration = .seconds(30)
    /// `sslmode=require` in the URL asks for TLS; the default is a plain connection (loopback, or a
    /// private network with its own protection).
    public var requireTLS = false

    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw DatabaseLocationError("not a PostgreSQL URL: expected postgres://user:password@host:port/database")
        }
        self.host = host
        port = components.port ?? 5432
        guard let user = components.user, !user.isEmpty else {
            throw DatabaseLocationError("the PostgreSQL URL names no user (postgres://user@\(host)/database)")
        }
        self.user = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let name = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = name.isEmpty ? self.user : name
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value {
                case "require", "verify-full", "verify-ca": requireTLS = true
                case "disable", "prefer", "allow", nil: requireTLS = false
                default: throw DatabaseLocationError("sslmode: expected disable or require, found `\(item.value ?? "")`")
                }
            default:
                throw DatabaseLocationError("unknown PostgreSQL URL parameter `\(item.name)` (expected sslmode)")
            }
        }
    }

    /// The URL with its password replaced.
    public var redacted: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }
}

/// How the store writes instants: RFC 3339 UTC with milliseconds (`2026-12-03T08:00:00.000Z`),
/// which sorts as text on both engines.
public enum StoredTime {
    public static func text(_ date: Date) -> String {
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = Date(timeIntervalSince1970: Double(millis.floorDivided(by: 1000)))
        // UTC's offset is always zero: no zone to look up for every stored instant.
        var base = RFC3339.text(seconds, offsetSeconds: 0)
        base.removeLast()  // Z
        let fraction = String(millis.floorModulo(1000) + 1000).dropFirst()
        return base + "." + fraction + "Z"
    }

    /// The instant a stored text names, or nil when it is not one.
    public static func date(_ text: String) -> Date? {
        ZonedTime.parse(text, in: ZonedTime.utc)
    }
}

extension Int {
    fileprivate func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }

    fileprivate func floorModulo(_ divisor: Int) -> Int {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
