import BreachClockLoader
import BreachClockRules
import Configuration
import Foundation

/// One setting of the service. Its name is its flag without `--` and its key in a config file; its
/// environment variable is `BREACHCLOCK_` and the name in capitals with `_` for `-`.
struct SettingSpec: Sendable {
    var name: String
    /// The default as text, or nil when unset means "none".
    var defaultValue: String?
    /// What the setting is for, and the values it takes.
    var help: String

    var flag: String { "--" + name }
    var variable: String { "BREACHCLOCK_" + name.uppercased().replacingOccurrences(of: "-", with: "_") }
}

/// The settings of `serve` and of the commands that open its database, resolved by
/// swift-configuration's `ConfigReader` over three providers, first found wins: the flags given,
/// the environment, the config file (`--config` or `BREACHCLOCK_CONFIG`, YAML or JSON). The default
/// applies when none has the setting.
///
/// The config file is read with the project's own strict parser rather than the library's file
/// provider: an unknown key, a duplicate key or a nested value is an error with its line and
/// column, where the library's provider would ignore a misspelt key and fall back to the default.
/// Every value is handed to the reader as text and checked here, one way whatever its source, and
/// an error names where the bad value came from (the flag, the variable or the file's line).
struct Settings: Sendable {
    static let all: [SettingSpec] = [
        SettingSpec(name: "host", defaultValue: "127.0.0.1", help: "address to listen on"),
        SettingSpec(name: "port", defaultValue: "8080", help: "port to listen on (0: any free port)"),
        SettingSpec(name: "port-file", defaultValue: nil, help: "file to write the port to once listening (with --port 0, the one chosen)"),
        SettingSpec(name: "db", defaultValue: "breachclock.sqlite", help: "a SQLite file, or postgres://user:password@host:port/db"),
        SettingSpec(name: "db-pool-size", defaultValue: "10", help: "PostgreSQL: connections per instance, 1 to 1000"),
        SettingSpec(name: "db-statement-timeout", defaultValue: "30", help: "PostgreSQL: seconds a statement may run, 1 to 3600"),
        SettingSpec(name: "rules", defaultValue: nil, help: "the rules folder; unset: ./Jurisdictions, or the one beside the program"),
        SettingSpec(name: "log-level", defaultValue: "info", help: "trace, debug, info, notice, warning, error or critical"),
        SettingSpec(name: "log-format", defaultValue: "text", help: "text or json"),
        SettingSpec(
            name: "webhook-allow", defaultValue: nil,
            help: "networks webhooks may reach although private or loopback, e.g. 10.0.0.0/8,127.0.0.1"),
        SettingSpec(name: "public-url", defaultValue: nil, help: "the server's public address, for links in webhook messages"),
        SettingSpec(name: "webhook-rescue-after", defaultValue: "60", help: "seconds before a dead worker's claim is sent again"),
        SettingSpec(name: "audit-key", defaultValue: nil, help: "key file that signs audit checkpoints (`breachclock audit keygen`)"),
        SettingSpec(name: "audit-checkpoints", defaultValue: nil, help: "append-only file that receives a copy of each checkpoint"),
        SettingSpec(name: "audit-checkpoint-every", defaultValue: "60", help: "seconds between checkpoints while the audit log grows"),
    ]

    /// The table `serve --help` prints: every setting with its flag, variable and default.
    static var helpTable: String {
        let rows = all.map { spec in
            "  \(spec.flag), \(spec.variable) (default \(spec.defaultValue ?? "none"))\n      \(spec.help)"
        }
        return rows.joined(separator: "\n")
    }

    /// Where one source's values came from, for error messages.
    private enum Source: Sendable {
        case flags, environment
        case file(path: String, lines: [String: Int])
    }

    private let reader: ConfigReader
    private let providers: [(source: Source, provider: any ConfigProvider)]

