import BreachClockRules
import Foundation

/// Invalid incident facts: one issue per problem, each naming its field path.
public struct InvalidFacts: Error, Sendable, CustomStringConvertible {
    public var issues: [DocumentIssue]

    public init(issues: [DocumentIssue]) { self.issues = issues }

    public var description: String { issues.map(\.pathDescription).joined(separator: "\n") }
}

/// Validates and decodes incident facts (contract v1, section 1) from a parsed JSON or YAML document.
/// Every problem is reported; nothing is returned from input with any problem.
public struct FactsDecoder: Sendable {
    /// Rule codes that are not places (`EU-GDPR`), accepted as a notice's `jurisdiction`.
    public var ruleCodes: Set<String>

    public init(ruleCodes: Set<String> = []) { self.ruleCodes = ruleCodes }

    typealias S = ScalarReader

    public func decode(_ root: DocumentNode) throws(InvalidFacts) -> IncidentFacts {
        let issues = IssueCollector()
        guard var map = MappingReader(root, path: "", issues: issues) else { throw InvalidFacts(issues: issues.issues) }

        var zone = TimeZone(identifier: "UTC")!
        if let node = map.optional("timezone"), let name = S.text(node, "timezone", issues) {
            if let found = TimeZone(identifier: name), name.utf8.contains(UInt8(ascii: "/")) || name == "UTC" || name == "GMT" {
                zone = found
            } else {
                issues.report(node, "timezone", "unknown IANA time zone `\(name)`")
            }
        }

        func instant(_ reader: inout MappingReader, _ key: String, required: Bool) -> Date? {
            guard let node = required ? reader.required(key) : reader.optional(key) else { return nil }
            guard let text = S.text(node, reader.path(key), issues) else { return nil }
            if let date = ZonedTime.parse(text, in: zone) { return date }
            issues.report(node, reader.path(key), "expected an RFC 3339 instant with an offset (2026-03-02T14:00:00-05:00) or a date (2026-03-02), found `\(text)`")
            return nil
        }

        var discoveredAt: Date?
        var determinedAt: Date?
        var occurredAt: Date?
        var vendorAt: Date?
        var materialityAt: Date?
        var delayUntil: Date?
        if let node = map.required("events"), var events = MappingReader(node, path: "events", issues: issues) {
            discoveredAt = instant(&events, "discoveredAt", required: true)
            determinedAt = instant(&events, "determinedAt", required: false)
            occurredAt = instant(&events, "occurredAt", required: false)
            vendorAt = instant(&events, "notifiedByVendorAt", required: false)
            materialityAt = instant(&events, "materialityDeterminedAt", required: false)
            delayUntil = instant(&events, "lawEnforcementDelayUntil", required: false)
            events.finish()
            if let discoveredAt, let determinedAt, determinedAt < discoveredAt, let n = events.optional("determinedAt") {
                issues.report(n, "events.determinedAt", "is before events.discoveredAt: a breach cannot be determined before it is discovered")
            }
            if let discoveredAt, let occurredAt, occurredAt > discoveredAt, let n = events.optional("occurredAt") {
                issues.report(n, "events.occurredAt", "is after events.discoveredAt: a breach cannot be discovered before it happens")
            }
        }

        var role = EntityRole.owner
        var sectors: [Sector] = []
        var mainEstablishment: String?
        if let node = map.optional("entity"), var entity = MappingReader(node, path: "entity", issues: issues) {
            if let n = entity.optional("role"), let value: EntityRole = S.choice(n, "entity.role", issues, "role") { role = value }
            if let n = entity.optional("sectors"), let values: [Sector] = S.choices(n, "entity.sectors", issues, "sector code") {
                sectors = values
            }
            if let n = entity.optional("mainEstablishment"), let code = S.text(n, "entity.mainEstablishment", issues) {
                if PlaceCodes.countries.contains(code) { mainEstablishment = code } else {
                    issues.report(n, "entity.mainEstablishment", "unknown country code `\(code)` (ISO 3166-1 alpha-2)")
                }
            }
            entity.finish()
        }

        var elements: [DataElement] = []
        var encrypted = false
        var keyCompromised = false
        var medium = DataMedium.electronic
        if let node = map.required("data"), var data = MappingReader(node, path: "data", issues: issues) {
            if let n = data.required("elements"), let values: [DataElement] = S.choices(n, "data.elements", issues, "data element") {
                if values.isEmpty { issues.report(n, "data.elements", "list at least one data element") }
                var seen: Set<DataElement> = []
                for (index, value) in values.enumerated() where !seen.insert(value).inserted {
                    issues.report(n, "data.elements[\(index)]", "`\(value.rawValue)` is listed twice")
                }
                elements = values
            }
            if let n = data.optional("encrypted"), let value = S.bool(n, "data.encrypted", issues) { encrypted = value }
            if let n = data.optional("keyCompromised"), let value = S.bool(n, "data.keyCompromised", issues) { keyCompromised = value }
            if let n = data.optional("medium"), let value: DataMedium = S.choice(n, "data.medium", issues, "medium") { medium = value }
            data.finish()
        }

        var access = AccessKind.acquired
        if let n = map.optional("access"), let value: AccessKind = S.choice(n, "access", issues, "access kind") { access = value }
        var risk = RiskOfHarm.unknown
        if let n = map.optional("riskOfHarm"), let value: RiskOfHarm = S.choice(n, "riskOfHarm", issues, "risk of harm") { risk = value }

        var affected: [(code: String, count: AffectedCount)] = []
        if let node = map.required("affected"), var reader = MappingReader(node, path: "affected", issues: issues) {
            let entries = reader.allEntries()
            if entries.isEmpty { issues.report(node, "affected", "name at least one place with its count of affected people") }
            for entry in entries {
                let path = "affected.\(entry.key)"
                guard PlaceCodes.isKnown(entry.key) else {
                    issues.report(at: entry.keyAt, path, "unknown jurisdiction code")
                    continue
                }
                if let count = decodeCount(entry.value, path, issues) { affected.append((entry.key, count)) }
            }
        }

        var notices: [RecordedNotice] = []
        if let node = map.optional("notices"), let items = S.list(node, "notices", issues) {
            for (index, item) in items.enumerated() {
                let path = "notices[\(index)]"
                guard var reader = MappingReader(item, path: path, issues: issues) else { continue }
                var jurisdiction: String?
                if let n = reader.required("jurisdiction"), let code = S.text(n, reader.path("jurisdiction"), issues) {
                    if PlaceCodes.isKnown(code) || ruleCodes.contains(code) { jurisdiction = code } else {
                        issues.report(n, reader.path("jurisdiction"), "unknown jurisdiction code `\(code)`")
                    }
                }
                let recipient: RecipientKind? = reader.required("recipient").flatMap { S.choice($0, reader.path("recipient"), issues, "recipient kind") }
                let sentAt = instant(&reader, "sentAt", required: true)
                let obligation = reader.optional("obligation").flatMap { S.text($0, reader.path("obligation"), issues) }
                reader.finish()
                if let jurisdiction, let recipient, let sentAt {
                    notices.append(RecordedNotice(jurisdiction: jurisdiction, recipient: recipient, sentAt: sentAt, obligation: obligation))
                }
            }
        }
        map.finish()

        guard issues.issues.isEmpty, let discoveredAt else { throw InvalidFacts(issues: issues.issues) }
        return IncidentFacts(
            timeZone: zone, discoveredAt: discoveredAt, determinedAt: determinedAt, occurredAt: occurredAt,
            notifiedByVendorAt: vendorAt, materialityDeterminedAt: materialityAt, lawEnforcementDelayUntil: delayUntil,
            role: role, sectors: Set(sectors), mainEstablishment: mainEstablishment, elements: elements,
            encrypted: encrypted, keyCompromised: keyCompromised, medium: medium, access: access, riskOfHarm: risk,
            affected: affected, notices: notices)
    }

    func decodeCount(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> AffectedCount? {
        if case .mapping = node {
            guard var reader = MappingReader(node, path: path, issues: issues) else { return nil }
            let low = reader.required("min").flatMap { S.integer($0, reader.path("min"), issues) }
            let high = reader.required("max").flatMap { S.integer($0, reader.path("max"), issues) }
            reader.finish()
            guard let low, let high else { return nil }
            guard low >= 0, high >= low else {
                issues.report(node, path, "a range needs 0 <= min <= max, found \(low) to \(high)")
                return nil
            }
            return AffectedCount(min: low, max: high)
        }
        guard let value = S.integer(node, path, issues) else { return nil }
        guard value >= 0 else {
            issues.report(node, path, "a count cannot be negative")
            return nil
        }
        return AffectedCount(exactly: value)
    }
}
