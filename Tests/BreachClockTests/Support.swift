import BreachClockCLI
import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import Foundation
import Testing

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

    static func rulebook() throws -> Rulebook { try result.get() }

    static func calculator() throws -> Calculator { Calculator(rulebook: try rulebook()) }
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

/// Runs the CLI in process.
func runCLI(_ arguments: [String], terminal: Bool = false, noColorEnvironment: Bool = false, columns: Int = 80) async -> (code: Int32, out: String, err: String) {
    let output = CapturedOutput(terminal: terminal, noColor: noColorEnvironment, columns: columns)
    let code = await BreachClockCommand.run(arguments: arguments, output: output)
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
