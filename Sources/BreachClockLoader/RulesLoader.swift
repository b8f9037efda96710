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
        let files = try files()
        if files.isEmpty {
            throw RulebookError(issues: [DocumentIssue(location: SourceLocation(file: directory.path, line: 1, column: 1), path: "",
                message: "no rule files (*.yaml) found in the rules folder")])
        }
        var hasher = SHA256()
        var problems: [DocumentIssue] = []
        var rules: [Rule] = []
        var calendars: [HolidayCalendar] = []
        for file in files {
            let data: Data
            do {
                data = try Data(contentsOf: file.url)
            } catch {
                problems.append(DocumentIssue(location: SourceLocation(file: file.relative, line: 1, column: 1), path: "", message: "cannot read the file"))
                continue
            }
            hasher.update(data: Data(file.relative.utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: data)
            guard let text = String(data: data, encoding: .utf8) else {
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
        let digest = "sha256:" + hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        return try Rulebook(rules: rules, calendars: calendars, digest: digest)
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
