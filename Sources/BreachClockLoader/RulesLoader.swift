import BreachClockRules
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the rules database from a folder (`Jurisdictions/`): every `*.yaml` rule file, and the
/// holiday calendars under `calendars/`. Nothing is returned while any file has an error.
public struct RulesLoader: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// The rule and calendar files, sorted by relative path, with their full paths. Walks the folder
    /// with `opendir`/`readdir` on path strings: this runs on every CLI call, and Foundation's
    /// directory enumerator cost about 10 µs per entry (1.5 ms for the 160 files of the database,
    /// measured with `breachclock-bench`'s warm load).
    public func files() throws(RulebookError) -> [(relative: String, path: String)] {
        try stampedFiles().map { ($0.relative, $0.path) }
    }

    /// The files with a stamp each (size, modification time and inode, from the walk's own `stat`),
    /// which the archive fingerprint hashes, so each file is looked at once.
    func stampedFiles() throws(RulebookError) -> [(relative: String, path: String, stamp: String)] {
        let base = directory.path
        var found: [(String, String, String)] = []
        guard RulesLoader.walk(base, relative: "", into: &found, depth: 0) else {
            throw RulebookError(issues: [
                DocumentIssue(
                    location: SourceLocation(file: base, line: 1, column: 1), path: "",
                    message: "the rules folder: \(PathProblem.of(folder: base) ?? "cannot be read")")
            ])
        }
        return found.sorted { $0.0 < $1.0 }
    }

    /// Adds the `.yaml`/`.yml` files below `path` to `found`; false when `path` cannot be read.
    /// Hidden entries are skipped, and the walk stops at 16 levels, so a symbolic-link loop ends.
    static func walk(_ path: String, relative: String, into found: inout [(String, String, String)], depth: Int) -> Bool {
        guard depth < 16, let dir = opendir(path) else { return false }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            let full = path + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard stat(full, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                _ = walk(full, relative: rel, into: &found, depth: depth + 1)
            } else if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                #if canImport(Darwin)
                    let modified = info.st_mtimespec  // Darwin's name for it
                #else
                    let modified = info.st_mtim
                #endif
                found.append((rel, full, "\(info.st_size)\u{0}\(modified.tv_sec).\(modified.tv_nsec)\u{0}\(info.st_ino)"))
            }
        }
        return true
    }

    /// Loads and checks everything. Errors name `file:line:column`, with the file relative to the folder.
    public func load() throws(RulebookError) -> Rulebook {
        try load(places: nil, cache: nil)
    }

    /// Loads the rules an incident in `places` needs, or every rule when `places` is nil.
    ///
    /// Reading and parsing every YAML file on each run would dominate a short CLI call. So once the
    /// files have passed full validation, their parsed documents are kept in `cache` as a
    /// `NodeArchive`, named by a fingerprint of the files' names, sizes and modification times and
    /// holding the content digest. Later runs stat the files, read the archive instead of the YAML
    /// and, given `places`, decode only the calendars, the regime files and the files named by those
    /// places. Without an archive everything is read, hashed, parsed and validated, and on success
    /// the archive is written. Either way the calculator never runs on files that have not passed
    /// validation (an edit changes the modification time, so the fingerprint).
    /// `window`, when given, holds every date of the incident: versions of a rule that are in force on
    /// none of those days are not decoded on a warm run (`RuleDecoder.decodeRule(_:window:)`).
    /// - Parameter sectors: on the warm path, regime files (`requires: sectors`) for none of these
    ///   sectors are not decoded (they could not apply); nil decodes them all.
    public func load(places: [String]?, sectors: Set<String>? = nil, window: ClosedRange<CivilDate>? = nil, cache: ValidationCache?)
        throws(RulebookError) -> Rulebook
    {
        let stamped = try stampedFiles()
        let files = stamped.map { (relative: $0.relative, path: $0.path) }
        if files.isEmpty {
            throw RulebookError(issues: [
                DocumentIssue(
                    location: SourceLocation(file: directory.path, line: 1, column: 1), path: "",
                    message: "no rule files (*.yaml) found in the rules folder")
            ])
        }
        // Warm path: the files' names, sizes and modification times name an archive made from them.
        let fingerprint = cache == nil ? nil : RulesLoader.fingerprint(stamped)
        if let fingerprint, let archive = cache?.archive(for: fingerprint),
            let rulebook = try? decodeArchive(archive, digest: archive.digest, places: places.map(Set.init), sectors: sectors, window: window)
        {
            return rulebook
        }
        var hasher = SHA256()
        var contents: [(relative: String, data: Data)] = []
        var problems: [DocumentIssue] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                problems.append(
                    DocumentIssue(location: SourceLocation(file: file.relative, line: 1, column: 1), path: "", message: "cannot read the file"))
                continue
            }
            hasher.update(data: Data(file.relative.utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: data)
            contents.append((file.relative, data))
        }
        if !problems.isEmpty { throw RulebookError(issues: problems) }
        let digest =
            "sha256:"
            + hasher.finalize().map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()

        var parsed: [(relative: String, root: DocumentNode)] = []
        for file in contents {
            do {
                parsed.append((file.relative, try DocumentParser.parse([UInt8](file.data), format: .yaml, file: file.relative, limits: .rules)))
            } catch {
                problems.append(error)
            }
        }
        if !problems.isEmpty {
            // Report every file's problems in one run: the files that did parse are still decoded,
            // though cross-file checks wait until every file parses.
            let decoded = decodeFiles(parsed, window: nil)
            throw RulebookError(
                issues: (problems + decoded.problems).sorted { ($0.location.file, $0.location.line) < ($1.location.file, $1.location.line) })
        }
        let rulebook = try decode(parsed, digest: digest)
        if let fingerprint { cache?.store(NodeArchive.encode(parsed, digest: digest), for: fingerprint) }
        return rulebook
    }

    /// Decodes parsed files into a rulebook, checking each rule sits in the file named by its code.
    func decode(
        _ parsed: [(relative: String, root: DocumentNode)], digest: String, window: ClosedRange<CivilDate>? = nil,
        partial: Bool = false
    ) throws(RulebookError) -> Rulebook {
        let decoded = decodeFiles(parsed, window: window)
        if !decoded.problems.isEmpty { throw RulebookError(issues: decoded.problems) }
        return try Rulebook(rules: decoded.rules, calendars: decoded.calendars, digest: digest, partial: partial)
    }

    /// Decodes each file on its own, collecting every file's problems.
    func decodeFiles(_ parsed: [(relative: String, root: DocumentNode)], window: ClosedRange<CivilDate>?)
        -> (rules: [Rule], calendars: [HolidayCalendar], problems: [DocumentIssue])
    {
        var problems: [DocumentIssue] = []
        var rules: [Rule] = []
        var calendars: [HolidayCalendar] = []
        for file in parsed {
            let collector = IssueCollector()
            let decoder = RuleDecoder(file: file.relative, issues: collector)
            if file.relative.hasPrefix("calendars/") {
                if let calendar = decoder.decodeCalendar(file.root) {
                    if calendar.code != RulesLoader.stem(file.relative) {
                        collector.report(file.root, "code", "calendar `\(calendar.code)` must be in a file named \(calendar.code).yaml")
                    } else {
                        calendars.append(calendar)
                    }
                }
            } else if let rule = decoder.decodeRule(file.root, window: window) {
                let stem = RulesLoader.stem(file.relative)
                if stem != rule.code {
                    collector.report(file.root, "code", "rule `\(rule.code)` must be in a file named \(rule.code).yaml")
                } else if PlaceCodes.isKnown(stem)
                    && (!rule.covers.contains(stem) || !rule.covers.allSatisfy { PlaceCodes.isWithin($0, country: stem) })
                {
                    collector.report(
                        file.root, "covers",
                        "a rule named by a place code covers that place and its own subdivisions only; a regime over several places needs a code of its own"
                    )
                } else {
                    rules.append(rule)
                }
            }
            problems.append(contentsOf: collector.reported)
        }
        return (rules, calendars, problems)
    }

    /// Reads a validated archive, decoding only what `places` need (everything when nil).
    func decodeArchive(
        _ archive: NodeArchive.Contents, digest: String, places: Set<String>?, sectors: Set<String>? = nil,
        window: ClosedRange<CivilDate>?
    ) throws -> Rulebook {
        var parsed: [(relative: String, root: DocumentNode)] = []
        var calendarFiles: [Int] = []
        for (index, entry) in archive.entries.enumerated() {
            // Calendars are decoded after the rules, and only those the rules name.
            if places != nil && entry.relative.hasPrefix("calendars/") {
                calendarFiles.append(index)
                continue
            }
            if let places, !RulesLoader.isNeeded(entry.relative, places: places) { continue }
            // A regime for none of the incident's sectors is passed over from the table of contents.
            if let sectors, let required = entry.requiredSectors, required.isDisjoint(with: sectors) { continue }
            guard let root = archive.root(at: index) else { throw RulebookError(issues: []) }
            parsed.append((entry.relative, root))
        }
        if !calendarFiles.isEmpty {
            var named = Set<String>()
            for file in parsed { RulesLoader.collectCalendars(file.root, into: &named) }
            for index in calendarFiles where named.contains(RulesLoader.stem(archive.entries[index].relative)) {
                guard let root = archive.root(at: index) else { throw RulebookError(issues: []) }
                parsed.append((archive.entries[index].relative, root))
            }
        }
        return try decode(parsed, digest: digest, window: window, partial: places != nil || sectors != nil)
    }

    /// The calendar codes a parsed rule file names (`calendar:` anywhere in it). A calendar file is
    /// named by its code, which full validation checks.
    static func collectCalendars(_ node: DocumentNode, into named: inout Set<String>) {
        switch node {
        case .scalar: return
        case .sequence(let items, _): for item in items { collectCalendars(item, into: &named) }
        case .mapping(let entries, _):
            for entry in entries {
                if entry.key == "calendar", case .scalar(let code, _, _) = entry.value {
                    named.insert(code)
                } else {
                    collectCalendars(entry.value, into: &named)
                }
            }
        }
    }

    /// A regime file's `requires: sectors`, read from the parsed file without decoding the rule.
    static func requiredSectors(_ root: DocumentNode) -> Set<String>? {
        guard case .sequence(let items, _)? = root["requires"]?["sectors"] else { return nil }
        return Set(items.compactMap { if case .scalar(let text, _, _) = $0 { return text } else { return nil } })
    }

    /// A digest of each file's path, size and modification time: it changes whenever a file is
    /// edited, added, removed or checked out, without reading the files.
    static func fingerprint(_ files: [(relative: String, path: String, stamp: String)]) -> String {
        var hasher = SHA256()
        for file in files {
            hasher.update(data: Data("\(file.relative)\u{0}\(file.stamp)\n".utf8))
        }
        return hasher.finalize().map { byte in byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
    }

    /// `US/US-CA.yaml` → `US-CA`.
    static func stem(_ relative: String) -> String {
        let name = relative.split(separator: "/").last.map(String.init) ?? relative
        return name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name.hasSuffix(".yml") ? String(name.dropLast(4)) : name
    }

    /// Whether a file may hold a rule for `places`: calendars and regime files always; a file named by
    /// a place code (`US/US-CA.yaml`, which `decode` checks covers only US-CA) only for that place.
    static func isNeeded(_ relative: String, places: Set<String>) -> Bool {
        if relative.hasPrefix("calendars/") { return true }
        let stem = stem(relative)
        // A country's law also covers its subdivisions (PIPEDA: residents counted as CA-QC).
        return !PlaceCodes.isKnown(stem) || places.contains(stem) || places.contains { PlaceCodes.isWithin($0, country: stem) }
    }

    /// Finds the rules folder: `explicit`, then `$BREACHCLOCK_RULES`, then `./Jurisdictions`, then a
    /// `Jurisdictions` folder beside the executable or above it (a build folder inside the checkout),
    /// then `../share/breachclock/Jurisdictions` from the executable (an installed layout).
    public static func locate(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String = CommandLine.arguments.first ?? ""
    ) -> URL? {
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

/// Keeps, per rules digest, the parsed documents of a database that passed full validation, so later
/// runs skip the YAML and decode only the files an incident needs. One archive file per digest.
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

    func file(_ digest: String) -> URL {
        directory.appendingPathComponent("rules-" + digest.replacingOccurrences(of: "sha256:", with: "") + ".bcn")
    }

    /// The archive of a database with this digest that passed full validation, if kept.
    public func archive(for digest: String) -> NodeArchive.Contents? {
        guard let data = try? Data(contentsOf: file(digest), options: .alwaysMapped) else { return nil }
        return NodeArchive.open(data)
    }

    /// Keeps the archive of a database that just passed full validation. Best effort: a cache that
    /// cannot be written only means parsing the YAML again next time.
    public func store(_ archive: Data, for digest: String) {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let target = file(digest)
        let temporary = directory.appendingPathComponent(".\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: archive) else { return }
        if rename(temporary.path, target.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
    }
}
