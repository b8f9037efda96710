import BreachClockCLI
import BreachClockTestSupport
import Foundation

/// Captures what a command writes.
final class CapturedOutput: OutputSink, @unchecked Sendable {
    private let lock = NSLock()
    private var out = ""
    private var err = ""
    let isTerminal: Bool
    let noColorRequested: Bool
    let columns: Int

    init(terminal: Bool = false, noColor: Bool = false, columns: Int = 80) {
        isTerminal = terminal
        noColorRequested = noColor
        self.columns = columns
    }

    func write(_ text: String) { lock.withLock { out += text } }
    func error(_ text: String) { lock.withLock { err += text + (text.hasSuffix("\n") ? "" : "\n") } }
    var standardOutput: String { lock.withLock { out } }
    var standardError: String { lock.withLock { err } }
}

/// The environment commands run in under test: the process's, with the validation cache in a
/// folder of the test run's own, so tests never write to the user's `~/.cache`.
enum TestEnvironment {
    static let cacheFolder = FileManager.default.temporaryDirectory.appendingPathComponent("breachclock-test-cache")

    static var values: [String: String] {
        var values = ProcessInfo.processInfo.environment
        values["BREACHCLOCK_CACHE"] = cacheFolder.path
        values["XDG_CACHE_HOME"] = nil
        return values
    }
}

/// Runs the CLI in process, in the test environment (plus `environment`).
func runCLI(
    _ arguments: [String], terminal: Bool = false, noColorEnvironment: Bool = false, columns: Int = 80,
    environment: [String: String] = [:]
) async -> (code: Int32, out: String, err: String) {
    let output = CapturedOutput(terminal: terminal, noColor: noColorEnvironment, columns: columns)
    let values = TestEnvironment.values.merging(environment) { $1 }
    let code = await CommandEnvironment.$values.withValue(values) {
        await BreachClockCommand.run(arguments: arguments, output: output)
    }
    return (code, output.standardOutput, output.standardError)
}
