import BreachClockRules
import Crypto
import Foundation

/// Reads the rules database from a folder (`Jurisdictions/`): every `*.yaml` rule file, and the
/// holiday calendars under `calendars/`. Nothing is returned while any file has an error.
public struct RulesLoader: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// The rule and calendar files, sorted by relative path.
    public func files() throws(RulebookError) -> [(relative: String, url: URL)] {
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw RulebookError(issues: [DocumentIssue(location: SourceLocation(file: directory.path, line: 1, column: 1), path: "",
                message: "cannot read the rules folder")])
        }
        var found: [(String, URL)] = []
        let base = directory.standardizedFileURL.path
        for case let url as URL in enumerator where url.pathExtension == "yaml" || url.pathExtension == "yml" {
            let full = url.standardizedFileURL.path
            let relative = full.hasPrefix(base + "/") ? String(full.dropFirst(base.count + 1)) : full
            found.append((relative, url))
        }
        return found.sorted { $0.0 < $1.0 }
    }

    /// Loads and checks everything. Errors name `file:line:column`, with the file relative to the folder.
    public func load() throws(RulebookError) -> Rulebook {
        try load(places: nil, cache: nil)
    }

    /// Loads the rules an incident in `places` needs, or every rule when `places` is nil.
    ///
    /// Parsing every file on each run would dominate a short CLI call, so when `cache` records that
    /// these exact bytes (the digest covers every file) were already validated in full, only the
    /// calendars, the regime files (not named by a place code) and the files of `places` are parsed.
    /// Otherwise everything is parsed and validated, and on success the digest is recorded.
    /// Either way the calculator never runs on a database that has not passed validation.
    public func load(places: [String]?, cache: ValidationCache?) throws(RulebookError) -> Rulebook {
        let files = try files()
        if files.isEmpty {
            throw RulebookError(issues: [DocumentIssue(location: SourceLocation(file: directory.path, line: 1, column: 1), path: "",
                message: "no rule files (*.yaml) found in the rules folder")])
        }
        var hasher = SHA256()
        var contents: [(relative: String, data: Data)] = []
        var problems: [DocumentIssue] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.url.path) else {
                problems.append(DocumentIssue(location: SourceLocation(file: file.relative, line: 1, column: 1), path: "", message: "cannot read the file"))
                continue
            }
            hasher.update(data: Data(file.relative.utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: data)
            contents.append((file.relative, data))
        }
        if !problems.isEmpty { throw RulebookError(issues: problems) }
        let digest = "sha256:" + hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()

        let partial = places != nil && cache?.isValidated(digest) == true
        let wanted = Set(places ?? [])
        var rules: [Rule] = []
        var calendars: [HolidayCalendar] = []
        for file in contents {
            if partial && !RulesLoader.isNeeded(file.relative, file.data, places: wanted) { continue }
            guard let text = String(data: file.data, encoding: .utf8) else {
                problems.append(DocumentIssue(location: SourceLocation(file: file.relative, line: 1, column: 1), path: "", message: "the file is not UTF-8 text"))
                continue
            }
            let root: DocumentNode
            do {
                root = try DocumentParser.parse(text, file: file.relative)
            } catch {
                problems.append(error)
                continue
            }
            let collector = IssueCollector()
            let decoder = RuleDecoder(file: file.relative, issues: collector)
            if file.relative.hasPrefix("calendars/") {
                if let calendar = decoder.decodeCalendar(root) { calendars.append(calendar) }
            } else if let rule = decoder.decodeRule(root) {
                rules.append(rule)
            }
            problems.append(contentsOf: collector.issues)
        }
        if !problems.isEmpty { throw RulebookError(issues: problems) }
        let rulebook = try Rulebook(rules: rules, calendars: calendars, digest: digest)
        if !partial { cache?.markValidated(digest) }
        return rulebook
    }

    /// Whether a file may hold a rule for `places`: calendars and regime files always; a file named by
    /// a place code (`US/US-CA.yaml`) only for that place, unless it lists other places in `covers`.
    static func isNeeded(_ relative: String, _ data: Data, places: Set<String>) -> Bool {
        if relative.hasPrefix("calendars/") { return true }
        let stem = (relative as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: "").replacingOccurrences(of: ".yml", with: "")
        guard PlaceCodes.isKnown(stem) else { return true }
        if places.contains(stem) { return true }
        // A place file that also covers other places must be read to know which.
        return data.range(of: Data("\ncovers:".utf8)) != nil || data.starts(with: Data("covers:".utf8))
    }

    /// Finds the rules folder: `explicit`, then `$BREACHCLOCK_RULES`, then `./Jurisdictions`, then a
    /// `Jurisdictions` folder beside the executable or above it (a build folder inside the checkout),
    /// then `../share/breachclock/Jurisdictions` from the executable (an installed layout).
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String = CommandLine.arguments.first ?? "") -> URL?
    {
        let fm = FileManager.default
        func isDir(_ url: URL) -> Bool {
            var flag: ObjCBool = false
            return fm.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
        }
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let env = environment["BREACHCLOCK_RULES"], !env.isEmpty { return URL(fileURLWithPath: env) }
        let local = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("Jurisdictions")
        if isDir(local) { return local }
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = dir.deletingLastPathComponent().appendingPathComponent("share/breachclock/Jurisdictions")
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("Jurisdictions")
            if isDir(candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return isDir(installed) ? installed : nil
    }
}

/// Remembers which rules databases (by digest) passed full validation, so later runs can parse only
/// the files an incident needs. One empty marker file per digest in a cache folder.
public struct ValidationCache: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// `$BREACHCLOCK_CACHE`, else `$XDG_CACHE_HOME/breachclock`, else `~/.cache/breachclock`; nil when
    /// `$BREACHCLOCK_CACHE` is `off`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ValidationCache? {
        if let explicit = environment["BREACHCLOCK_CACHE"], !explicit.isEmpty {
            return explicit == "off" ? nil : ValidationCache(directory: URL(fileURLWithPath: explicit))
        }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return ValidationCache(directory: URL(fileURLWithPath: xdg).appendingPathComponent("breachclock"))
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return ValidationCache(directory: URL(fileURLWithPath: home).appendingPathComponent(".cache/breachclock"))
    }

    func marker(_ digest: String) -> URL {
        directory.appendingPathComponent("validated-" + digest.replacingOccurrences(of: "sha256:", with: ""))
    }

    public func isValidated(_ digest: String) -> Bool {
        FileManager.default.fileExists(atPath: marker(digest).path)
    }

    /// Best effort: a cache that cannot be written only means full validation next time.
    public func markValidated(_ digest: String) {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: marker(digest).path, contents: Data())
    }
}
