import BreachClockLoader
import BreachClockRules
import FuzzSupport

/// `DocumentParser.parse(format: .yaml)` with the facts limits (rule files have the same ones). A
/// document it accepts must keep the limits (aliases counted at their expanded size), have no
/// duplicate key and no NUL.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.bytes(count: size)
    let limits = DocumentLimits.facts
    do {
        let node = try DocumentParser.parse(bytes, format: .yaml, file: "fuzz.yaml", limits: limits)
        DocumentCheck.within(node, limits, "YAML")
    } catch {
        return 0
    }
    return 0
}
