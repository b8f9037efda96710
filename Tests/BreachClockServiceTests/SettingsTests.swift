import BreachClockTestSupport
import Foundation
import Testing

@testable import BreachClockCLI

/// `serve`'s settings through swift-configuration: flag, then environment, then config file, then
/// default (issue 14), and errors that name where a bad value came from.
@Suite struct SettingsTests {
    /// A config file in a folder of its own; removed by the caller.
    func configFile(_ text: String, name: String = "breachclock.yaml") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-settings-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    struct Layer: Sendable, CustomTestStringConvertible {
        var flag: String?
        var variable: String?
        var file: String?
        var expected: Int
        var origin: String
        var testDescription: String { "flag \(flag ?? "-"), env \(variable ?? "-"), file \(file ?? "-") → \(expected)" }
    }

    static let layers: [Layer] = [
        Layer(flag: "1001", variable: "1002", file: "1003", expected: 1001, origin: "--port"),
        Layer(flag: nil, variable: "1002", file: "1003", expected: 1002, origin: "BREACHCLOCK_PORT"),
        Layer(flag: nil, variable: nil, file: "1003", expected: 1003, origin: ":2 (port)"),
        Layer(flag: nil, variable: nil, file: nil, expected: 8080, origin: "port (default)"),
        Layer(flag: "1001", variable: nil, file: "1003", expected: 1001, origin: "--port"),
    ]

    @Test(arguments: layers)
    func precedence(_ layer: Layer) throws {
        let file = try configFile("host: 10.1.1.1\n" + (layer.file.map { "port: \($0)\n" } ?? ""))
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let settings = try Settings(
            flags: layer.flag.map { ["port": $0] } ?? [:],
            environment: layer.variable.map { ["BREACHCLOCK_PORT": $0] } ?? [:], configFile: file.path)
        #expect(try settings.integer("port", in: 0...65_535) == layer.expected)
        #expect(settings.origin(of: "port").hasSuffix(layer.origin), "\(settings.origin(of: "port"))")
        #expect(settings.text("host") == "10.1.1.1")
        #expect(settings.text("log-level") == "info")
        #expect(settings.text("public-url") == nil)
    }

    /// The file is named by `BREACHCLOCK_CONFIG` when there is no `--config`; JSON works as YAML does,
    /// and a list of networks is accepted for `webhook-allow`.
    @Test func fileFromTheEnvironmentInJSON() throws {
        let file = try configFile(
            #"{"db": "/var/lib/breachclock/db.sqlite", "webhook-allow": ["10.0.0.0/8", "127.0.0.1"], "db-pool-size": 4}"#,
            name: "settings.json")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let settings = try Settings(flags: [:], environment: ["BREACHCLOCK_CONFIG": file.path], configFile: nil)
        #expect(settings.text("db") == "/var/lib/breachclock/db.sqlite")
        #expect(settings.text("webhook-allow") == "10.0.0.0/8,127.0.0.1")
        #expect(try settings.integer("db-pool-size", in: 1...1000) == 4)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var file: String
        var environment: [String: String]
        var expected: String
        var testDescription: String { expected }
    }

    static let refusals: [Refusal] = [
        Refusal(file: "port: 8081\nprot: 8082\n", environment: [:], expected: ":2:1: unknown setting `prot`"),
        Refusal(file: "port: 8081\nport: 8082\n", environment: [:], expected: "duplicate key `port`"),
        Refusal(file: "port: {number: 8081}\n", environment: [:], expected: "`port` takes text, a number or true or false, found a mapping"),
        Refusal(file: "- port\n", environment: [:], expected: "expected a mapping of setting names to values, found a list"),
        Refusal(file: "executor: dispatch\n", environment: [:], expected: "`executor` is read before the file"),
    ]

    @Test(arguments: refusals)
    func badFilesAreRefusedWithTheirLine(_ refusal: Refusal) throws {
        let file = try configFile(refusal.file)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let error = #expect(throws: CommandFailure.self) { try Settings(flags: [:], environment: refusal.environment, configFile: file.path) }
        #expect(error?.message.contains(refusal.expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(file.path) == true)
    }

    /// A bad value is an error naming its source, never the default in silence (the library's own
    /// typed getters fall back to the default when a value does not convert).
    @Test func badValuesNameTheirSource() throws {
        let file = try configFile("db-pool-size: 0\nport: 70000\n")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let fromFile = try Settings(flags: [:], environment: [:], configFile: file.path)
        let poolError = #expect(throws: CommandFailure.self) { try fromFile.integer("db-pool-size", in: 1...1000) }
        #expect(poolError?.message == "\(file.path):1 (db-pool-size): expected a whole number from 1 to 1000, found `0`")
        let fromEnvironment = try Settings(flags: [:], environment: ["BREACHCLOCK_PORT": "eighty"], configFile: file.path)
        let portError = #expect(throws: CommandFailure.self) { try fromEnvironment.integer("port", in: 0...65_535) }
        #expect(portError?.message == "BREACHCLOCK_PORT: expected a whole number from 0 to 65535, found `eighty`")
    }

    /// Every command that opens the database reads it from the config file too: `keys create`
    /// with only `--config` creates the database the file names.
    @Test func databaseCommandsReadTheFile() async throws {
        let file = try configFile("")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let database = file.deletingLastPathComponent().appendingPathComponent("from-config.sqlite")
        try "db: \(database.path)\n".write(to: file, atomically: true, encoding: .utf8)
        let created = await runCLI(["keys", "create", "--name", "ops", "--role", "admin", "--config", file.path])
        #expect(created.code == 0, "\(created.err)")
        #expect(FileManager.default.fileExists(atPath: database.path))
        let refused = await runCLI(["serve", "--config", file.path, "--port", "99999"])
        #expect(refused.code == 2)
        #expect(refused.err.contains("--port: expected a whole number from 0 to 65535, found `99999`"), "\(refused.err)")
    }

    /// `serve --help` lists every setting with its flag, its variable and its default.
    @Test func helpListsEverySetting() async throws {
        let help = await runCLI(["serve", "--help"])
        for spec in Settings.all {
            #expect(help.out.contains("\(spec.flag), \(spec.variable) (default \(spec.defaultValue ?? "none"))"), "\(spec.name)")
        }
    }
}
