import BreachClockRules

/// An organisation's incident-response programme as data (issue 15): who holds which role, how
/// severe an event is and whom it escalates to, what to do at each severity, and which in-scope
/// systems are watched by what. It lives in a YAML file in the organisation's own repository and is
/// read strictly (`ProgrammeDecoder`); `ProgrammeCheck` finds what an auditor would find stale.
public struct Programme: Sendable, Equatable {
    /// A person who can hold roles, with the ways to reach them.
    public struct Person: Sendable, Equatable {
        public var id: String
        public var name: String
        public var email: String?
        public var phone: String?
        public var chat: String?
        /// When someone last confirmed these details are current.
        public var reviewedAt: CivilDate
    }

    /// A role in the response, held by one person with a deputy.
    public struct Role: Sendable, Equatable {
        public var id: String
        public var name: String
        /// A person's id; nil when no one holds it (a finding).
        public var holder: String?
        /// A person's id; nil when there is none (a finding).
        public var deputy: String?
        /// When someone last confirmed who holds it.
        public var reviewedAt: CivilDate
    }

    /// What to do at one severity, as a runbook someone new could follow at 2 a.m.
    public struct Runbook: Sendable, Equatable {
        /// The role that decides whether an event is an incident.
        public var declaredBy: String
        /// The roles that may speak outside the organisation.
        public var speaksExternally: [String]
        /// Containment, eradication and recovery, in order.
        public var steps: [String]
        /// When the incident may be declared resolved.
        public var resolvedWhen: String
    }

    /// A level of the severity scheme (SEV1–SEV4, or the organisation's own).
    public struct Severity: Sendable, Equatable {
        public var id: String
        public var criteria: String
        /// Role ids, in the order they are called.
        public var escalation: [String]
        public var runbook: Runbook
    }

    /// A system in scope, and what detects trouble in it.
    public struct System: Sendable, Equatable {
        public var id: String
        public var name: String
        /// SIEM rules, log pipelines or alerts that watch it; empty is a finding.
        public var detection: [String]
    }

    /// The roles every programme has; an organisation adds its own beside them.
    public static let standardRoles = ["incident-commander", "legal", "communications", "security-lead", "executive-sponsor"]

    public var organisation: String
    public var people: [Person]
    public var roles: [Role]
    public var severities: [Severity]
    public var systems: [System]
    /// How long a person's or a role's review stays current (default 90 days).
    public var reviewDays: Int
    /// How many roles (held or deputised) one person may carry before it is a finding (default 3).
    public var maxRolesPerPerson: Int
    /// How long an event from monitoring may wait for its disposition before it is a finding and an
    /// `event.untriaged` message (default 24 hours).
    public var triageWithinHours: Int = 24
}
