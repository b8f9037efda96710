import Foundation

/// A public source a rule relies on.
public struct RuleSource: Sendable, Hashable {
    /// What kind of publisher a source is, which decides whether a value may rest on it alone.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The law's text on a legislature's, official gazette's or official code publisher's site.
        case official
        /// A regulator's, attorney general's, CSIRT's or ministry's own page or guidance.
        case regulator
        /// A recognised law firm's chart, guide or alert.
        case lawFirm = "law-firm"
        /// Anything else: statute mirrors, news, aggregators, blogs.
        case secondary

        /// Whether a value may rest on this source without another beside it.
        public var hasStanding: Bool { self != .secondary }
    }

    public var id: String
    public var url: String
    public var retrieved: CivilDate
    public var published: CivilDate?
    /// Nil while a source has not been classified (`rules validate` warns).
    public var kind: Kind?
    public var says: String

    public init(id: String, url: String, retrieved: CivilDate, published: CivilDate?, kind: Kind? = nil, says: String) {
        self.id = id
        self.url = url
        self.retrieved = retrieved
        self.published = published
        self.kind = kind
        self.says = says
    }
}

/// Where a value comes from: a pinpoint citation and the ids of the sources that support it.
public struct Provenance: Sendable, Hashable {
    public var cite: String
    public var sources: [String]
}

/// A law the calculator names in a warning instead of computing its deadlines, so that an answer
/// missing it never looks complete.
public struct UnassessedLaw: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable {
        /// Enacted, but its duties wait on something not yet in force (an implementing rule): `awaiting`.
        case awaiting
        /// In force, but not encoded because its text could not be verified against the statute: `unverified`.
        case unverified
    }

    public var reason: Reason
    /// What the duties wait for, or what the secondary sources say of the unverified law, in our words.
    public var about: String
    public var provenance: Provenance

    public init(reason: Reason, about: String, provenance: Provenance) {
        self.reason = reason
        self.about = about
        self.provenance = provenance
    }
}

/// A disagreement between sources and the reading the rule takes.
public struct RuleDispute: Sendable, Hashable {
    public var about: String
    public var sources: [String]
    public var reading: String
}

/// Who receives a notice.
public struct Recipient: Sendable, Hashable {
    public var kind: RecipientKind
    public var name: String
    public var contact: String?
}

/// A count threshold with its exact comparison.
/// Facts that make a count threshold not apply, any one of them enough: Singapore notifies the PDPC
/// at 500 affected or on likely significant harm; Korea the PIPC at 1,000, or for sensitive data or a
/// hacking incident at any count; an insurer always notifies its domiciliary commissioner.
public struct ThresholdWaiver: Sendable, Hashable {
    /// The entity is established in one of the rule's places.
    public var established: Bool = false
    /// The facts' risk of harm is at least this.
    public var risk: RiskOfHarm? = nil
    /// Any of these elements was exposed.
    public var elements: Set<DataElement> = []
    /// The breach had one of these causes (`unknown` only where listed).
    public var causes: Set<BreachCause> = []

    public init(established: Bool = false, risk: RiskOfHarm? = nil, elements: Set<DataElement> = [], causes: Set<BreachCause> = []) {
        self.established = established
        self.risk = risk
        self.elements = elements
        self.causes = causes
    }

    public var isEmpty: Bool { !established && risk == nil && elements.isEmpty && causes.isEmpty }
}

public struct Threshold: Sendable, Hashable {
    public enum Comparison: String, Sendable, Hashable {
        case moreThan = ">"
        case atLeast = ">="
        /// "Fewer than N" (HIPAA's annual log of breaches affecting fewer than 500).
        case fewerThan = "<"

        /// Words for explanations: "more than 500", "500 or more".
        public func phrase(_ value: Int) -> String {
            var text = ""
            writePhrase(value, to: &text)
            return text
        }

