import ArgumentParser
import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import Foundation

/// `breachclock`: who must be notified after a data breach, by when, and why.
public struct BreachClockCommand: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "breachclock",
        abstract: "Who must be notified after a data breach, by when, and why.",
        discussion: """
            Exit codes: 0 computed, 2 bad input, 1 internal error (including a rules database with errors).
            The rules folder is --rules, else $BREACHCLOCK_RULES, else ./Jurisdictions, else the one beside the program.
            """,
        version: version,
        subcommands: [
            WhatIfCommand.self, RulesCommand.self, ServeCommand.self, KeysCommand.self, WebhooksCommand.self, AuditCommand.self,
            MigrateCommand.self, ExportCommand.self, ImportCommand.self, ProgrammeCommand.self, ExerciseCommand.self,
            ActionItemsCommand.self, ReviewCommand.self, EvidenceCommand.self, EventsCommand.self, ResponseTimesCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line and exits with the documented codes.
    public static func runMain() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let code = await run(arguments: arguments, output: StandardOutput())
        Foundation.exit(code)
    }

    /// Runs with the given arguments, writing to `output`; returns the exit code. Used by `main` and by tests.
    public static func run(arguments: [String], output: some OutputSink) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            // A cast to a concrete type is a pointer comparison; a cast to a protocol scans the
            // binary's conformance records on first use, which costs a short command noticeably.
            if let whatIf = command as? WhatIfCommand {
                try whatIf.run(output: output)
            } else if let runnable = command as? any AsyncOutputCommand {
                try await runnable.run(output: output)
            } else if let runnable = command as? any OutputCommand {
                try runnable.run(output: output)
            } else {
                try command.run()
            }
            return 0
        } catch let failure as CommandFailure {
            output.error(failure.message)
            return failure.code
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                output.write(fullMessage(for: error) + "\n")
                return 0
            }
            output.error(fullMessage(for: error))
            // Usage and validation errors are bad input.
            return code == .validationFailure ? 2 : code.rawValue == 64 ? 2 : 1
        }
    }
}

/// A failure with its exit code and the message for the user.
public struct CommandFailure: Error {
    public var code: Int32
    public var message: String

    public static func badInput(_ message: String) -> CommandFailure { CommandFailure(code: 2, message: message) }
    public static func internalError(_ message: String) -> CommandFailure { CommandFailure(code: 1, message: message) }
}

/// The environment the commands read their settings from: the process's, unless a caller binds
/// its own for a task (tests do, so that nothing they run reads or writes the user's `~/.cache`).
public enum CommandEnvironment {
    @TaskLocal public static var values: [String: String] = ProcessInfo.processInfo.environment
}

/// Where commands write; tests capture it.
public protocol OutputSink: Sendable {
    func write(_ text: String)
    func error(_ text: String)
    /// Whether standard output is a terminal (for the default format and colour).
    var isTerminal: Bool { get }
    /// Whether the user asked for no colour through the environment (`NO_COLOR`, no-color.org).
    var noColorRequested: Bool { get }
    /// The terminal's width in columns: `COLUMNS`, else the tty's, else 80.
    var columns: Int { get }
}

extension OutputSink {
    public var columns: Int { 80 }
}

/// Standard output and standard error.
public struct StandardOutput: OutputSink {
    public init() {}

    public func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    public func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    public var isTerminal: Bool { isatty(1) == 1 }

    /// `NO_COLOR` set to anything but the empty string.
    public var noColorRequested: Bool { !(CommandEnvironment.values["NO_COLOR"] ?? "").isEmpty }

    /// `COLUMNS` when it is a positive number (the shell's, or the user's override), else the
    /// terminal's own width, else 80 (a pipe or a file).
    public var columns: Int {
        if let text = CommandEnvironment.values["COLUMNS"], let value = Int(text), value > 0 { return value }
        var size = winsize()
        if isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}

/// A command that writes through an `OutputSink`.
public protocol OutputCommand: ParsableCommand {
    func run(output: some OutputSink) throws
}

extension OutputCommand {
    public func run() throws { try run(output: StandardOutput()) }
}

/// A command that does IO asynchronously (the server, the store).
public protocol AsyncOutputCommand: ParsableCommand {
    func run(output: some OutputSink) async throws
}

/// Options shared by commands that read the rules database.
struct RulesOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The rules folder (Jurisdictions/).", valueName: "dir"))
    var rules: String?

    /// Loads every rule, or (with `places`) what an incident in those places needs; see `RulesLoader`.
    /// The validation cache serves both once the files have passed full validation; `rules validate`
    /// passes `cached: false`, so it always reads and checks every file.
    func loadRulebook(places: [String]? = nil, sectors: Set<String>? = nil, window: ClosedRange<CivilDate>? = nil, cached: Bool = true)
        throws -> Rulebook
    {
        guard let directory = RulesLoader.locate(explicit: rules, environment: CommandEnvironment.values) else {
            throw CommandFailure.internalError("cannot find the rules folder: pass --rules DIR or set BREACHCLOCK_RULES")
        }
        do {
            return try RulesLoader(directory: directory).load(
                places: places, sectors: sectors, window: window,
                cache: cached ? ValidationCache.standard(environment: CommandEnvironment.values) : nil)
        } catch {
            throw CommandFailure.internalError("the rules database has errors:\n" + error.description)
        }
    }
}
