import BreachClockJSON
import BreachClockStore
import Crypto
import Foundation
import ZIPFoundation

/// The bundle as a zip (ZIPFoundation), and its verification: every file's SHA-256 against the
/// manifest, the manifest's against the anchor, and (given the database) the anchor against the
/// audit chain.
public enum EvidenceArchive {
    /// What `verify` reads of a zip before refusing it: an archive is input like any other.
    public static let maxEntries = 100_000
    public static let maxTotalBytes: Int64 = 512 * 1024 * 1024

    /// Writes `files` to a new zip at `url` (an existing file is replaced).
    public static func write(_ files: [EvidenceFile], to url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for file in files {
            let data = Data(file.bytes)
            try archive.addEntry(
                with: file.path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
    }

    /// The zip of `files`, as bytes (written through a temporary file: ZIPFoundation writes archives to files).
    public static func zipped(_ files: [EvidenceFile]) throws -> Data {
        let zip = FileManager.default.temporaryDirectory.appendingPathComponent("breachclock-evidence-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: zip) }
        try write(files, to: zip)
        return try Data(contentsOf: zip)
    }

    /// One thing wrong with a bundle.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case changed(String)
        case missing(String)
        case added(String)
        case unreadable(String)
        case anchor(String)

        public var description: String {
            switch self {
            case .changed(let path): "changed: \(path) (its SHA-256 is not the manifest's)"
            case .missing(let path): "missing: \(path) (listed in the manifest)"
            case .added(let path): "added: \(path) (not in the manifest)"
            case .unreadable(let why): "unreadable: \(why)"
            case .anchor(let why): "anchor: \(why)"
            }
        }
    }

    public struct Verification: Sendable, Equatable {
        public var files: Int
        public var problems: [Problem]
        /// Whether the anchor was checked against the audit chain (a database was given).
        public var anchorChecked: Bool
    }

    /// Reads every entry of the zip at `url`, within the limits.
    static func entries(_ url: URL) throws(Problem) -> [String: [UInt8]] {
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch { throw .unreadable("\(url.lastPathComponent) is not a zip archive") }
        var result: [String: [UInt8]] = [:]
        var count = 0
        var total: Int64 = 0
        for entry in archive {
            count += 1
            total += Int64(entry.uncompressedSize)
            guard count <= maxEntries, total <= maxTotalBytes else {
                throw .unreadable("more than \(maxEntries) entries or \(maxTotalBytes / 1_048_576) MiB uncompressed")
            }
            guard entry.type == .file else { continue }
            var bytes: [UInt8] = []
            do {
                _ = try archive.extract(entry, skipCRC32: false) { data in bytes += data }
            } catch {
                throw .unreadable("entry \(entry.path) cannot be read (\(error))")
            }
            result[entry.path] = bytes
        }
        return result
    }

    /// The files of the zip at `url`, by path (within the limits), to inspect or repack.
    public static func files(in url: URL) throws -> [EvidenceFile] {
        try entries(url).map { EvidenceFile(path: $0.key, bytes: $0.value) }.sorted { $0.path < $1.path }
    }

    static func sha256(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }

    /// Recomputes every hash and names every file that changed, went missing or was added; with
    /// `store`, checks that the audit chain's line named by `anchor.json` records this manifest.
    public static func verify(_ url: URL, store: IncidentStore?) async throws -> Verification {
        let files: [String: [UInt8]]
        do { files = try entries(url) } catch { return Verification(files: 0, problems: [error], anchorChecked: false) }
        guard let manifestBytes = files["manifest.json"],
            let manifest = try? JSONDecoder().decode(EvidenceManifest.self, from: Data(manifestBytes))
        else {
            return Verification(files: files.count, problems: [.unreadable("manifest.json is missing or not a manifest")], anchorChecked: false)
        }
        var problems: [Problem] = []
        var listed: Set<String> = ["manifest.json", "anchor.json"]
        for entry in manifest.files {
            listed.insert(entry.path)
            guard let bytes = files[entry.path] else {
                problems.append(.missing(entry.path))
                continue
            }
            if sha256(bytes) != entry.sha256 || bytes.count != entry.bytes { problems.append(.changed(entry.path)) }
        }
        for path in files.keys.sorted() where !listed.contains(path) { problems.append(.added(path)) }
        let manifestSHA = sha256(manifestBytes)
        var anchorChecked = false
        if let anchorBytes = files["anchor.json"], let anchor = try? JSONDecoder().decode(EvidenceAnchor.self, from: Data(anchorBytes)) {
            if anchor.manifestSHA256 != manifestSHA {
                problems.append(.changed("manifest.json"))
            }
            if let store {
                anchorChecked = true
                if let line = try await store.auditLine(seq: anchor.auditSeq) {
                    let logged = line.after.flatMap { try? JSONDecoder.decode(EvidenceExportLine.self, from: $0) }
                    if line.action != "evidence.export" || logged?.manifestSHA256 != manifestSHA {
                        problems.append(.anchor("audit line \(anchor.auditSeq) does not record this manifest"))
                    } else if line.hash != anchor.auditHash {
                        problems.append(.anchor("audit line \(anchor.auditSeq)'s hash is not the one the bundle names"))
                    }
                    let chain = try await store.verifyAudit()
                    if let broken = chain.firstBreak, broken.seq <= anchor.auditSeq {
                        problems.append(.anchor("the audit chain is broken at line \(broken.seq), before the anchor: \(broken.reason)"))
                    }
                } else {
                    problems.append(.anchor("the audit log has no line \(anchor.auditSeq)"))
                }
            }
        } else {
            problems.append(.missing("anchor.json"))
        }
        return Verification(files: manifest.files.count, problems: problems, anchorChecked: anchorChecked)
    }
}
