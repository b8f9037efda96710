import BreachClockJSON
import BreachClockRules
import Foundation

extension IncidentFacts {
    /// The facts in the contract's shape (section 1), canonical: defaults spelled out, instants in the
    /// incident's time zone, places sorted by code. `FactsDecoder` reads it back to equal facts.
    public func json() -> OrderedJSON {
        func instant(_ date: Date) -> OrderedJSON { .string(ZonedTime.rfc3339(date, in: timeZone)) }
        var events: [(String, OrderedJSON)] = [("discoveredAt", instant(discoveredAt))]
        if let determinedAt { events.append(("determinedAt", instant(determinedAt))) }
        if let occurredAt { events.append(("occurredAt", instant(occurredAt))) }
        if let notifiedByVendorAt { events.append(("notifiedByVendorAt", instant(notifiedByVendorAt))) }
        if let materialityDeterminedAt { events.append(("materialityDeterminedAt", instant(materialityDeterminedAt))) }
        if let lawEnforcementDelayUntil { events.append(("lawEnforcementDelayUntil", instant(lawEnforcementDelayUntil))) }
        // Facts added to the contract later are written only when given, so stored facts and their
        // revisions from before keep their exact text.
        if let classifiedAt { events.append(("classifiedAt", instant(classifiedAt))) }
        if let extortionPaymentAt { events.append(("extortionPaymentAt", instant(extortionPaymentAt))) }
        if cause != .unknown { events.append(("cause", .string(cause.rawValue))) }
        var entity: [(String, OrderedJSON)] = [
            ("role", .string(role.rawValue)),
            ("sectors", .array(sectors.map(\.rawValue).sorted().map(OrderedJSON.string))),
        ]
        if let mainEstablishment { entity.append(("mainEstablishment", .string(mainEstablishment))) }
        if !establishments.isEmpty { entity.append(("establishments", .array(establishments.map(OrderedJSON.string)))) }
        if size != .larger { entity.append(("size", .string(size.rawValue))) }
        let data: [(String, OrderedJSON)] = [
            ("elements", .array(elements.map { .string($0.rawValue) })),
            ("encrypted", .bool(encrypted)),
            ("keyCompromised", .bool(keyCompromised)),
            ("medium", .string(medium.rawValue)),
        ]
        let affected: [(String, OrderedJSON)] = affected.sorted { $0.code < $1.code }.map { entry in
            (entry.code, entry.count.isExact ? .int(entry.count.min) : .object([("min", .int(entry.count.min)), ("max", .int(entry.count.max))]))
        }
        var members: [(String, OrderedJSON)] = [
            ("timezone", .string(timeZone.contractName)),
            ("events", .object(events)),
            ("entity", .object(entity)),
            ("data", .object(data)),
            ("access", .string(access.rawValue)),
            ("riskOfHarm", .string(riskOfHarm.rawValue)),
            ("affected", .object(affected)),
        ]
        if !notices.isEmpty {
            members.append(
                (
                    "notices",
                    .array(
                        notices.map { notice in
                            var fields: [(String, OrderedJSON)] = [
                                ("jurisdiction", .string(notice.jurisdiction)),
                                ("recipient", .string(notice.recipient.rawValue)),
                                ("sentAt", instant(notice.sentAt)),
                            ]
                            if let obligation = notice.obligation { fields.append(("obligation", .string(obligation))) }
                            return .object(fields)
                        })
                ))
        }
        return .object(members)
    }
}

extension TimeZone {
    /// The zone's IANA name as the contract writes it: Foundation on Linux calls UTC "GMT".
    public var contractName: String { identifier == "GMT" ? "UTC" : identifier }
}
