import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

/// One case of `Fixtures/scenarios/CODE.yaml`: facts in, the jurisdiction's obligations out.
struct ScenarioCase: CustomTestStringConvertible, Sendable {
    struct Expected: Sendable, Equatable, CustomStringConvertible {
        var id: String
        var kind: String
        var dueDate: String?
        var relativeTo: String?
        var offset: String?

        var description: String {
            [id, kind, dueDate, relativeTo, offset].compactMap { $0 }.joined(separator: " ")
        }
    }

    var file: String
    var jurisdiction: String
    var name: String
    var cite: String
    var facts: DocumentNode
    var obligations: [Expected]
    var notTriggered: [String]
    /// Text each of which must appear in one of the assessment's warnings (a duty not in force, say).
    var warnings: [String] = []

    var testDescription: String { "\(jurisdiction): \(name)" }

    /// Every case of every scenario file; a malformed file becomes a failing case, never a silent skip.
    static let all: [ScenarioCase] = {
        let folder = Paths.fixtures.appendingPathComponent("scenarios")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var cases: [ScenarioCase] = []
        for file in files.sorted() where file.hasSuffix(".yaml") {
            let text = (try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)) ?? ""
            cases += parse(text, file: file)
        }
        return cases
    }()

    static func broken(_ file: String, _ message: String) -> ScenarioCase {
        ScenarioCase(
            file: file, jurisdiction: file, name: "malformed scenario file: \(message)", cite: "",
            facts: .mapping([], at: BreachClockRules.SourceLocation(file: file, line: 1, column: 1)), obligations: [], notTriggered: ["<malformed>"])
    }

    static func parse(_ text: String, file: String) -> [ScenarioCase] {
        let issues = IssueCollector()
        guard let root = try? DocumentParser.parse(text, file: file), var map = MappingReader(root, path: "", issues: issues),
            let jurisdiction = map.required("jurisdiction").flatMap({ ScalarReader.text($0, "jurisdiction", issues) }),
            let list = map.required("cases").flatMap({ ScalarReader.list($0, "cases", issues) })
        else { return [broken(file, issues.issues.map(\.description).joined(separator: "; "))] }
        map.finish()
        var result: [ScenarioCase] = []
        for (index, node) in list.enumerated() {
            guard var item = MappingReader(node, path: "cases[\(index)]", issues: issues) else { continue }
            let name = item.required("name").flatMap { ScalarReader.text($0, item.path("name"), issues) } ?? "case \(index)"
            let cite = item.required("cite").flatMap { ScalarReader.text($0, item.path("cite"), issues) } ?? ""
            let facts = item.required("facts")
            var expected: [Expected] = []
            if let obligations = item.optional("obligations"), let entries = ScalarReader.list(obligations, item.path("obligations"), issues) {
                for entry in entries {
                    guard var o = MappingReader(entry, path: item.path("obligations"), issues: issues) else { continue }
                    func text(_ key: String) -> String? { o.optional(key).flatMap { ScalarReader.string($0, o.path(key), issues) } }
                    let id = o.required("id").flatMap { ScalarReader.string($0, o.path("id"), issues) } ?? ""
                    let kind = o.required("kind").flatMap { ScalarReader.string($0, o.path("kind"), issues) } ?? ""
                    expected.append(Expected(id: id, kind: kind, dueDate: text("dueDate"), relativeTo: text("relativeTo"), offset: text("offset")))
                    o.finish()
                }
            }
            var notTriggered: [String] = []
            if let nodes = item.optional("notTriggered"), let entries = ScalarReader.list(nodes, item.path("notTriggered"), issues) {
                notTriggered = entries.compactMap { ScalarReader.string($0, item.path("notTriggered"), issues) }
            }
            var warnings: [String] = []
            if let nodes = item.optional("warnings"), let entries = ScalarReader.list(nodes, item.path("warnings"), issues) {
                warnings = entries.compactMap { ScalarReader.string($0, item.path("warnings"), issues) }
            }
            item.finish()
            if !issues.issues.isEmpty { return [broken(file, issues.issues.map(\.description).joined(separator: "; "))] }
            guard let facts else { continue }
            result.append(
                ScenarioCase(
                    file: file, jurisdiction: jurisdiction, name: name, cite: cite, facts: facts,
                    obligations: expected, notTriggered: notTriggered, warnings: warnings))
        }
        return result
    }
}

/// Golden scenarios: each case pins a statutory outcome, with the statute in `cite`.
@Suite struct GoldenScenarioTests {
    @Test func everyRuleHasAScenarioFile() throws {
        let rulebook = try RealRules.rulebook()
        let covered = Set(ScenarioCase.all.map(\.jurisdiction))
        let missing = rulebook.rules.map(\.code).filter { !covered.contains($0) }
        #expect(missing.isEmpty, "rules without golden scenarios: \(missing)")
    }

    @Test(arguments: ScenarioCase.all)
    func scenario(_ scenario: ScenarioCase) throws {
        #expect(!scenario.notTriggered.contains("<malformed>"), "\(scenario.file): \(scenario.name)")
        #expect(!scenario.cite.isEmpty, "every scenario names the statute that decides it")
        let calculator = try RealRules.calculator()
        let facts = try calculator.factsDecoder.decode(scenario.facts)
        let assessment = calculator.assess(facts)
        let mine = assessment.obligations.filter { $0.jurisdiction == scenario.jurisdiction }
        let actual = mine.map { o in
            ScenarioCase.Expected(
                id: o.id, kind: o.deadline.kind.rawValue,
                dueDate: o.deadline.kind == .fixed ? o.deadline.dueDate?.description : nil,
                relativeTo: o.deadline.relativeTo, offset: o.deadline.offset)
        }.sorted { $0.id < $1.id }
        let expected = scenario.obligations.map { e in
            var e = e
            if e.kind != "fixed" { e.dueDate = nil }
            return e
        }.sorted { $0.id < $1.id }
        #expect(actual == expected, "\(scenario.cite)")
        let notTriggered = Set(assessment.notTriggered.map(\.id))
        for id in scenario.notTriggered {
            #expect(notTriggered.contains(id), "\(id) should be reported as not triggered (\(scenario.cite))")
        }
        for text in scenario.warnings {
            #expect(
                assessment.warnings.contains { $0.contains(text) },
                "a warning should say `\(text)` (\(scenario.cite)); warnings: \(assessment.warnings)")
        }
    }
}
