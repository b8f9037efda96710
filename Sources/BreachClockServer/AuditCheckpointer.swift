import BreachClockStore
import Foundation
import Logging
import ServiceLifecycle

/// How `breachclock serve` signs the audit chain's head.
public struct AuditCheckpointSettings: Sendable {
    /// The signing key, read from a file outside the database.
    public var key: AuditKey
    /// An append-only file of JSON lines that receives a copy of every checkpoint (nil: none).
    public var exportPath: String?
    /// How often to sign the head when it has moved.
    public var interval: Duration

    public init(key: AuditKey, exportPath: String? = nil, interval: Duration = .seconds(60)) {
        self.key = key
        self.exportPath = exportPath
        self.interval = interval
    }
}

/// Signs the audit chain's head every `interval` when it has moved, and once more on graceful
/// shutdown (services stop in reverse order, so the HTTP server has finished its requests by then).
/// Each checkpoint goes to the database's append-only table, to the export file if one is set, and to
/// the log (its MAC, never the key).
public final class AuditCheckpointer: Service, Sendable {
    let store: IncidentStore
    let settings: AuditCheckpointSettings
    let logger: Logger

    /// - Parameter store: opened with the clock that dates the checkpoints.
    public init(store: IncidentStore, settings: AuditCheckpointSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                try await Task.sleep(for: settings.interval)
                _ = await checkpoint()
            }
        }
        _ = await checkpoint()
    }

    /// Writes a checkpoint if the head moved since the last one; exports and logs it. Failures are
    /// logged (they never stop the server) and give nil, as does an unmoved head.
    @discardableResult
    public func checkpoint() async -> AuditCheckpoint? {
        let checkpoint: AuditCheckpoint
        do {
            guard let written = try await store.writeAuditCheckpoint(key: settings.key) else { return nil }
            checkpoint = written
        } catch {
            logger.error("could not write an audit checkpoint", metadata: ["error": "\(error)"])
            return nil
        }
        logger.notice(
            "audit checkpoint",
            metadata: [
                "seq": "\(checkpoint.seq)", "hash": "\(checkpoint.hash)",
                "at": "\(checkpoint.at)", "mac": "\(checkpoint.mac)",
            ])
        if let path = settings.exportPath {
            do {
                try AuditCheckpointFile.append(checkpoint, to: path)
            } catch {
                logger.error("could not export the audit checkpoint", metadata: ["seq": "\(checkpoint.seq)", "file": "\(path)", "error": "\(error)"])
            }
        }
        return checkpoint
    }
}