        /// `more than 500` or `500 or more`.
        public func writePhrase<Out: TextOutputStream>(_ value: Int, to out: inout Out) {
            if self == .moreThan { out.write("more than ") }
            if self == .fewerThan { out.write("fewer than ") }
            out.write(String(value))
            if self == .atLeast { out.write(" or more") }
        }
    }

    public enum Counted: String, Sendable, Hashable, CaseIterable {
        /// The affected counts of the rule's `covers` codes.
        case residents
        /// Every affected count.
        case total
        /// The largest count of residents of any one of the rule's `covers` codes ("more than 500
        /// residents of a State or jurisdiction", HIPAA's media notice).
        case largestPlace = "largest-place"
    }

    public var comparison: Comparison
    public var value: Int
    public var counts: Counted
    /// When the threshold does not apply (`waivedIf`; `waivedIfEstablished: true` is its short form).
    public var waiver: ThresholdWaiver = ThresholdWaiver()
    public var provenance: Provenance

    /// The threshold does not apply when the entity is established in one of the rule's places
    /// (`entity.establishments`): insurance laws' domiciliary state is notified whatever the count.
    public var waivedIfEstablished: Bool { waiver.established }

    /// Whether `count` meets the threshold.
    public func isMet(by count: Int) -> Bool {
        switch comparison {
        case .moreThan: return count > value
        case .atLeast: return count >= value
        case .fewerThan: return count < value
        }
    }

}

/// When an obligation's notice is due, as the law states it.
public enum DeadlineRule: Sendable, Hashable {
    /// No outer limit; only a standard ("without unreasonable delay").
    case open(standard: String)
    /// `period` after the `from` event; optionally sooner, when another notice is given first.
    case fixed(Period, from: ClockStart, standard: String?, orIfSooner: RelativeBound?)
    /// `period` after the notice of another obligation (`0 days` = no later than it).
    case after(Period, obligation: String, standard: String?)
    /// Before the notice of another obligation.
    case before(obligation: String, standard: String?)

    /// The standard of conduct the statute states, if any.
    public var standard: String? {
        switch self {
        case .open(let s): return s
        case .fixed(_, _, let s, _), .after(_, _, let s), .before(_, let s): return s
        }
    }

    /// The obligations this deadline refers to.
    public var references: [String] {
        switch self {
        case .open: return []
        case .fixed(_, _, _, let bound): return bound?.obligation.map { [$0] } ?? []
        case .after(_, let id, _), .before(let id, _): return [id]
        }
    }
}

/// "Or, if sooner, `period` after the notice of `obligation`" (Vermont's AG notice), or "and no later
/// than `period` after the event `from`" (DORA: 4 hours from classification, 24 hours from awareness
/// at the latest). Exactly one of `obligation` and `from` is set.
public struct RelativeBound: Sendable, Hashable {
    public var period: Period
    public var obligation: String?
    public var from: ClockStart?

    public init(period: Period, obligation: String? = nil, from: ClockStart? = nil) {
        self.period = period
        self.obligation = obligation
        self.from = from
    }
}

/// A deadline with its provenance.
public struct DeadlineSpec: Sendable, Hashable {
    public var rule: DeadlineRule
    public var provenance: Provenance
}

/// When an obligation arises.
public enum ObligationCondition: String, Sendable, Hashable, CaseIterable {
    /// A notifiable breach (the usual case).
    case breach
    /// Only when the risk-of-harm exemption was used (a written finding sent to a regulator).
    case harmExempt = "harm-exempt"
}

/// One duty to notify one recipient.
public final class ObligationRule: Sendable {
    public let id: String
    /// `CODE/id`, as assessments report it.
    public let qualifiedID: String
    /// URLs of the sources behind the obligation and its deadline.
    public let sourceURLs: [String]
    /// For a deadline that runs from another notice: that obligation's `CODE/id`, the clock start as
    /// reported (`notice:CODE/id`) and the period in words. Made once, at load.
    public let relativeTo: String?
    public let relativeClockStart: String?
    public let relativePhrase: String?
    public let recipient: Recipient
    /// The roles it binds, expanded: `owner` also means `controller`, `maintainer` also `processor`.
    public let roles: Set<EntityRole>

