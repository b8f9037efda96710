// Measures the in-process assessment of an incident that touches every jurisdiction in the rules
// database. Run a release build: `swift run -c release breachclock-bench [rules-dir] [iterations]`.
import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import Foundation

let arguments = CommandLine.arguments
let folder = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : "Jurisdictions")
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 5000 : 5000

let loadStart = DispatchTime.now().uptimeNanoseconds
let rulebook: Rulebook
do {
    rulebook = try RulesLoader(directory: folder).load()
} catch {
    FileHandle.standardError.write(Data("rules: \(error.description)\n".utf8))
    exit(1)
}
let loadMicros = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1000

let calculator = Calculator(rulebook: rulebook)
let places = Array(Set(rulebook.rules.flatMap(\.covers))).sorted()
let facts = IncidentFacts(
    timeZone: TimeZone(identifier: "America/New_York")!,
    discoveredAt: ZonedTime.parse("2026-03-02T14:00:00-05:00", in: ZonedTime.utc)!,
    elements: [.name, .ssn, .driversLicense, .financialAccount, .accountAccessCode, .medical, .onlineCredentials],
    riskOfHarm: .likely,
    affected: places.map { ($0, AffectedCount(exactly: 20_000)) })

/// Assesses `facts` `iterations` times; the times in µs, sorted, and the last assessment.
func timeAssessments(_ facts: IncidentFacts) -> (samples: [Double], assessment: Assessment) {
    var samples: [Double] = []
    samples.reserveCapacity(iterations)
    for _ in 0..<iterations {
        let start = DispatchTime.now().uptimeNanoseconds
        let assessment = calculator.assess(facts)
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        // Freed after the clock stops, as before: the previous answer's release is not part of assessing.
        withExtendedLifetime(assessment) {}
    }
    return (samples.sorted(), calculator.assess(facts))
}

func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

let everywhere = timeAssessments(facts)
print("rules: \(rulebook.rules.count) (\(places.count) places), load \(String(format: "%.1f", loadMicros / 1000)) ms")
print("assessment of an incident touching every jurisdiction: \(everywhere.assessment.obligations.count) obligations")
print(
    String(
        format: "median %.1f µs, p90 %.1f µs, p99 %.1f µs over %d runs", percentile(everywhere.samples, 0.5),
        percentile(everywhere.samples, 0.9), percentile(everywhere.samples, 0.99), iterations))

// The multinational incident of issue 11 (`Examples/multinational.yaml`: US states, the EU, the UK,
// Canada and Quebec, Brazil, Singapore and Korea) in one call (target: under 1 ms in process).
do {
    let text = try String(contentsOfFile: "Examples/multinational.yaml", encoding: .utf8)
    let world = timeAssessments(try FactsLoader.load(text: text, file: "Examples/multinational.yaml", decoder: calculator.factsDecoder))
    print(
        String(
            format: "multinational incident (Examples/multinational.yaml): %d obligations from %d rules; median %.1f µs, p99 %.1f µs",
            world.assessment.obligations.count, Set(world.assessment.obligations.map(\.jurisdiction)).count,
            percentile(world.samples, 0.5), percentile(world.samples, 0.99)))
} catch {
    FileHandle.standardError.write(Data("multinational incident: \(error) (run from the checkout)\n".utf8))
}

// Loading what a typical incident needs from the validated archive, as the CLI does on a warm run.
let cacheFolder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("breachclock-bench-\(getpid())")
defer { try? FileManager.default.removeItem(at: cacheFolder) }
let cache = ValidationCache(directory: cacheFolder)
let typical = ["US-CA", "US-TX", "US-NY", "DE"]
let discovery = CivilDate(year: 2026, month: 3, day: 2)!
let window = discovery.adding(days: -2)...CivilDate(year: 2026, month: 12, day: 31)!
_ = try? RulesLoader(directory: folder).load(places: typical, cache: cache)
var loads: [Double] = []
for _ in 0..<(Int(ProcessInfo.processInfo.environment["BENCH_LOADS"] ?? "") ?? 200) {
    let start = DispatchTime.now().uptimeNanoseconds
    _ = try? RulesLoader(directory: folder).load(places: typical, sectors: [], window: window, cache: cache)
    loads.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
}
loads.sort()
print(
    String(
        format: "warm load of a typical incident's rules (3 states + GDPR, no sectors, as the CLI loads them): median %.0f µs", loads[loads.count / 2]
    ))

// What `POST /v1/assessments` does with a three-state body, step by step (the HTTP server's own cost is
// measured by scripts/bench-http.sh).
let apiBody =
    #"{"timezone": "America/New_York", "events": {"discoveredAt": "2026-03-02T14:00:00-05:00"}, "data": {"elements": ["name", "ssn"]}, "riskOfHarm": "likely", "affected": {"US-CA": 1200, "US-TX": 300, "US-NY": 40}}"#
var stepSamples: [[Double]] = Array(repeating: [], count: 4)
var responseSize = 0
for _ in 0..<iterations {
    var mark = DispatchTime.now().uptimeNanoseconds
    func lap(_ step: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        stepSamples[step].append(Double(now - mark) / 1000)
        mark = now
    }
    guard let node = try? DocumentParser.parse(apiBody, file: "body") else { fatalError("the benchmark body does not parse") }
    lap(0)
    guard let apiFacts = try? calculator.factsDecoder.decode(node) else { fatalError("the benchmark body is not valid facts") }
    lap(1)
    let apiAssessment = calculator.assess(apiFacts)
    lap(2)
    responseSize = apiAssessment.jsonBytes().count
    lap(3)
}
let stepMedians = stepSamples.map { samples -> Double in samples.sorted()[samples.count / 2] }
print(
    String(
        format:
            "POST /v1/assessments work (three states, %d-byte answer): parse %.1f µs, decode %.1f µs, assess %.1f µs, JSON %.1f µs; total %.1f µs",
        responseSize, stepMedians[0], stepMedians[1], stepMedians[2], stepMedians[3], stepMedians.reduce(0, +)))
