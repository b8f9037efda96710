import BreachClockStore
import Foundation
import Testing

/// The engines every storage conformance test runs on.
public enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    public var testDescription: String { rawValue }
}

/// A fresh, empty database on an engine: a new SQLite file, or a new PostgreSQL database on the
/// cluster `scripts/test` started (`BREACHCLOCK_TEST_POSTGRES`). Without that variable the
/// PostgreSQL tests fail, never skip.
public struct FreshDatabase: Sendable {
    public let engine: Engine
    /// What `--db` takes: a path or a URL.
    public let location: String
    public let folder: URL

    public static func make(_ engine: Engine) async throws -> FreshDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-store-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        switch engine {
        case .sqlite:
            return FreshDatabase(engine: engine, location: folder.appendingPathComponent("store.sqlite").path, folder: folder)
        case .postgres:
            return FreshDatabase(engine: engine, location: try await PostgresForTests.newDatabase(), folder: folder)
        }
    }

    /// A store on this database; each call opens its own connections, as another instance would.
    public func store(clock: (@Sendable () -> Date)? = nil) async throws -> IncidentStore {
        try await IncidentStore.open(try DatabaseLocation(location), clock: clock)
    }

    public func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// The test cluster: one administrative connection that creates a database per test.
public enum PostgresForTests {
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "BREACHCLOCK_TEST_POSTGRES is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL cluster, "
                + "or set it to a server where the test user may create databases"
        }
    }

    static let base: String? = ProcessInfo.processInfo.environment["BREACHCLOCK_TEST_POSTGRES"]

    static let admin = Task<IncidentStore, any Error> {
        guard let base else { throw NotConfigured() }
        return try await IncidentStore.open(try DatabaseLocation(base))
    }

    /// Creates an empty database and returns its URL.
    public static func newDatabase() async throws -> String {
        let store = try await admin.value
        let name = "bc_test_" + IncidentStore.newID("db").dropFirst(3)
        try await store.engine.read { db in try await db.execute("CREATE DATABASE \(name)") }
        guard let base, var components = URLComponents(string: base) else { throw NotConfigured() }
        components.path = "/" + name
        return components.string!
    }
}

/// A minimal change: the facts and assessment are opaque text to the store.
public func storeChange(_ marker: String, action: String = "incident.update") -> IncidentChange {
    IncidentChange(
        factsJSON: "{\"marker\":\"\(marker)\"}", assessmentJSON: "{\"rulesDigest\":\"sha256:test\",\"obligations\":[]}",
        rulesDigest: "sha256:test", changes: ["marker \(marker)"], dueIndex: [], action: action)
}