    /// Whether it binds an entity in `role` (without hashing: asked for every obligation of every assessment).
    public func binds(_ role: EntityRole) -> Bool { role.holdsForAnother ? bindsHolder : bindsOwner }
    private let bindsOwner: Bool
    private let bindsHolder: Bool
    public let condition: ObligationCondition
    public let minimumRisk: RiskOfHarm?
    public let forSectors: Set<Sector>
    public let notForSectors: Set<Sector>
    /// The entity sizes it binds (`entity.size`); empty: every size.
    public let forSize: Set<EntitySize>
    /// Binds only entities established in one of the rule's places (a law for domestic insurers).
    public let onlyIfEstablished: Bool
    /// The breach causes it binds for (`events.cause`); empty: every cause.
    public let forCauses: Set<BreachCause>
    /// The breach causes it does not bind for (Japan's 30-day report is for other than wrongful leaks).
    public let notForCauses: Set<BreachCause>
    /// Owed only when one of these elements was exposed (Chile tells data subjects of sensitive or
    /// financial data); empty: whatever personal information was exposed.
    public let forElements: Set<DataElement>
    public let threshold: Threshold?
    public let deadline: DeadlineSpec
    public let provenance: Provenance
    public let notes: String?

    public init(
        id: String, qualifiedID: String, sourceURLs: [String], relativeTo: String?, relativeClockStart: String?,
        relativePhrase: String?, recipient: Recipient, roles: Set<EntityRole>, condition: ObligationCondition, minimumRisk: RiskOfHarm?,
        forSectors: Set<Sector>, notForSectors: Set<Sector>, threshold: Threshold?, deadline: DeadlineSpec, provenance: Provenance, notes: String?,
        forSize: Set<EntitySize> = [], onlyIfEstablished: Bool = false, forCauses: Set<BreachCause> = [], notForCauses: Set<BreachCause> = [],
        forElements: Set<DataElement> = []
    ) {
        self.forElements = forElements
        self.forCauses = forCauses
        self.notForCauses = notForCauses
        self.forSize = forSize
        self.onlyIfEstablished = onlyIfEstablished
        self.id = id
        self.qualifiedID = qualifiedID
        self.sourceURLs = sourceURLs
        self.relativeTo = relativeTo
        self.relativeClockStart = relativeClockStart
        self.relativePhrase = relativePhrase
        self.recipient = recipient
        self.roles = roles
        self.bindsOwner = roles.contains(.owner) || roles.contains(.controller)
        self.bindsHolder = roles.contains(.maintainer) || roles.contains(.processor)
        self.condition = condition
        self.minimumRisk = minimumRisk
        self.forSectors = forSectors
        self.notForSectors = notForSectors
        self.threshold = threshold
        self.deadline = deadline
        self.provenance = provenance
        self.notes = notes
    }
}

/// The data-element combinations that make information "personal information" under the law.
public struct PersonalInformationRule: Sendable, Hashable {
    public let combinations: [[DataElement]]
    public let provenance: Provenance
    public let notes: String?
    /// Each combination as a bit set (see `DataElement.bit`), for fast matching.
    private let masks: [UInt32]

    public init(combinations: [[DataElement]], provenance: Provenance, notes: String?) {
        self.combinations = combinations
        self.provenance = provenance
        self.notes = notes
        self.masks = combinations.map(DataElement.mask)
    }

    /// The first combination fully present in the bit set `mask` (from `DataElement.mask`).
    public func firstMatch(mask: UInt32) -> [DataElement]? {
        for (index, combination) in masks.enumerated() where combination & mask == combination { return combinations[index] }
        return nil
    }
}

/// What kind of event is a breach under the law.
public struct TriggerRule: Sendable, Hashable {
    public enum Event: String, Sendable, Hashable, CaseIterable {
        /// Acquisition is needed; access alone does not trigger.
        case acquisition
        /// Access alone triggers.
        case access
    }

