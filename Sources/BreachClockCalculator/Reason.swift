import BreachClockRules
import Foundation

/// Why an obligation arises, or does not, and what moved its deadline: kept as data and put into
/// words only when shown, so assessing stays cheap and consumers can tell reasons apart.
public enum Reason: Sendable {
    // Why an obligation arises.
    /// Affected residents of the rule's place (`places` nil), or affected people in the places a regime covers.
    case residents(AffectedCount, of: String, places: [String]?)
    case personalInformation([DataElement], cite: String)
    case keyCompromised(cite: String)
    case harmFindingMustBeReported(RiskOfHarm, cite: String)
    case riskAtLeast(RiskOfHarm, minimum: RiskOfHarm)
    case thresholdMet(AffectedCount, Threshold)
    case thresholdMaybeMet(AffectedCount, Threshold)
    case lawEnforcementDelay(until: String, effect: LawEnforcementDelayRule.Effect, cite: String)
    case dueSooner(after: String, givenOn: CivilDate)
    case orIfSooner(Period, after: String)

    // Why an obligation does not arise.
    case noResidents(of: String)
    case mediumNotCovered(covered: Set<DataMedium>, given: DataMedium)
    case accessWithoutAcquisition
    case notPersonalInformation([DataElement])
    case safeHarbor
    case onlyWhenHarmExempt(RiskOfHarm)
    case harmExempt(documentationRequired: Bool, retainYears: Int?)
    case deemedCompliant(sectors: [Sector], condition: String)
    case riskBelow(RiskOfHarm, minimum: RiskOfHarm)
    case thresholdNotMet(AffectedCount, Threshold, recipient: String)
    case referencedNoticeNotRequired(String, before: Bool)

    /// The reason in words.
    public var text: String {
        switch self {
        case .residents(let count, let name, nil):
            return "\(count) affected \(count.max == 1 ? "resident" : "residents") of \(name)"
        case .residents(let count, _, let places?):
            return "\(count) affected in \(places.joined(separator: ", "))"
        case .personalInformation(let elements, let cite):
            return "\(elements.map(\.rawValue).joined(separator: " + ")) is personal information (\(cite))"
        case .keyCompromised(let cite):
            return "the data was encrypted, but the key was compromised, so the safe harbor is lost (\(cite))"
        case .harmFindingMustBeReported(let level, let cite):
            return "the documented finding that harm is \(level.rawValue) must itself be reported (\(cite))"
        case .riskAtLeast(let risk, let minimum):
            return "the risk of harm is \(risk.rawValue), at least \(minimum.rawValue)"
        case .thresholdMet(let count, let threshold):
            return "\(count) \(Reason.noun(threshold)) is \(threshold.comparison.phrase(threshold.value)) (\(threshold.provenance.cite))"
        case .thresholdMaybeMet(let count, let threshold):
            return "the count \(count) may be \(threshold.comparison.phrase(threshold.value)) (\(threshold.provenance.cite)); treated as meeting it until the count is known"
        case .lawEnforcementDelay(let until, let effect, let cite):
            return effect == .restart
                ? "a law-enforcement delay until \(until) restarts the clock (\(cite))"
                : "a law-enforcement delay until \(until) postpones the deadline (\(cite))"
        case .dueSooner(let other, let date):
            return "due sooner because notice to \(other) was given on \(date)"
        case .orIfSooner(let period, let other):
            return "or, if sooner, \(period) after notice to \(other)"
        case .noResidents(let name):
            return "no affected residents of \(name)"
        case .mediumNotCovered(let covered, let given):
            return "the law covers \(covered.map(\.rawValue).sorted().joined(separator: " and ")) data only; this breach involved \(given.rawValue) data"
        case .accessWithoutAcquisition:
            return "access without acquisition is not a breach under this law"
        case .notPersonalInformation(let elements):
            return "the exposed data (\(elements.map(\.rawValue).joined(separator: ", "))) is not personal information under this law"
        case .safeHarbor:
            return "the data was encrypted and the key was not compromised: safe harbor"
        case .onlyWhenHarmExempt(let level):
            return "only when the entity finds harm \(level.rawValue) and so does not notify"
        case .harmExempt(let documented, let years):
            var text = "the documented risk-of-harm finding (unlikely) exempts this notice"
            if documented { text += years.map { "; keep the written determination for \($0) years" } ?? "; the determination must be in writing" }
            return text
        case .deemedCompliant(let sectors, let condition):
            return "deemed compliant as \(sectors.map(\.rawValue).sorted().joined(separator: ", ")): \(condition)"
        case .riskBelow(let risk, let minimum):
            return "needs a \(minimum.rawValue) risk of harm; the finding is \(risk.rawValue)"
        case .thresholdNotMet(let count, let threshold, let recipient):
            return "\(count) \(Reason.noun(threshold)) affected; notice to \(recipient) needs \(threshold.comparison.phrase(threshold.value))"
        case .referencedNoticeNotRequired(let other, let before):
            return before
                ? "it must precede the notice to \(other), which is not required here"
                : "it runs from the notice to \(other), which is not required here"
        }
    }

    static func noun(_ threshold: Threshold) -> String {
        threshold.counts == .residents ? "residents" : "people in all"
    }
}
