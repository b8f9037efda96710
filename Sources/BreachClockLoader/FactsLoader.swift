import BreachClockCalculator
import BreachClockRules
import Foundation

/// Reads incident facts (contract v1) from JSON or YAML, within `DocumentLimits.facts`.
public enum FactsLoader {
    /// Parses and validates; syntax errors, limits crossed and invalid fields all come back as `InvalidFacts`.
    public static func load(bytes: [UInt8], format: DocumentFormat?, file: String, decoder: FactsDecoder) throws(InvalidFacts)
        -> IncidentFacts
    {
        let root: DocumentNode
        do {
            root = try DocumentParser.parse(bytes, format: format, file: file, limits: .facts)
        } catch {
            throw InvalidFacts(issues: [error])
        }
        return try decoder.decode(root)
    }

    /// Parses and validates text, telling JSON from YAML by `file`'s name or else by the content.
    public static func load(text: String, file: String, decoder: FactsDecoder) throws(InvalidFacts) -> IncidentFacts {
        try load(bytes: Array(text.utf8), format: DocumentFormat.of(fileName: file), file: file, decoder: decoder)
    }

    /// Reads at most `limit` bytes from a file (`-` is standard input); nil when it cannot be read.
    /// Reading stops one byte past the limit, so a huge file costs no more than the limit to refuse.
    public static func readBounded(path: String, limit: Int = DocumentLimits.facts.maxBytes) -> [UInt8]? {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            // A folder opens for reading on Linux and reads as nothing: refuse it here.
            guard PathProblem.of(file: path) == nil, let opened = FileHandle(forReadingAtPath: path) else { return nil }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        var bytes: [UInt8] = []
        while bytes.count <= limit {
            guard let chunk = try? handle.read(upToCount: min(65_536, limit + 1 - bytes.count)), !chunk.isEmpty else { break }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }
}

/// Why a path given on the command line cannot be read, in words: "no such file", "is a folder, not
/// a file" and the like, so that a typo and a wrong argument read differently.
public enum PathProblem {
    /// Nil when `path` is a readable file.
    public static func of(file path: String) -> String? { problem(path, folder: false) }

    /// Nil when `path` is a readable folder.
    public static func of(folder path: String) -> String? { problem(path, folder: true) }

    static func problem(_ path: String, folder: Bool) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return folder ? "no such folder" : "no such file" }
        if isDirectory.boolValue != folder { return folder ? "is a file, not a folder" : "is a folder, not a file" }
        return FileManager.default.isReadableFile(atPath: path) ? nil : "cannot be read (permission denied)"
    }
}
