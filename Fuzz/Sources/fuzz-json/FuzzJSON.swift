import BreachClockJSON
import BreachClockRules
import FuzzSupport

/// `JSONDocumentParser.parse` with the API body limits. A document it accepts must keep the limits,
/// have no duplicate key and no NUL, and read back the same once written out again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.bytes(count: size)
    let limits = DocumentLimits.body
    let node: DocumentNode
    do {
        node = try JSONDocumentParser.parse(bytes, file: "fuzz.json", limits: limits)
    } catch {
        return 0
    }
    DocumentCheck.within(node, limits, "JSON")
    // Escapes make the text longer, never the values: only the byte limit is raised for the reread.
    var reread = limits
    reread.maxBytes = Int.max
    let written = DocumentCheck.json(node)
    do {
        let again = try JSONDocumentParser.parse(written, file: "rewritten.json", limits: reread)
        Invariant.check(
            DocumentCheck.same(node, again),
            "JSON: the document written back reads differently: \(String(decoding: written.prefix(2000), as: UTF8.self))")
    } catch {
        Invariant.fail("JSON: the document written back does not parse: \(error)\n\(String(decoding: written.prefix(2000), as: UTF8.self))")
    }
    return 0
}
