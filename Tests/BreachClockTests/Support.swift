import BreachClockCLI
import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import Foundation
import Testing

/// The system tier: tests of real `breachclock serve` processes (SIGKILL mid-delivery, restarts,
/// three instances sharing 10,000 reminders). They take minutes, not seconds, so a plain `swift test`
/// skips them and says so; `scripts/test` (and so CI) sets `BREACHCLOCK_SYSTEM_TESTS=1` and runs them.
enum SystemTests {
    static let requested = ProcessInfo.processInfo.environment["BREACHCLOCK_SYSTEM_TESTS"] == "1"
    static var enabled: ConditionTrait {
        .enabled(if: requested, "real serve processes: set BREACHCLOCK_SYSTEM_TESTS=1 (scripts/test does)")
    }
}

/// Paths of the checkout, found from this file so tests need no resource bundle.
enum Paths {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = tests.appendingPathComponent("Fixtures")
    static let root = tests.deletingLastPathComponent().deletingLastPathComponent()
    static let jurisdictions = root.appendingPathComponent("Jurisdictions")
    /// The contract's examples, vendored from `shared/spec/examples`.
    static let sharedExamples = fixtures.appendingPathComponent("contract-examples")
}

/// The real rules database, loaded once for all tests.
enum RealRules {
    static let result: Result<Rulebook, RulebookError> = Result { () throws(RulebookError) in
        try RulesLoader(directory: Paths.jurisdictions).load()
    }

    /// One calculator for all tests: building one prewrites every rule's JSON, which is not free.
    static let calculatorResult: Result<Calculator, RulebookError> = result.map { Calculator(rulebook: $0) }

    static func rulebook() throws -> Rulebook { try result.get() }

    static func calculator() throws -> Calculator { try calculatorResult.get() }
}

/// Parses facts written as YAML (or JSON) text.
func facts(_ text: String, calculator: Calculator) throws -> IncidentFacts {
    try FactsLoader.load(text: text, file: "test.yaml", decoder: calculator.factsDecoder)
}

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
func runCLI(_ arguments: [String], terminal: Bool = false, noColorEnvironment: Bool = false, columns: Int = 80,
    environment: [String: String] = [:]) async -> (code: Int32, out: String, err: String)
{
    let output = CapturedOutput(terminal: terminal, noColor: noColorEnvironment, columns: columns)
    let values = TestEnvironment.values.merging(environment) { $1 }
    let code = await CommandEnvironment.$values.withValue(values) {
        await BreachClockCommand.run(arguments: arguments, output: output)
    }
    return (code, output.standardOutput, output.standardError)
}

/// Compares text with a golden file under `Fixtures/golden/`; set `BREACHCLOCK_RECORD=1` to rewrite it
/// (refused under `CI=true`: CI compares, it never rewrites what it is meant to check).
func expectGolden(_ actual: String, _ name: String, environment: [String: String] = ProcessInfo.processInfo.environment,
    sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
{
    let url = Paths.fixtures.appendingPathComponent("golden").appendingPathComponent(name)
    if environment["BREACHCLOCK_RECORD"] == "1" && environment["CI"] == "true" {
        Issue.record("BREACHCLOCK_RECORD=1 under CI=true: golden files are not rewritten in CI", sourceLocation: sourceLocation)
    } else if environment["BREACHCLOCK_RECORD"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    if expected != actual {
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        Issue.record("\(name) differs from the golden file at line \(line + 1):\n  expected: \(line < e.count ? String(e[line]) : "<end>")\n  actual:   \(line < a.count ? String(a[line]) : "<end>")", sourceLocation: sourceLocation)
    }
}