    public var event: Event
    public var media: Set<DataMedium>
    public var provenance: Provenance
}

/// The encryption safe harbor.
public struct EncryptionRule: Sendable, Hashable {
    public var safeHarbor: Bool
    public var lostIfKeyCompromised: Bool
    /// Obligation ids it exempts; nil = every `breach` obligation.
    public var exempts: [String]?
    public var provenance: Provenance
}

/// The risk-of-harm exemption.
public struct RiskOfHarmRule: Sendable, Hashable {
    public var exemptWhen: RiskOfHarm
    public var documentationRequired: Bool
    public var retainYears: Int?
    public var exempts: [String]?
    /// The breach causes for which the finding exempts (`causes`; New York: inadvertent disclosure by
    /// authorised persons only). Empty: any cause. An unknown cause never qualifies.
    public var causes: Set<BreachCause> = []
    public var provenance: Provenance

    /// Whether a finding of `risk` for a breach with `cause` uses the exemption.
    public func isUsed(risk: RiskOfHarm, cause: BreachCause) -> Bool {
        risk == exemptWhen && (causes.isEmpty || causes.contains(cause))
    }
}

/// Entities deemed compliant because another regime governs them (HIPAA, GLBA…).
public struct SectorExemption: Sendable, Hashable {
    public var sectors: Set<Sector>
    public var exempts: [String]?
    public var condition: String
    public var provenance: Provenance
}

/// How a law-enforcement delay moves the clock.
public struct LawEnforcementDelayRule: Sendable, Hashable {
    public enum Effect: String, Sendable, Hashable, CaseIterable {
        /// The period runs anew from the end of the delay.
        case restart
        /// Due is the later of the normal due and the end of the delay.
        case extend
    }

    public var effect: Effect
    public var provenance: Provenance
}

/// The law as it stood from `effective` until the next version.
public final class RuleVersion: Sendable {
    public let effective: CivilDate
    /// `US-CA@2026-01-01`.
    public let label: String
    public let change: String
    public let sources: [String]
    public let personalInformation: PersonalInformationRule
    public let trigger: TriggerRule
    public let encryption: EncryptionRule?
    public let riskOfHarm: RiskOfHarmRule?
    public let exemptions: [SectorExemption]
    public let lawEnforcementDelay: LawEnforcementDelayRule?
    public let obligations: [ObligationRule]
    public let notes: String?
    /// False for a version the loader did not decode because no date of the incident falls in it
    /// (see `RulesLoader`): only its effective date, label and change are known.
    public let isComplete: Bool
    /// Which facts this version's obligations read, beyond those every rule reads (worked out once,
    /// so that an assessment can say which given facts no rule read).
    public let reads: FactReads

    public init(
        effective: CivilDate, label: String, change: String, sources: [String], personalInformation: PersonalInformationRule, trigger: TriggerRule,
        encryption: EncryptionRule?, riskOfHarm: RiskOfHarmRule?, exemptions: [SectorExemption], lawEnforcementDelay: LawEnforcementDelayRule?,
        obligations: [ObligationRule], notes: String?, isComplete: Bool = true
    ) {
        self.isComplete = isComplete
        var reads = FactReads()
        for exemption in exemptions { reads.sectors.formUnion(exemption.sectors) }
        for obligation in obligations {
            reads.sectors.formUnion(obligation.forSectors)
            reads.sectors.formUnion(obligation.notForSectors)
            if !obligation.forSize.isEmpty { reads.size = true }
            if obligation.threshold?.waivedIfEstablished == true || obligation.onlyIfEstablished { reads.establishments = true }
            if case .fixed(_, let from, _, let bound) = obligation.deadline.rule {
                reads.clockStarts.insert(from)
                if let outer = bound?.from { reads.clockStarts.insert(outer) }
            }
            if !obligation.forCauses.isEmpty || !obligation.notForCauses.isEmpty || obligation.threshold?.waiver.causes.isEmpty == false {
                reads.cause = true
            }
        }
        if riskOfHarm?.causes.isEmpty == false { reads.cause = true }
        self.reads = reads
        self.effective = effective
        self.label = label
        self.change = change
        self.sources = sources
        self.personalInformation = personalInformation
        self.trigger = trigger
        self.encryption = encryption
        self.riskOfHarm = riskOfHarm
        self.exemptions = exemptions
        self.lawEnforcementDelay = lawEnforcementDelay
        self.obligations = obligations
        self.notes = notes
    }

