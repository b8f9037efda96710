import Foundation

/// Data elements of the assessment contract (section 3).
public enum DataElement: String, CaseIterable, Sendable, Hashable, Comparable {
    case name, ssn
    case driversLicense = "drivers-license"
    case passport
    case militaryID = "military-id"
    case governmentID = "government-id"
    case taxID = "tax-id"
    case financialAccount = "financial-account"
    case paymentCard = "payment-card"
    case accountAccessCode = "account-access-code"
    case onlineCredentials = "online-credentials"
    case medical
    case healthInsurance = "health-insurance"
    case biometric, genetic
    case dateOfBirth = "date-of-birth"
    case mothersMaidenName = "mothers-maiden-name"
    case digitalSignature = "digital-signature"
    case contactDetails = "contact-details"
    case specialCategory = "special-category"

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// This element's bit in a bit set of elements.
    public var bit: UInt32 { 1 << UInt32(DataElement.allCases.firstIndex(of: self)!) }

    /// A bit set of elements.
    public static func mask(_ elements: some Sequence<DataElement>) -> UInt32 {
        elements.reduce(0) { $0 | $1.bit }
    }
}

/// Recipient kinds of the assessment contract.
public enum RecipientKind: String, CaseIterable, Sendable, Hashable {
    case individuals, regulator
    case consumerReportingAgencies = "consumer-reporting-agencies"
    case media, controller
    case dataOwner = "data-owner"
    case lawEnforcement = "law-enforcement"
    /// The entity's own breach record (GDPR Art. 33(5), PIPEDA's record of every breach): an
    /// extension of the contract's list, for duties to document rather than to tell someone.
    case register
}

/// Sector codes of the assessment contract.
public enum Sector: String, CaseIterable, Sendable, Hashable {
    case hipaaCoveredEntity = "hipaa-covered-entity"
    case hipaaBusinessAssociate = "hipaa-business-associate"
    case glbaFinancialInstitution = "glba-financial-institution"
    case ftcSafeguards = "ftc-safeguards"
    case publicCompany = "public-company"
    case secCoveredInstitution = "sec-covered-institution"
    case nydfsCoveredEntity = "nydfs-covered-entity"
    case bank
    case bankServiceProvider = "bank-service-provider"
    case phrVendor = "phr-vendor"
    case insuranceLicensee = "insurance-licensee"
    case defenseContractor = "defense-contractor"
    case telecomCarrier = "telecom-carrier"
    case criticalInfrastructure = "critical-infrastructure"
    case dataBroker = "data-broker"
    case governmentAgency = "government-agency"
    case essentialEntity = "essential-entity"
    case importantEntity = "important-entity"
    case financialEntity = "financial-entity"
}

/// The entity's size, as a regime whose dates or duties differ by size defines it (SEC Regulation S-P).
public enum EntitySize: String, CaseIterable, Sendable, Hashable {
    case larger, smaller
}

/// How the breach happened, for laws whose exemptions or clocks depend on it; `unknown` is read conservatively.
public enum BreachCause: String, CaseIterable, Sendable, Hashable {
    case intrusion
    case inadvertentDisclosure = "inadvertent-disclosure"
    case lostDevice = "lost-device"
    case insider, unknown
}

/// The entity's role. US statutes say owner/licensor or maintainer; the GDPR says controller or
/// processor. An owner is treated as a controller and a maintainer as a processor, and back.
public enum EntityRole: String, CaseIterable, Sendable, Hashable {
    case owner, maintainer, controller, processor

    /// The side of the data relationship: the one who decides (owner, controller) or the one who holds for another.
    public var holdsForAnother: Bool { self == .maintainer || self == .processor }
}

/// The entity's documented risk-of-harm finding, ordered from least to most serious.
public enum RiskOfHarm: String, CaseIterable, Sendable, Hashable, Comparable {
    case unlikely, unknown, likely, high

    /// `unknown` counts as `likely` (the contract's protective reading).
    public var effective: RiskOfHarm { self == .unknown ? .likely : self }

    private var rank: Int {
        switch self {
        case .unlikely: return 0
        case .unknown, .likely: return 1
        case .high: return 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// What the unauthorised party did with the data.
public enum AccessKind: String, CaseIterable, Sendable, Hashable {
    case acquired, accessed
}

/// The medium of the exposed data.
public enum DataMedium: String, CaseIterable, Sendable, Hashable {
    case electronic, paper
}

/// The events a deadline's clock can start from.
public enum ClockStart: String, CaseIterable, Sendable, Hashable {
    case discovery, determination, occurrence
    case vendorNotice = "vendor-notice"
    case materiality
    case calendarYearEnd = "calendar-year-end"
    /// `events.extortionPaymentAt` (NYDFS 500.17(c)).
    case extortionPayment = "extortion-payment"
    /// `events.classifiedAt`: the incident classified as major or significant (DORA, NIS2).
    case classification
}

/// The part of the world a rule belongs to, for `rules list --region` and the coverage tables.
public enum Region: String, CaseIterable, Sendable, Hashable {
    case unitedStates = "united-states"
    case europe
    case americas
    case asiaPacific = "asia-pacific"
    case middleEastAfrica = "middle-east-africa"

    /// The region of a code that does not state one: US rules and EU regimes.
    public static func implied(by code: String) -> Region? {
        if code == "US" || code.hasPrefix("US-") { return .unitedStates }
        if code.hasPrefix("EU-") { return .europe }
        return nil
    }
}
