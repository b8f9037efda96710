import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import Foundation
import Testing

/// The system tier: tests of real `breachclock serve` processes (SIGKILL mid-delivery, restarts,
/// three instances sharing 10,000 reminders). They take minutes, not seconds, so a plain `swift test`
/// skips them and says so; `scripts/test` (and so CI) sets `BREACHCLOCK_SYSTEM_TESTS=1` and runs them.
public enum SystemTests {
    public static let requested = ProcessInfo.processInfo.environment["BREACHCLOCK_SYSTEM_TESTS"] == "1"
    public static var enabled: ConditionTrait {
        .enabled(if: requested, "real serve processes: set BREACHCLOCK_SYSTEM_TESTS=1 (scripts/test does)")
    }
}

/// Paths of the checkout, found from this file (`Tests/BreachClockTestSupport/Support.swift`) so
/// tests need no resource bundle. Every test target reads its fixtures from `Tests/Fixtures`.
public enum Paths {
    public static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    public static let fixtures = tests.appendingPathComponent("Fixtures")
    public static let root = tests.deletingLastPathComponent()
    public static let jurisdictions = root.appendingPathComponent("Jurisdictions")
    /// The contract's examples, vendored from `shared/spec/examples`.
    public static let sharedExamples = fixtures.appendingPathComponent("contract-examples")
}

/// Documents built to exhaust a parser, shared by the domain, HTTP and CLI tests.
public enum HostileDocuments {
    public static let nested15000 = String(repeating: "[", count: 15_000) + String(repeating: "]", count: 15_000)

    /// A 448-byte "billion laughs": nine to the seventh expansions of the first list.
    public static let billionLaughs = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        """
}

/// The real rules database, loaded once for all tests.
public enum RealRules {
    public static let result: Result<Rulebook, RulebookError> = Result { () throws(RulebookError) in
        try RulesLoader(directory: Paths.jurisdictions).load()
    }

    /// One calculator for all tests: building one prewrites every rule's JSON, which is not free.
    public static let calculatorResult: Result<Calculator, RulebookError> = result.map { Calculator(rulebook: $0) }

    public static func rulebook() throws -> Rulebook { try result.get() }

    public static func calculator() throws -> Calculator { try calculatorResult.get() }
}

/// Parses facts written as YAML (or JSON) text.
public func facts(_ text: String, calculator: Calculator) throws -> IncidentFacts {
    try FactsLoader.load(text: text, file: "test.yaml", decoder: calculator.factsDecoder)
}

/// Compares text with a golden file under `Fixtures/golden/`; set `BREACHCLOCK_RECORD=1` to rewrite it
/// (refused under `CI=true`: CI compares, it never rewrites what it is meant to check).
public func expectGolden(
    _ actual: String, _ name: String, environment: [String: String] = ProcessInfo.processInfo.environment,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
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
        Issue.record(
            "\(name) differs from the golden file at line \(line + 1):\n  expected: \(line < e.count ? String(e[line]) : "<end>")\n  actual:   \(line < a.count ? String(a[line]) : "<end>")",
            sourceLocation: sourceLocation)
    }
}
