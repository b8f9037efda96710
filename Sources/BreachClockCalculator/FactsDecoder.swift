import BreachClockRules
import Foundation
import Synchronization

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
        guard var map = MappingReader(root, path: "", issues: issues) else { throw InvalidFacts(issues: issues.reported) }

        var zone = ZonedTime.utc
        var zoneGiven = false
        if let node = map.optional("timezone"), let name = S.text(node, "timezone", issues) {
            if let found = Self.ianaZone(name) {
                zone = found
                zoneGiven = true
            } else {
                issues.report(
                    node, "timezone",
                    "unknown IANA time zone `\(name)` (a name such as America/New_York or EST5EDT; abbreviations such as PST are ambiguous)")
            }
        }
        var warnings: [String] = []
        let offsets = zoneGiven ? ZoneOffsets(zone) : nil

        func instant(_ reader: inout MappingReader, _ key: String, required: Bool) -> Date? {
            guard let node = required ? reader.required(key) : reader.optional(key) else { return nil }
            let path = reader.path(key)
            guard let text = S.text(node, path, issues) else { return nil }
            switch Self.instant(text, zone: zoneGiven ? zone : nil, offsets: offsets) {
            case .failure(let problem):
                issues.report(node, path, problem.message)
                return nil
            case .success(let (date, warning)):
                if let warning { warnings.append("\(path): \(warning)") }
                return date
            }
        }

        var discoveredAt: Date?
        var determinedAt: Date?
        var occurredAt: Date?
        var vendorAt: Date?
        var materialityAt: Date?
        var delayUntil: Date?
        var classifiedAt: Date?
        var extortionPaymentAt: Date?
        var cause = BreachCause.unknown
        if let node = map.required("events"), var events = MappingReader(node, path: "events", issues: issues) {
            discoveredAt = instant(&events, "discoveredAt", required: true)
            determinedAt = instant(&events, "determinedAt", required: false)
            occurredAt = instant(&events, "occurredAt", required: false)
            vendorAt = instant(&events, "notifiedByVendorAt", required: false)
            materialityAt = instant(&events, "materialityDeterminedAt", required: false)
            delayUntil = instant(&events, "lawEnforcementDelayUntil", required: false)
            classifiedAt = instant(&events, "classifiedAt", required: false)
            extortionPaymentAt = instant(&events, "extortionPaymentAt", required: false)
            if let n = events.optional("cause"), let value: BreachCause = S.choice(n, "events.cause", issues, "cause") { cause = value }
            events.finish()
            if let discoveredAt, let extortionPaymentAt, extortionPaymentAt < discoveredAt, let n = events.optional("extortionPaymentAt") {
                issues.report(
                    n, "events.extortionPaymentAt", "is before events.discoveredAt: a ransom cannot be paid for a breach not yet discovered")
            }
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
        var establishments: [String] = []
        var size = EntitySize.larger
        if let node = map.optional("entity"), var entity = MappingReader(node, path: "entity", issues: issues) {
            if let n = entity.optional("role"), let value: EntityRole = S.choice(n, "entity.role", issues, "role") { role = value }
            if let n = entity.optional("sectors"), let values: [Sector] = S.choices(n, "entity.sectors", issues, "sector code") {
                sectors = values
            }
            if let n = entity.optional("mainEstablishment"), let code = S.text(n, "entity.mainEstablishment", issues) {
                if PlaceCodes.countries.contains(code) {
                    mainEstablishment = code
                } else {
                    issues.report(n, "entity.mainEstablishment", "unknown country code `\(code)` (ISO 3166-1 alpha-2)")
                }
            }
            if let n = entity.optional("establishments"), let items = S.list(n, "entity.establishments", issues) {
                for (index, item) in items.enumerated() {
                    guard let code = S.text(item, "entity.establishments[\(index)]", issues) else { continue }
                    if !PlaceCodes.isKnown(code) {
                        issues.report(
                            item, "entity.establishments[\(index)]",
                            "unknown place code `\(code)` (ISO 3166-1 or, for US states, ISO 3166-2 such as US-NY)")
                    } else if establishments.contains(code) {
                        issues.report(item, "entity.establishments[\(index)]", "`\(code)` is listed twice")
                    } else {
                        establishments.append(code)
                    }
                }
            }
            if let n = entity.optional("size"), let value: EntitySize = S.choice(n, "entity.size", issues, "size") { size = value }
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
            if items.count > Self.maxNotices {
                issues.report(node, "notices", "at most \(Self.maxNotices) notices, found \(items.count)")
            }
            for (index, item) in items.enumerated() {
                let path = "notices[\(index)]"
                guard var reader = MappingReader(item, path: path, issues: issues) else { continue }
                var jurisdiction: String?
                if let n = reader.required("jurisdiction"), let code = S.text(n, reader.path("jurisdiction"), issues) {
                    if PlaceCodes.isKnown(code) || ruleCodes.contains(code) {
                        jurisdiction = code
                    } else {
                        issues.report(n, reader.path("jurisdiction"), "unknown jurisdiction code `\(code)`")
                    }
                }
                let recipient: RecipientKind? = reader.required("recipient").flatMap {
                    S.choice($0, reader.path("recipient"), issues, "recipient kind")
                }
                let sentAt = instant(&reader, "sentAt", required: true)
                if let sentAt, let discoveredAt, sentAt < discoveredAt, let n = reader.optional("sentAt") {
                    issues.report(n, reader.path("sentAt"), "is before events.discoveredAt: a breach cannot be notified before it is discovered")
                }
                var obligation = reader.optional("obligation").flatMap { S.text($0, reader.path("obligation"), issues) }
                if let id = obligation, id.utf8.count > 200 || !id.utf8.contains(0x2F) {
                    issues.report(
                        item, reader.path("obligation"), "expected an obligation id such as US-NY/regulator-dos (CODE/name, at most 200 characters)")
                    obligation = nil
                }
                reader.finish()
                if let jurisdiction, let recipient, let sentAt {
                    notices.append(RecordedNotice(jurisdiction: jurisdiction, recipient: recipient, sentAt: sentAt, obligation: obligation))
                }
            }
        }
        map.finish()

        guard issues.isEmpty, let discoveredAt else { throw InvalidFacts(issues: issues.reported) }
        var facts = IncidentFacts(
            timeZone: zone, discoveredAt: discoveredAt, determinedAt: determinedAt, occurredAt: occurredAt,
            notifiedByVendorAt: vendorAt, materialityDeterminedAt: materialityAt, lawEnforcementDelayUntil: delayUntil,
            role: role, sectors: Set(sectors), mainEstablishment: mainEstablishment, elements: elements,
            encrypted: encrypted, keyCompromised: keyCompromised, medium: medium, access: access, riskOfHarm: risk,
            affected: affected, notices: notices, warnings: warnings)
        facts.classifiedAt = classifiedAt
        facts.extortionPaymentAt = extortionPaymentAt
        facts.cause = cause
        facts.establishments = establishments
        facts.size = size
        return facts
    }

    /// The most notices one incident's facts may record (each recipient is notified once; a thousand
    /// is far above any real incident and keeps every assessment quick).
    public static let maxNotices = 1_000

    /// Why an instant was refused.
    public struct InstantProblem: Error { public var message: String }

    /// The first and last years an instant may fall in: every deadline then stays a four-digit year.
    public static let years = 1970...2999
    /// `years` in seconds since 1970 (UTC): from 1970-01-01T00:00:00Z to before 3000-01-01T00:00:00Z.
    static let instants: Range<TimeInterval> = 0..<32_503_680_000
    static let utc = ZonedTime.utc

    /// Reads an instant of the facts: RFC 3339 with an offset, or a date (midnight in the incident's
    /// zone). Refuses leap seconds and years outside `years`; warns when `zone` is given and the written
    /// offset is not the zone's at that instant (a local time that does not exist, or a likely slip).
    public static func instant(_ text: String, zone: TimeZone?, offsets: ZoneOffsets? = nil) -> Result<(Date, warning: String?), InstantProblem> {
        let bytes = Array(text.utf8)
        if bytes.count >= 19, bytes[17] == UInt8(ascii: "6"), bytes[18] == UInt8(ascii: "0"), bytes[16] == UInt8(ascii: ":") {
            return .failure(InstantProblem(message: "a leap second (:60) is not accepted; write :59 (found `\(text)`)"))
        }
        guard let date = ZonedTime.parse(text, in: zone ?? utc) else {
            return .failure(
                InstantProblem(
                    message:
                        "expected an RFC 3339 instant with an offset (2026-03-02T14:00:00-05:00) or a date (2026-03-02), found `\(text)`"))
        }
        guard instants.contains(date.timeIntervalSince1970) else {
            return .failure(InstantProblem(message: "must fall between \(years.lowerBound) and \(years.upperBound), found `\(text)`"))
        }
        guard let zone, bytes.count > 19, let written = writtenOffset(bytes) else { return .success((date, nil)) }
        let actual = offsets?.offset(at: date) ?? zone.secondsFromGMT(for: date)
        guard written != actual else { return .success((date, nil)) }
        let local = String(text.prefix(16)).replacingOccurrences(of: "t", with: "T")
        // A wall-clock time exists when one of the zone's offsets either side of it maps back onto it.
        let wall = date.timeIntervalSince1970 + Double(written)
        let exists = [wall - 86_400, wall + 86_400].contains { probe in
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: probe))
            return zone.secondsFromGMT(for: Date(timeIntervalSince1970: wall - Double(offset))) == offset
        }
        let name = zone.identifier
        if !exists {
            return .success(
                (
                    date,
                    "\(local) does not exist in \(name) (the clocks skipped it), so the offset \(offsetText(written)) cannot be its local time; the instant is read as written, \(offsetText(actual)) there"
                ))
        }
        return .success(
            (
                date,
                "the offset \(offsetText(written)) is not \(name)'s at that instant (\(offsetText(actual))); the instant is read as written: check it"
            ))
    }

    /// The `±hh:mm` offset written at the end of an instant, in seconds; nil for `Z` or none.
    static func writtenOffset(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 6 else { return nil }
        let sign = bytes[bytes.count - 6]
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), bytes[bytes.count - 3] == UInt8(ascii: ":") else { return nil }
        let digits = [bytes.count - 5, bytes.count - 4, bytes.count - 2, bytes.count - 1].map { Int(bytes[$0]) - 48 }
        guard digits.allSatisfy({ (0...9).contains($0) }) else { return nil }
        let seconds = (digits[0] * 10 + digits[1]) * 3600 + (digits[2] * 10 + digits[3]) * 60
        return sign == UInt8(ascii: "-") ? -seconds : seconds
    }

    static func offsetText(_ seconds: Int) -> String {
        let magnitude = abs(seconds)
        let hours = magnitude / 3600
        let minutes = magnitude % 3600 / 60
        return (seconds < 0 ? "-" : "+") + (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
    }

    /// IANA zone names without a `/` (tzdata's `northamerica`, `europe`, `etcetera` and `backward`
    /// files). Names with a `/` are checked by Foundation; names without one also match ICU's legacy
    /// abbreviations (`PST`, `BST`), which are ambiguous and refused.
    static let ianaNamesWithoutSlash: Set<String> = [
        "UTC", "GMT", "UCT", "Universal", "Zulu", "Greenwich", "GMT0",
        "EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "CET", "EET", "MET", "WET",
        "Cuba", "Egypt", "Eire", "GB", "GB-Eire", "Hongkong", "Iceland", "Iran", "Israel", "Jamaica", "Japan", "Kwajalein",
        "Libya", "Navajo", "NZ", "NZ-CHAT", "Poland", "Portugal", "PRC", "ROC", "ROK", "Singapore", "Turkey", "W-SU",
    ]

    /// The zone named `name` when it is an IANA time zone name.
    public static func ianaZone(_ name: String) -> TimeZone? {
        if let known = ZoneCache.shared.zone(named: name) { return known }
        guard name.utf8.contains(UInt8(ascii: "/")) || ianaNamesWithoutSlash.contains(name) else { return nil }
        guard let zone = TimeZone(identifier: name) else { return nil }
        // Foundation turns `GMT+5` into a custom `GMT+0500`; only a name it keeps as given is a zone.
        guard zone.identifier == name || (name == "UTC" && zone.identifier == "GMT") else { return nil }
        ZoneCache.shared.remember(zone, as: name)
        return zone
    }

    /// Zones already accepted, by name: making a `TimeZone` and reading its identifier goes through
    /// ICU, which costs more than the rest of decoding a small body. Bounded by the IANA names.
    final class ZoneCache: Sendable {
        static let shared = ZoneCache()
        private let zones = Mutex<[String: TimeZone]>([:])

        func zone(named name: String) -> TimeZone? { zones.withLock { $0[name] } }

        func remember(_ zone: TimeZone, as name: String) { zones.withLock { $0[name] = zone } }
    }

    func decodeCount(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> AffectedCount? {
        if case .mapping = node {
            guard var reader = MappingReader(node, path: path, issues: issues) else { return nil }
            let low = reader.required("min").flatMap { S.integer($0, reader.path("min"), issues) }
            let high = reader.required("max").flatMap { S.integer($0, reader.path("max"), issues) }
            reader.finish()
            guard let low, let high else { return nil }
            guard low >= 0, high >= low, high <= AffectedCount.maximum else {
                issues.report(node, path, "a range needs 0 <= min <= max <= \(AffectedCount.maximum), found \(low) to \(high)")
                return nil
            }
            return AffectedCount(min: low, max: high)
        }
        // The common case first: a plain whole number in range.
        if case .scalar(let text, true, _) = node, let value = Int(text), value >= 0, value <= AffectedCount.maximum {
            return AffectedCount(exactly: value)
        }
        // A number too large for the counter is out of range, not "not a number".
        if case .scalar(let text, true, _) = node, Int(text) == nil, node.nonTextKind == "a number",
            let value = Double(text), value > Double(AffectedCount.maximum)
        {
            issues.report(node, path, "a count is at most \(AffectedCount.maximum) (one trillion), found \(text)")
            return nil
        }
        guard let value = S.integer(node, path, issues) else { return nil }
        guard value >= 0 else {
            issues.report(node, path, "a count cannot be negative")
            return nil
        }
        guard value <= AffectedCount.maximum else {
            issues.report(node, path, "a count is at most \(AffectedCount.maximum) (one trillion), found \(value)")
            return nil
        }
        return AffectedCount(exactly: value)
    }
}
