import BreachClockRules
import Foundation

/// A count of affected people: exact, or a range while the investigation runs.
public struct AffectedCount: Sendable, Hashable, CustomStringConvertible {
    public var min: Int
    public var max: Int

    public init(exactly count: Int) {
        min = count
        max = count
    }

    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }

    public var isExact: Bool { min == max }

    /// The largest count the facts accept: one trillion, far above any real incident, and small
    /// enough that the counts of every place on Earth add up without overflow.
    public static let maximum = 1_000_000_000_000

    /// The sum, saturating at `Int.max` (the decoder's bound keeps real sums far below it; counts
    /// built in code must not crash the process either).
    public static func + (lhs: AffectedCount, rhs: AffectedCount) -> AffectedCount {
        func add(_ a: Int, _ b: Int) -> Int {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? Int.max : sum
        }
        return AffectedCount(min: add(lhs.min, rhs.min), max: add(lhs.max, rhs.max))
    }

    public static let zero = AffectedCount(exactly: 0)

    public var description: String {
        var text = ""
        write(to: &text)
        return text
    }

    /// `620`, or `400 to 600` for a range.
    public func write<Out: TextOutputStream>(to out: inout Out) {
        out.write(String(min))
        guard !isExact else { return }
        out.write(" to ")
        out.write(String(max))
    }
}

/// A notice already given.
public struct RecordedNotice: Sendable, Hashable {
    /// The rule's code (`US-CA`, `EU-GDPR`).
    public var jurisdiction: String
    public var recipient: RecipientKind
    public var sentAt: Date
    /// Optional: the exact obligation (`US-NY/regulator-dos`) where a law names several recipients of one kind.
    public var obligation: String?

    public init(jurisdiction: String, recipient: RecipientKind, sentAt: Date, obligation: String? = nil) {
        self.jurisdiction = jurisdiction
        self.recipient = recipient
        self.sentAt = sentAt
        self.obligation = obligation
    }

    /// Whether this notice is the one given for the obligation `id` (`CODE/local`) of that recipient kind.
    public func satisfies(obligationID id: String, jurisdiction code: String, kind: RecipientKind) -> Bool {
        if let obligation { return obligation == id }
        return jurisdiction == code && recipient == kind
    }
}

/// The facts of an incident, as the assessment contract (v1, section 1) defines them, validated.
public struct IncidentFacts: Sendable {
    public var timeZone: TimeZone
    public var discoveredAt: Date
    public var determinedAt: Date?
    public var occurredAt: Date?
    public var notifiedByVendorAt: Date?
    public var materialityDeterminedAt: Date?
    public var lawEnforcementDelayUntil: Date?
    /// When the incident was classified as major or significant (DORA, NIS2).
    public var classifiedAt: Date?
    /// When an extortion (ransom) payment was made (NYDFS 500.17(c), CIRCIA).
    public var extortionPaymentAt: Date?
    public var cause: BreachCause = .unknown
    public var role: EntityRole
    public var sectors: Set<Sector>
    public var mainEstablishment: String?
    /// Where the entity is organised, domiciled or has its principal place of business, principal first.
    public var establishments: [String] = []
    public var size: EntitySize = .larger
    public var elements: [DataElement]
    public var encrypted: Bool
    public var keyCompromised: Bool
    public var medium: DataMedium
    public var access: AccessKind
    public var riskOfHarm: RiskOfHarm
    /// Affected people by place code, in the order given.
    public var affected: [(code: String, count: AffectedCount)]
    public var notices: [RecordedNotice]
    /// What the decoder found doubtful but not wrong (an offset that is not the zone's), as warnings for the assessment.
    public var warnings: [String]

    public init(
        timeZone: TimeZone = ZonedTime.utc, discoveredAt: Date, determinedAt: Date? = nil,
        occurredAt: Date? = nil, notifiedByVendorAt: Date? = nil, materialityDeterminedAt: Date? = nil,
        lawEnforcementDelayUntil: Date? = nil, role: EntityRole = .owner, sectors: Set<Sector> = [],
        mainEstablishment: String? = nil, elements: [DataElement], encrypted: Bool = false, keyCompromised: Bool = false,
        medium: DataMedium = .electronic, access: AccessKind = .acquired, riskOfHarm: RiskOfHarm = .unknown,
        affected: [(code: String, count: AffectedCount)], notices: [RecordedNotice] = [], warnings: [String] = []
    ) {
        self.warnings = warnings
        self.timeZone = timeZone
        self.discoveredAt = discoveredAt
        self.determinedAt = determinedAt
        self.occurredAt = occurredAt
        self.notifiedByVendorAt = notifiedByVendorAt
        self.materialityDeterminedAt = materialityDeterminedAt
        self.lawEnforcementDelayUntil = lawEnforcementDelayUntil
        self.role = role
        self.sectors = sectors
        self.mainEstablishment = mainEstablishment
        self.elements = elements
        self.encrypted = encrypted
        self.keyCompromised = keyCompromised
        self.medium = medium
        self.access = access
        self.riskOfHarm = riskOfHarm
        self.affected = affected
        self.notices = notices
    }

    /// Everyone affected.
    public var totalCount: AffectedCount { affected.reduce(.zero) { $0 + $1.count } }

    /// The instant of a clock-start event, or nil when the facts do not have it yet.
    public func instant(of event: ClockStart) -> Date? {
        switch event {
        case .discovery: return discoveredAt
        case .determination: return determinedAt ?? discoveredAt
        case .occurrence: return occurredAt
        case .vendorNotice: return notifiedByVendorAt
        case .materiality: return materialityDeterminedAt
        case .extortionPayment: return extortionPaymentAt
        case .classification: return classifiedAt
        case .calendarYearEnd:
            let year = ZonedTime.civilDate(of: discoveredAt, in: timeZone).year
            return ZonedTime.endOfDay(CivilDate(year: year, month: 12, day: 31)!, in: timeZone)
        }
    }
}

extension Threshold {
    /// Whether a count that may be anywhere in its range could meet the threshold (the protective
    /// reading lists the obligation then).
    public func mayBeMet(by count: AffectedCount) -> Bool {
        comparison == .fewerThan ? isMet(by: count.min) : isMet(by: count.max)
    }

    /// Whether the count meets the threshold wherever it lies in its range.
    public func isSurelyMet(by count: AffectedCount) -> Bool {
        comparison == .fewerThan ? isMet(by: count.max) : isMet(by: count.min)
    }
}