    /// - Parameters:
    ///   - flags: the flags given on the command line, by setting name (absent ones omitted).
    ///   - environment: the process environment (tests pass their own).
    ///   - configFile: `--config`, else `BREACHCLOCK_CONFIG` from `environment`, else none.
    /// - Throws: `CommandFailure.badInput` for a config file that cannot be read, or holds an unknown
    ///   key or a value that is not text, a number, true or false, or (for `webhook-allow`) a list.
    init(flags: [String: String], environment: [String: String], configFile: String?) throws {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, value) in flags { values[AbsoluteConfigKey([name])] = ConfigValue(.string(value), isSecret: name == "db") }
        var providers: [(Source, any ConfigProvider)] = [
            (.flags, InMemoryProvider(name: "flags", values: values)),
            // `db-pool-size` is BREACHCLOCK_DB_POOL_SIZE: the library capitalises and turns `-` into `_`.
            (.environment, EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "breachclock")),
        ]
        if let path = configFile ?? environment["BREACHCLOCK_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            let (fileValues, lines) = try Self.readConfigFile(path)
            providers.append((.file(path: path, lines: lines), InMemoryProvider(name: "config file", values: fileValues)))
        }
        self.providers = providers
        reader = ConfigReader(providers: providers.map(\.1))
    }

    /// The setting's value as text: from its source of highest precedence, else its default.
    func text(_ name: String) -> String? {
        reader.string(forKey: ConfigKey([name])) ?? Self.spec(name).defaultValue
    }

    /// A whole number within `range`; the error names the setting, its source and the range.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int {
        let value = text(name) ?? ""
        guard let number = Int(value), range.contains(number) else {
            throw CommandFailure.badInput(
                "\(origin(of: name)): expected a whole number from \(range.lowerBound) to \(range.upperBound), found `\(value)`")
        }
        return number
    }

    /// Where the setting's value comes from: `--port`, `BREACHCLOCK_PORT`, `serve.yaml:3 (port)`, or
    /// `port (default)`.
    func origin(of name: String) -> String {
        let spec = Self.spec(name)
        for (source, provider) in providers {
            guard (try? provider.value(forKey: AbsoluteConfigKey([name]), type: .string).value) ?? nil != nil else { continue }
            switch source {
            case .flags: return spec.flag
            case .environment: return spec.variable
            case .file(let path, let lines): return "\(path):\(lines[name] ?? 1) (\(name))"
            }
        }
        return "\(name) (default)"
    }

    private static func spec(_ name: String) -> SettingSpec {
        guard let spec = all.first(where: { $0.name == name }) else { preconditionFailure("no setting named \(name)") }
        return spec
    }

    /// Reads a config file: a mapping of setting names to text, numbers, true or false (and a list
    /// of networks for `webhook-allow`), in YAML or JSON.
    private static func readConfigFile(_ path: String) throws -> ([AbsoluteConfigKey: ConfigValue], [String: Int]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure.badInput("--config: cannot read `\(path)`")
        }
        let root: DocumentNode
        do {
            root = try DocumentParser.parse([UInt8](data), format: DocumentFormat.of(fileName: path), file: path, limits: .facts)
        } catch {
            throw CommandFailure.badInput("config file \(error)")
        }
        guard case .mapping(let entries, _) = root else {
            throw CommandFailure.badInput("config file \(path): expected a mapping of setting names to values, found \(root.shapeName)")
        }
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        var lines: [String: Int] = [:]
        for entry in entries {
            let at = "config file \(path):\(entry.keyAt.line):\(entry.keyAt.column)"
            guard all.contains(where: { $0.name == entry.key }) else {
                let known = all.map(\.name).joined(separator: ", ")
                throw CommandFailure.badInput(
                    "\(at): unknown setting `\(entry.key)` (known: \(known); `executor` is read before the file, from its flag or variable)")
            }
            let text: String
            switch entry.value {
            case .scalar(let value, _, _) where !entry.value.isNull:
                text = value
            case .sequence(let items, _) where entry.key == "webhook-allow":
                text = try items.map { item in
                    guard case .scalar(let value, _, _) = item, !item.isNull else {
                        throw CommandFailure.badInput("\(at): `webhook-allow` lists networks as text")
                    }
                    return value
                }.joined(separator: ",")
            default:
                throw CommandFailure.badInput("\(at): `\(entry.key)` takes text, a number or true or false, found \(entry.value.shapeName)")
            }
            values[AbsoluteConfigKey([entry.key])] = ConfigValue(.string(text), isSecret: entry.key == "db")
            lines[entry.key] = entry.keyAt.line
        }
        return (values, lines)
    }
}