    public func obligation(_ id: String) -> ObligationRule? { obligations.first { $0.id == id } }

    /// A version known only by its dates and summary (not decoded).
    static func outline(effective: CivilDate, label: String, change: String) -> RuleVersion {
        let none = Provenance(cite: "", sources: [])
        return RuleVersion(
            effective: effective, label: label, change: change, sources: [],
            personalInformation: PersonalInformationRule(combinations: [], provenance: none, notes: nil),
            trigger: TriggerRule(event: .acquisition, media: [], provenance: none), encryption: nil, riskOfHarm: nil, exemptions: [],
            lawEnforcementDelay: nil, obligations: [], notes: nil, isComplete: false)
    }
}

/// The facts a rule version reads beyond those every rule reads (events.discoveredAt, data, access,
/// riskOfHarm, affected, notices, entity.role).
public struct FactReads: Sendable, Hashable {
    public var sectors: Set<Sector> = []
    public var clockStarts: Set<ClockStart> = []
    public var establishments = false
    public var size = false
    public var cause = false

    public init() {}
}

/// One jurisdiction's or regime's breach-notification law, with all its versions.
public final class Rule: Sendable {
    public let code: String
    public let name: String
    public let law: String
    /// The URL of the law's official text, which counsel can open and cite (`official:`).
    public let official: String?
    /// The `affected` codes whose counts are this rule's residents.
    public let covers: [String]
    /// Whether the rule covers just its own place (a state), not a list (a regime).
    public var coversOnlyItself: Bool { covers.count == 1 && covers[0] == code }
    /// When set, the rule applies only to entities in one of these sectors.
    public let requiredSectors: Set<Sector>?
    /// Regulator names by main establishment (GDPR's lead authority).
    public let authorities: [String: String]
    public let reviewed: CivilDate
    public let sources: [RuleSource]
    public let disputes: [RuleDispute]
    public let notes: String?
    public let region: Region
    /// Set for a law not assessed (its duties not yet in force, or its text unverified); it may then
    /// have no versions at all.
    public let unassessed: UnassessedLaw?
    /// Oldest first.
    public let versions: [RuleVersion]
    /// The file it was read from, relative to the rules folder.
    public let file: String

    public init(
        code: String, name: String, law: String, official: String? = nil, covers: [String], requiredSectors: Set<Sector>?,
        authorities: [String: String], reviewed: CivilDate, sources: [RuleSource], disputes: [RuleDispute], notes: String?,
        region: Region = .unitedStates, unassessed: UnassessedLaw? = nil, versions: [RuleVersion], file: String
    ) {
        self.code = code
        self.name = name
        self.law = law
        self.official = official
        self.covers = covers
        self.requiredSectors = requiredSectors
        self.authorities = authorities
        self.reviewed = reviewed
        self.sources = sources
        self.disputes = disputes
        self.notes = notes
        self.region = region
        self.unassessed = unassessed
        self.versions = versions
        self.file = file
    }

    /// The version in force on `date`, or nil before the oldest one.
    public func version(on date: CivilDate) -> RuleVersion? {
        versions.last { $0.effective <= date }
    }

    /// The first version that takes effect after `date`, if any.
    public func nextVersion(after date: CivilDate) -> RuleVersion? {
        versions.first { $0.effective > date }
    }

    public func source(_ id: String) -> RuleSource? { sources.first { $0.id == id } }
}
