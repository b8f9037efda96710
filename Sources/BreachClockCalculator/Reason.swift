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
    /// A harm finding was recorded, but the exemption covers only other causes (New York).
    case harmExemptionNotForCause(BreachCause, allowed: Set<BreachCause>, cite: String)
    case riskAtLeast(RiskOfHarm, minimum: RiskOfHarm)
    case thresholdMet(AffectedCount, Threshold)
    case thresholdMaybeMet(AffectedCount, Threshold)
    case lawEnforcementDelay(until: String, effect: LawEnforcementDelayRule.Effect, cite: String)
    case dueSooner(after: String, givenOn: CivilDate)
    case orIfSooner(Period, after: String)
    /// "And no later than `period` after `from`", not the earlier limit here.
    case orIfSoonerEvent(Period, from: ClockStart)
    /// The outer limit decides: it comes first, or the main clock's event (`waitingFor`) is not in the facts.
    case outerLimit(Period, from: ClockStart, waitingFor: String?)
    /// The entity is established in the rule's place: a threshold `waivedIfEstablished` does not apply.
    case establishedIn(String)
    /// The risk of harm makes a count threshold not apply (`waivedIf.risk`).
    case thresholdWaivedByRisk(RiskOfHarm, minimum: RiskOfHarm, cite: String)
    /// These exposed elements make a count threshold not apply (`waivedIf.elements`).
    case thresholdWaivedByElements([DataElement], cite: String)
    /// The breach's cause makes a count threshold not apply (`waivedIf.causes`).
    case thresholdWaivedByCause(BreachCause, cite: String)

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
    /// Owed only when one of these elements is exposed, and none is.
    case elementsNotExposed([String])
    /// The exposed elements that make an element-bound obligation owed.
    case elementsExposed([DataElement])
    /// The event the obligation runs from may never happen and is not in the facts (an extortion payment).
    case eventNotInFacts(String)
    /// The obligation binds only entities established in the rule's places, and this one is not.
    case notEstablished(String)

    /// The reason in words.
    public var text: String {
        var text = ""
        write(to: &text)
        return text
    }

    /// Writes the reason in words to `out` piece by piece (the JSON writer escapes each piece as it
    /// comes, so answering an API request builds no intermediate strings).
    public func write<Out: TextOutputStream>(to out: inout Out) {
        func joined(_ items: [String], _ separator: String) {
            for (index, item) in items.enumerated() {
                if index > 0 { out.write(separator) }
                out.write(item)
            }
        }
        func cited(_ cite: String) {
            out.write(" (")
            out.write(cite)
            out.write(")")
        }
        switch self {
        case .residents(let count, let name, nil):
            count.write(to: &out)
            out.write(count.max == 1 ? " affected resident of " : " affected residents of ")
            out.write(name)
        case .residents(let count, _, let places?):
            count.write(to: &out)
            out.write(" affected in ")
            joined(places, ", ")
        case .personalInformation(let elements, let cite):
            joined(elements.map(\.rawValue), " + ")
            out.write(" is personal information")
            cited(cite)
        case .keyCompromised(let cite):
            out.write("the data was encrypted, but the key was compromised, so the safe harbor is lost")
            cited(cite)
        case .harmFindingMustBeReported(let level, let cite):
            out.write("the documented finding that harm is ")
            out.write(level.rawValue)
            out.write(" must itself be reported")
            cited(cite)
        case .harmExemptionNotForCause(let cause, let allowed, let cite):
            out.write("the finding that harm is unlikely does not exempt: the exemption covers only ")
            joined(allowed.map(\.rawValue).sorted(), " or ")
            out.write(cause == .unknown ? ", and the cause is unknown (events.cause)" : ", and the cause is \(cause.rawValue)")
            cited(cite)
        case .riskAtLeast(let risk, let minimum):
            out.write("the risk of harm is ")
            out.write(risk.rawValue)
            out.write(", at least ")
            out.write(minimum.rawValue)
        case .thresholdMet(let count, let threshold):
            count.write(to: &out)
            out.write(" ")
            out.write(Reason.noun(threshold))
            out.write(" is ")
            threshold.comparison.writePhrase(threshold.value, to: &out)
            cited(threshold.provenance.cite)
        case .thresholdMaybeMet(let count, let threshold):
            out.write("the count ")
            count.write(to: &out)
            out.write(" may be ")
            threshold.comparison.writePhrase(threshold.value, to: &out)
            cited(threshold.provenance.cite)
            out.write("; treated as meeting it until the count is known")
        case .lawEnforcementDelay(let until, let effect, let cite):
            out.write("a law-enforcement delay until ")
            out.write(until)
            out.write(effect == .restart ? " restarts the clock" : " postpones the deadline")
            cited(cite)
        case .dueSooner(let other, let date):
            out.write("due sooner because notice to ")
            out.write(other)
            out.write(" was given on ")
            out.write(date.description)
        case .orIfSooner(let period, let other):
            out.write("or, if sooner, ")
            out.write(period.description)
            out.write(" after notice to ")
            out.write(other)
        case .orIfSoonerEvent(let period, let event):
            out.write("and no later than ")
            out.write(period.description)
            out.write(" after ")
            out.write(event.rawValue)
        case .outerLimit(let period, let event, let waiting):
            if let waiting {
                out.write("the main clock waits for ")
                out.write(waiting)
                out.write(", but the outer limit binds already: ")
            } else {
                out.write("the outer limit comes first: ")
            }
            out.write(period.description)
            out.write(" after ")
            out.write(event.rawValue)
        case .noResidents(let name):
            out.write("no affected residents of ")
            out.write(name)
        case .mediumNotCovered(let covered, let given):
            out.write("the law covers ")
            joined(covered.map(\.rawValue).sorted(), " and ")
            out.write(" data only; this breach involved ")
            out.write(given.rawValue)
            out.write(" data")
        case .accessWithoutAcquisition:
            out.write("access without acquisition is not a breach under this law")
        case .notPersonalInformation(let elements):
            out.write("the exposed data (")
            joined(elements.map(\.rawValue), ", ")
            out.write(") is not personal information under this law")
        case .safeHarbor:
            out.write("the data was encrypted and the key was not compromised: safe harbor")
        case .onlyWhenHarmExempt(let level):
            out.write("only when the entity finds harm ")
            out.write(level.rawValue)
            out.write(" and so does not notify")
        case .harmExempt(let documented, let years):
            out.write("the documented risk-of-harm finding (unlikely) exempts this notice")
            if documented {
                if let years {
                    out.write("; keep the written determination for ")
                    out.write(String(years))
                    out.write(" years")
                } else {
                    out.write("; the determination must be in writing")
                }
            }
        case .deemedCompliant(let sectors, let condition):
            out.write("deemed compliant as ")
            joined(sectors.map(\.rawValue).sorted(), ", ")
            out.write(": ")
            out.write(condition)
        case .riskBelow(let risk, let minimum):
            out.write("needs a ")
            out.write(minimum.rawValue)
            out.write(" risk of harm; the finding is ")
            out.write(risk.rawValue)
        case .thresholdNotMet(let count, let threshold, let recipient):
            count.write(to: &out)
            out.write(" ")
            out.write(Reason.noun(threshold))
            out.write(" affected; notice to ")
            out.write(recipient)
            out.write(" needs ")
            threshold.comparison.writePhrase(threshold.value, to: &out)
        case .notEstablished(let places):
            out.write("binds only entities established in ")
            out.write(places)
            out.write(" (entity.establishments)")
        case .elementsNotExposed(let elements):
            out.write("only when one of these is exposed: ")
            joined(elements, ", ")
        case .elementsExposed(let elements):
            joined(elements.map(\.rawValue), ", ")
            out.write(elements.count == 1 ? " was exposed, which this notice is for" : " were exposed, which this notice is for")
        case .eventNotInFacts(let field):
            out.write("only when it happens; the facts have no ")
            out.write(field)
        case .establishedIn(let place):
            out.write("the entity is established in ")
            out.write(place)
            out.write(" (entity.establishments): notice is due whatever the count")
        case .thresholdWaivedByRisk(let risk, let minimum, let cite):
            out.write("the risk of harm is ")
            out.write(risk.rawValue)
            out.write(", at least ")
            out.write(minimum.rawValue)
            out.write(": notice is due whatever the count")
            cited(cite)
        case .thresholdWaivedByElements(let elements, let cite):
            joined(elements.map(\.rawValue), ", ")
            out.write(elements.count == 1 ? " was exposed" : " were exposed")
            out.write(": notice is due whatever the count")
            cited(cite)
        case .thresholdWaivedByCause(let cause, let cite):
            out.write(cause == .unknown ? "the cause is unknown and is read as the one the law names" : "the cause is \(cause.rawValue)")
            out.write(": notice is due whatever the count")
            cited(cite)
        case .referencedNoticeNotRequired(let other, let before):
            out.write(before ? "it must precede the notice to " : "it runs from the notice to ")
            out.write(other)
            out.write(", which is not required here")
        }
    }

    static func noun(_ threshold: Threshold) -> String {
        switch threshold.counts {
        case .residents: return "residents"
        case .total: return "people in all"
        case .largestPlace: return "residents of one place at most"
        }
    }
}
