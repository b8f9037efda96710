import BreachClockCalculator
import BreachClockJSON
import Crypto
import Foundation

/// The key that signs audit checkpoints: 32 random bytes, base64, in a file kept outside the database
/// (`breachclock audit keygen --out PATH`). Someone who can write the database but not read this file
/// cannot make a checkpoint for a chain they rewrote. The key's bytes never appear in a description,
/// a log line or an error.
public struct AuditKey: Sendable, CustomStringConvertible {
    let key: SymmetricKey

    /// A key from its 32 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        key = SymmetricKey(data: bytes)
    }

    /// Reads a key file: the base64 of 32 bytes, surrounding whitespace ignored.
    public init(contentsOfFile path: String) throws(AuditKeyError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path)
        }
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = AuditKey(bytes: Array(data))
        else { throw .malformed(path: path) }
        self = key
    }

    /// Writes a new random key to `path`, readable by its owner only (mode 0600). An existing file is
    /// never overwritten.
    public static func generate(at path: String) throws(AuditKeyError) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Array((Data(bytes).base64EncodedString() + "\n").utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw errno == EEXIST ? .exists(path: path) : .unwritable(path: path) }
        defer { close(fd) }
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(fd) == 0 else { throw .unwritable(path: path) }
    }

    public var description: String { "AuditKey(redacted)" }

    func authenticationCode(_ message: [UInt8]) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
    }

    /// Compares in constant time.
    func isValid(_ code: String, for message: [UInt8]) -> Bool {
        guard let bytes = Data(base64Encoded: code) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: message, using: key)
    }
}

/// Why an audit key could not be read or written. Names the file, never its content.
public enum AuditKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case malformed(path: String)
    case exists(path: String)
    case unwritable(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the audit key file \(path)"
        case .malformed(let path): "the audit key file \(path) does not hold the base64 of 32 bytes"
        case .exists(let path): "\(path) already exists; an audit key is never overwritten"
        case .unwritable(let path): "cannot write the audit key file \(path)"
        }
    }
}

/// A signed statement that the audit chain's line `seq` had `hash` at `at`. Since every line's hash
/// covers the line before, it vouches for the whole chain up to `seq`; in an intact chain `seq` is
/// also the number of lines. `mac` is HMAC-SHA256 (base64) over the other three fields.
public struct AuditCheckpoint: Sendable, Equatable {
    public var seq: Int
    public var hash: String
    /// RFC 3339 UTC with milliseconds, kept as the text that was signed.
    public var at: String
    public var mac: String

    /// Signs the head of a chain.
    public init(seq: Int, hash: String, at: String, key: AuditKey) {
        self.init(seq: seq, hash: hash, at: at, mac: key.authenticationCode(Self.message(seq: seq, hash: hash, at: at)))
    }

    /// A checkpoint as read back (from the database or an exported file), not yet checked.
    public init(seq: Int, hash: String, at: String, mac: String) {
        self.seq = seq
        self.hash = hash
        self.at = at
        self.mac = mac
    }

    /// Whether `mac` is this key's for these fields (compared in constant time).
    public func isSigned(by key: AuditKey) -> Bool {
        key.isValid(mac, for: Self.message(seq: seq, hash: hash, at: at))
    }

    static func message(seq: Int, hash: String, at: String) -> [UInt8] {
        Array("breachclock audit checkpoint v1\n\(seq)\n\(hash)\n\(at)".utf8)
    }

    /// One line of an exported checkpoints file: `{"seq":…,"hash":"…","at":"…","mac":"…"}`.
    public var jsonLine: String {
        // Strings and a number: encoding cannot fail.
        (try? JSONEncoder.text(self)) ?? ""
    }

    /// Reads one line of an exported checkpoints file; nil when it is not a checkpoint.
    public init?(jsonLine: some StringProtocol) {
        guard let line = try? JSONDecoder.decode(AuditCheckpoint.self, from: String(jsonLine)) else { return nil }
        self = line
    }
}

/// The external copy of the checkpoints: an append-only file of JSON lines, meant to live where the
/// database's writers cannot change it (another machine, a write-once bucket, a log collector).
public enum AuditCheckpointFile {
    /// Appends one line and flushes it to disk.
    public static func append(_ checkpoint: AuditCheckpoint, to path: String) throws {
        let bytes = Array((checkpoint.jsonLine + "\n").utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }

    /// Every non-empty line of the file with its line number; nil where a line is not a checkpoint.
    public static func read(_ path: String) throws -> [(line: Int, checkpoint: AuditCheckpoint?)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            line.trimmingCharacters(in: .whitespaces).isEmpty ? nil : (index + 1, AuditCheckpoint(jsonLine: line))
        }
    }
}

extension IncidentStore {
    /// Signs the audit chain's head and stores the checkpoint (its table is append-only). Returns nil
    /// when the chain is empty or a checkpoint of the head already exists (the head has not moved).
    public func writeAuditCheckpoint(key: AuditKey) async throws -> AuditCheckpoint? {
        let now = clock()
        return try await engine.write { db in
            guard let head = try await db.queryOne("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1") else { return nil }
            let seq: Int = try head["seq"]
            if try await db.queryOne("SELECT 1 AS one FROM audit_checkpoint WHERE seq = ?", [seq]) != nil { return nil }
            let checkpoint = AuditCheckpoint(seq: seq, hash: try head["hash"], at: Self.text(now), key: key)
            try await db.execute(
                "INSERT INTO audit_checkpoint (seq, hash, at, mac) VALUES (?, ?, ?, ?)",
                [checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.mac])
            return checkpoint
        }
    }

    /// The stored checkpoints, oldest first.
    public func auditCheckpoints() async throws -> [AuditCheckpoint] {
        try await engine.read { db in try await Self.checkpoints(db) }
    }

    static func checkpoints(_ db: any SQLSession) async throws -> [AuditCheckpoint] {
        try await db.query("SELECT * FROM audit_checkpoint ORDER BY seq").map { row in
            AuditCheckpoint(seq: try row["seq"], hash: try row["hash"], at: try row["at"], mac: try row["mac"])
        }
    }
}
