import Foundation

/// A new, empty database for a benchmark: a new PostgreSQL database on the server `postgresBase`
/// names (dropped again by `drop()`), or else a SQLite file at `sqlitePath`.
public struct ScratchDatabase: Sendable {
    public let location: DatabaseLocation
    private let admin: IncidentStore?
    private let name: String

    public static func create(postgresBase: String?, name: String, sqlitePath: String) async throws -> ScratchDatabase {
        guard let postgresBase, case .postgres(var settings) = try DatabaseLocation(postgresBase) else {
            return ScratchDatabase(location: .sqlite(path: sqlitePath), admin: nil, name: name)
        }
        let admin = try await IncidentStore.open(.postgres(settings))
        try await admin.engine.read { db in try await db.execute("CREATE DATABASE \(name)") }
        settings.database = name
        return ScratchDatabase(location: .postgres(settings), admin: admin, name: name)
    }

    /// Drops the PostgreSQL database, closing whatever still uses it (a SQLite file is left to its folder).
    public func drop() async throws {
        guard let admin else { return }
        try await admin.engine.read { [name] db in try await db.execute("DROP DATABASE \(name) WITH (FORCE)") }
    }
}
