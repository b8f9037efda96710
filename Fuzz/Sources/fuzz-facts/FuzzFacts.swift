import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockRules
import FuzzSupport

/// A facts file or body (JSON or YAML, told by content) through `FactsDecoder`, then assessed
/// against the reviewed rulebook. Invariants:
/// - bad facts throw `InvalidFacts` with 1 to 51 issues (50, then "and N more");
/// - facts that decode assess without trapping, and the assessment's JSON parses;
/// - the facts' canonical JSON (`IncidentFacts.json()`) decodes back to the same canonical JSON.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.bytes(count: size)
    let node: DocumentNode
    do {
        node = try DocumentParser.parse(bytes, format: nil, file: "facts", limits: .facts)
    } catch {
        return 0
    }
    DocumentCheck.within(node, .facts, "facts document")
    let rulebook = FuzzRules.rulebook
    let decoder = FactsDecoder(ruleCodes: Set(rulebook?.rules.map(\.code) ?? []))
    let facts: IncidentFacts
    do {
        facts = try decoder.decode(node)
    } catch {
        let count = error.issues.count
        Invariant.check(
            count >= 1 && count <= DocumentLimits.maxReportedIssues + 1,
            "facts: InvalidFacts with \(count) issues (expected 1 to \(DocumentLimits.maxReportedIssues + 1))")
        return 0
    }
    Invariant.check(!facts.affected.isEmpty, "facts: decoded with no affected place")
    Invariant.check(!facts.elements.isEmpty, "facts: decoded with no data element")
    for entry in facts.affected {
        Invariant.check(
            entry.count.min >= 0 && entry.count.min <= entry.count.max && entry.count.max <= AffectedCount.maximum,
            "facts: decoded a count out of range for \(entry.code): \(entry.count)")
    }
    // The canonical form reads back to itself.
    let canonical = facts.json()
    let text = canonical.bytes()
    do {
        let again = try decoder.decode(try JSONDocumentParser.parse(text, file: "canonical.json", limits: .facts))
        Invariant.check(
            again.json() == canonical,
            "facts: the canonical JSON decodes to other facts:\n\(String(decoding: text, as: UTF8.self))\n\(again.json().serialized())")
    } catch {
        Invariant.fail("facts: the canonical JSON does not decode: \(error)\n\(String(decoding: text, as: UTF8.self))")
    }
    if let rulebook { FuzzRules.assess(facts, with: rulebook, "facts") }
    return 0
}
