import BreachClockRules
import Foundation

/// Computes an assessment from incident facts and the rules database. Pure: no IO, no clock.
public struct Calculator: Sendable {
    public let rulebook: Rulebook
    /// The facts decoder that knows this rulebook's regime codes (for `notices[].jurisdiction`).
    public let factsDecoder: FactsDecoder
    /// The rules' own JSON members, written out once for every answer.
    let fragments: RuleJSONFragments
    /// Each rule's required sectors, by position (nil for a place's general law): a sector regime is
    /// passed over at once for an entity in none of its sectors, before any work is done for it.
    let requiredSectors: [Set<Sector>?]

    public init(rulebook: Rulebook) {
        self.rulebook = rulebook
        self.requiredSectors = rulebook.rules.map(\.requiredSectors)
        self.factsDecoder = FactsDecoder(ruleCodes: Set(rulebook.rules.map(\.code)))
        self.fragments = RuleJSONFragments(rulebook: rulebook)
    }

    /// Every obligation the facts give rise to, what does not arise and why, and warnings.
    /// - Parameter now: when given, facts dated after it are warned of (a discovery in the future is a
    ///   typing slip, or a tabletop exercise). The calculator reads no clock of its own.
    public func assess(_ facts: IncidentFacts, asOf now: Date? = nil) -> Assessment {
        var result = Assessment(
            rulesDigest: rulebook.digest, obligations: [], notTriggered: [], warnings: facts.warnings,
            timeZone: facts.timeZone, fragments: fragments)
        if let now, facts.discoveredAt > now {
            result.warnings.append(
                "events.discoveredAt (\(ZonedTime.rfc3339(facts.discoveredAt, in: facts.timeZone))) is in the future (now \(ZonedTime.rfc3339(now, in: facts.timeZone))): fine for a tabletop exercise, otherwise check the date"
            )
        }
        if facts.riskOfHarm == .unknown {
            result.warnings.append(
                "riskOfHarm is unknown and is treated as likely; record a documented finding before relying on a risk-of-harm exemption")
        }
        // One pass over the affected places: the rules they touch, each with its residents and (for a
        // regime) the affected places it covers; then the rules in database order.
        var slot = [Int](repeating: -1, count: rulebook.rules.count)
        var touched: [(position: Int, residents: AffectedCount, places: [String])] = []
        for entry in facts.affected {
            let positions = rulebook.positions(covering: entry.code)
            if positions.isEmpty {
                result.warnings.append("\(entry.code): no rule in the database covers this place; obligations there are not assessed")
            }
            for position in positions {
                if let required = requiredSectors[position], facts.sectors.isEmpty || required.isDisjoint(with: facts.sectors) { continue }
                if slot[position] < 0 {
                    slot[position] = touched.count
                    touched.append((position, .zero, []))
                }
                let index = slot[position]
                touched[index].residents = touched[index].residents + entry.count
                if !rulebook.rules[position].coversOnlyItself { touched[index].places.append(entry.code) }
            }
        }
        // A sector regime reaches the places the entity is established in even when none of their
        // residents is affected (an insurer notifies its domiciliary commissioner whatever the count).
        for place in facts.establishments {
            for position in rulebook.positions(covering: place) where slot[position] < 0 && rulebook.rules[position].requiredSectors != nil {
                slot[position] = touched.count
                touched.append((position, .zero, []))
            }
        }
        touched.sort { $0.position < $1.position }
        let shared = RuleAssessor.Shared(facts: facts, calendars: rulebook.calendars)
        var order: [Int] = []
        for item in touched {
            let rule = rulebook.rules[item.position]
            if let required = rule.requiredSectors, required.isDisjoint(with: facts.sectors) { continue }
            let before = result.obligations.count
            RuleAssessor(rule: rule, shared: shared, residents: item.residents, places: item.places).run(into: &result)
            for index in before..<result.obligations.count { order.append(item.position * 1000 + index - before) }
        }
        resolveCrossRuleReferences(&result, order: &order)
        result.obligations = Calculator.sortedByDue(result.obligations, order: order)
        Calculator.unreadFactWarnings(facts, touched: touched.map { rulebook.rules[$0.position] }, on: shared.discoveryDate, into: &result.warnings)
        // A recorded notice that no obligation takes (a mistyped id, a regime not triggered) is said,
        // never dropped in silence.
        for (index, notice) in facts.notices.enumerated()
        where !result.obligations.contains(where: { notice.satisfies(obligationID: $0.id, jurisdiction: $0.jurisdiction, kind: $0.recipient.kind) }) {
            let named = notice.obligation ?? "\(notice.jurisdiction) \(notice.recipient.rawValue)"
            result.warnings.append("notices[\(index)]: matches no obligation of this assessment (\(named)); it is kept but satisfies nothing")
        }
        return result
    }

    /// A deadline that runs from another rule's notice (Illinois' and New York's copy to the Attorney
    /// General after the HHS notice) stands only if that notice is required here; otherwise it is
    /// reported as not triggered, saying why.
    func resolveCrossRuleReferences(_ result: inout Assessment, order: inout [Int]) {
        guard result.obligations.contains(where: { o in o.deadline.relativeTo.map { !$0.hasPrefix(o.jurisdiction + "/") } ?? false }) else { return }
        let required = Set(result.obligations.map(\.id))
        var kept: [Obligation] = []
        var keptOrder: [Int] = []
        for (index, obligation) in result.obligations.enumerated() {
            if let other = obligation.deadline.relativeTo, !other.hasPrefix(obligation.jurisdiction + "/"), !required.contains(other) {
                result.notTriggered.append(
                    NotTriggered(
                        id: obligation.id, jurisdiction: obligation.jurisdiction, recipient: obligation.recipient,
                        why: .referencedNoticeNotRequired(other, before: false), citation: obligation.deadline.citation))
                continue
            }
            kept.append(obligation)
            keptOrder.append(order[index])
        }
        result.obligations = kept
        order = keptOrder
    }

    /// Never silent: a sector or a fact given in the facts that no rule assessed here reads is named in
    /// a warning, so that an answer missing its regime does not look complete.
    static func unreadFactWarnings(_ facts: IncidentFacts, touched: [Rule], on date: CivilDate, into warnings: inout [String]) {
        let given: [(String, Date?, ClockStart)] = [
            ("events.determinedAt", facts.determinedAt, .determination), ("events.occurredAt", facts.occurredAt, .occurrence),
            ("events.notifiedByVendorAt", facts.notifiedByVendorAt, .vendorNotice),
            ("events.materialityDeterminedAt", facts.materialityDeterminedAt, .materiality),
            ("events.classifiedAt", facts.classifiedAt, .classification), ("events.extortionPaymentAt", facts.extortionPaymentAt, .extortionPayment),
        ]
        let anyGiven =
            !facts.sectors.isEmpty || !facts.establishments.isEmpty || facts.size != .larger || facts.cause != .unknown
            || facts.mainEstablishment != nil || given.contains { $0.1 != nil }
        guard anyGiven else { return }
        var reads = FactReads()
        var authorities = false
        // The versions in force on the discovery date and on the dates of the other events given.
        let offsets = ZoneOffsets(facts.timeZone)
        let days = Set([date] + given.compactMap { $0.1 }.map { ZonedTime.civilDate(of: $0, in: offsets) })
        for rule in touched {
            if let sectors = rule.requiredSectors { reads.sectors.formUnion(sectors) }
            if !rule.authorities.isEmpty {
                // The GDPR's authority depends on where the entity is established (Art. 56).
                authorities = true
                reads.establishments = true
            }
            for day in days {
                guard let version = rule.version(on: day), version.isComplete else { continue }
                reads.sectors.formUnion(version.reads.sectors)
                reads.clockStarts.formUnion(version.reads.clockStarts)
                reads.establishments = reads.establishments || version.reads.establishments
                reads.size = reads.size || version.reads.size
                reads.cause = reads.cause || version.reads.cause
            }
        }
        let scope = "no rule that applies to this incident's places on \(date) reads it"
        for sector in facts.sectors.map(\.rawValue).sorted() where !reads.sectors.contains(Sector(rawValue: sector)!) {
            warnings.append("entity.sectors: `\(sector)`: \(scope), so duties that follow from it are not assessed")
        }
        for (field, instant, clock) in given where instant != nil && !reads.clockStarts.contains(clock) {
            warnings.append("\(field): \(scope); it moves no deadline here")
        }
        if !facts.establishments.isEmpty && !reads.establishments { warnings.append("entity.establishments: \(scope); it changes nothing here") }
        if facts.size != .larger && !reads.size { warnings.append("entity.size: \(scope); it changes nothing here") }
        if facts.cause != .unknown && !reads.cause { warnings.append("events.cause: \(scope); it changes nothing here") }
        if facts.mainEstablishment != nil && !authorities { warnings.append("entity.mainEstablishment: \(scope); it changes nothing here") }
    }

    /// Fixed deadlines by due instant, then relative, pending and open ones; ties in rules-database
    /// order (`order`, one number per obligation). Sorts keys, not the (large) obligations themselves.
    static func sortedByDue(_ obligations: [Obligation], order: [Int]) -> [Obligation] {
        func rank(_ kind: Deadline.Kind) -> Int {
            switch kind {
            case .fixed: return 0
            case .relative: return 1
            case .pending: return 2
            case .none: return 3
            }
        }
        let keys = obligations.indices.map { (rank(obligations[$0].deadline.kind), obligations[$0].deadline.due ?? .distantFuture, order[$0], $0) }
        let sorted = keys.sorted { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1 != b.1 { return a.1 < b.1 }
            return a.2 < b.2
        }
        return sorted.map { obligations[$0.3] }
    }
}

/// Assesses one rule against the facts.
struct RuleAssessor {
    /// What every rule's assessment of one incident shares.
    final class Shared {
        let facts: IncidentFacts
        let elementMask: UInt32
        let calendars: [String: HolidayCalendar]
        let offsets: ZoneOffsets
        let discoveryDate: CivilDate

        init(facts: IncidentFacts, calendars: [String: HolidayCalendar]) {
            self.facts = facts
            self.elementMask = DataElement.mask(facts.elements)
            self.calendars = calendars
            self.offsets = ZoneOffsets(facts.timeZone)
            self.discoveryDate = ZonedTime.civilDate(of: facts.discoveredAt, in: offsets)
        }
    }

    let rule: Rule
    let shared: Shared
    let residents: AffectedCount
    /// For a regime: the places it covers that are affected.
    let places: [String]

    var facts: IncidentFacts { _read { yield shared.facts } }
    var offsets: ZoneOffsets { shared.offsets }

    init(rule: Rule, shared: Shared, residents: AffectedCount, places: [String]) {
        self.rule = rule
        self.shared = shared
        self.residents = residents
        self.places = places
    }

    /// Whether an obligation arises, before its deadline is worked out.
    enum Outcome {
        case triggered([Reason])
        /// `noticeGivenElsewhere`: the entity is deemed compliant because it notifies under another
        /// regime (HIPAA, GLBA…), so deadlines that run from this notice still run from that one.
        case notTriggered(Reason, citation: String?, noticeGivenElsewhere: Bool = false)
    }

    struct Evaluated {
        var version: RuleVersion
        var obligation: ObligationRule
        var outcome: Outcome
    }

    func run(into result: inout Assessment) {
        var onlyLaterClocks = false
        var found = rule.version(on: shared.discoveryDate)
        if found == nil, let later = versionForLaterClocks() {
            // The law took effect after the discovery but before the event a clock runs from (a
            // determination, say): the duties whose clocks start then arise under it; the others,
            // which run from the discovery, do not.
            found = later
            onlyLaterClocks = true
            result.warnings.append(
                "\(rule.code): \(rule.law) took effect on \(later.effective), after the discovery on \(shared.discoveryDate); only duties whose clocks start on or after that date are assessed"
            )
        }
        guard let base = found, base.isComplete else {
            if let base = found, !base.isComplete {
                result.warnings.append("\(rule.code): the rule version in force on \(shared.discoveryDate) was not loaded; not assessed")
                return
            }
            if let law = rule.unassessed {
                // Not in force yet, or not encoded: say so and what is known, never invent a deadline.
                switch law.reason {
                case .awaiting:
                    result.warnings.append(
                        "\(rule.code): \(rule.law) sets no duty in force on \(shared.discoveryDate): \(law.about) (\(law.provenance.cite)); no deadline is computed"
                    )
                case .unverified:
                    result.warnings.append(
                        "\(rule.code): \(rule.law) may apply but is not encoded, because its text has not been verified: \(law.about) (\(law.provenance.cite)); no deadline is computed - check it by hand"
                    )
                }
                return
            }
            let oldest = rule.versions.first.map { " (the oldest encoded version takes effect \($0.effective))" } ?? ""
            result.warnings.append("\(rule.code): no version of \(rule.law) is encoded for \(shared.discoveryDate)\(oldest); not assessed")
            return
        }
        var evaluated: [Evaluated] = []
        evaluated.reserveCapacity(base.obligations.count)
        let residentsReason = residentsReason()
        let baseFailure = breachFailure(base)
        func boundElsewhereBySize(_ o: ObligationRule) -> Bool { !o.forSize.isEmpty && !o.forSize.contains(facts.size) && o.binds(facts.role) }
        if base.reads.size, case let sizeBound = base.obligations.filter(boundElsewhereBySize), !sizeBound.isEmpty {
            let sizes = Set(sizeBound.flatMap(\.forSize)).map(\.rawValue).sorted().joined(separator: ", ")
            result.warnings.append(
                "\(rule.code): \(sizeBound.map(\.qualifiedID).joined(separator: ", ")) bind only \(sizes) entities on \(shared.discoveryDate); entity.size is \(facts.size.rawValue), so they are not assessed"
            )
        }
        for obligation in base.obligations where applies(obligation) && (!onlyLaterClocks || startsOnOrAfter(base.effective, obligation)) {
            let version = versionFor(obligation, base: base)
            let chosen = version === base ? obligation : version.obligation(obligation.id) ?? obligation
            let failure = version === base ? baseFailure : breachFailure(version)
            evaluated.append(
                Evaluated(
                    version: version, obligation: chosen,
                    outcome: evaluate(chosen, in: version, failure: failure, residents: residentsReason)))
        }
        var delayWarned = false
        for item in evaluated {
            let obligation = item.obligation
            switch item.outcome {
            case .notTriggered(let reason, let citation, _):
                result.notTriggered.append(
                    NotTriggered(
                        id: obligation.qualifiedID, jurisdiction: rule.code,
                        recipient: recipientFor(obligation), why: reason, citation: citation))
            case .triggered(var reasons):
                // A deadline relative to a notice that is not given does not arise either.
                switch obligation.deadline.rule {
                case .after(_, let ref, _), .before(let ref, _):
                    if !isGiven(ref, evaluated) {
                        var before = false
                        if case .before = obligation.deadline.rule { before = true }
                        result.notTriggered.append(
                            NotTriggered(
                                id: obligation.qualifiedID, jurisdiction: rule.code,
                                recipient: recipientFor(obligation), why: .referencedNoticeNotRequired("\(rule.code)/\(ref)", before: before),
                                citation: obligation.provenance.cite))
                        continue
                    }
                default: break
                }
                if facts.lawEnforcementDelayUntil != nil, item.version.lawEnforcementDelay == nil, !delayWarned {
                    delayWarned = true
                    result.warnings.append("\(rule.code): \(rule.law) as encoded states no law-enforcement delay; its deadlines are not moved")
                }
                let deadline = computeDeadline(item, evaluated: evaluated, reasons: &reasons)
                if deadline.kind == .fixed, let dueDate = deadline.dueDate, let next = rule.nextVersion(after: item.version.effective),
                    next.effective <= dueDate
                {
                    result.warnings.append(
                        "\(obligation.qualifiedID): an amendment takes effect on \(next.effective), inside the window that ends \(dueDate); the law in force when the clock started (\(item.version.label)) is applied"
                    )
                }
                if let threshold = obligation.threshold {
                    let count = thresholdCount(threshold)
                    if !threshold.isSurelyMet(by: count) && waiverReason(threshold) == nil {
                        result.warnings.append(
                            "\(obligation.qualifiedID): the affected count \(count) straddles the threshold (\(threshold.comparison.phrase(threshold.value))); the obligation is listed until the count is known"
                        )
                    }
                }
                let notice =
                    facts.notices.isEmpty
                    ? nil
                    : facts.notices.first {
                        $0.satisfies(obligationID: obligation.qualifiedID, jurisdiction: rule.code, kind: obligation.recipient.kind)
                    }
                if obligation.recipient.kind == .regulator, !rule.authorities.isEmpty, facts.mainEstablishment == nil, facts.establishments.isEmpty {
                    result.warnings.append(
                        "\(obligation.qualifiedID): entity.mainEstablishment is not given, so the lead supervisory authority cannot be named; give the main establishment (or entity.establishments) to see which authority to notify"
                    )
                }
                result.obligations.append(
                    Obligation(
                        rule: rule, version: item.version, source: obligation, recipient: recipientFor(obligation),
                        deadline: deadline, reasonDetails: reasons, notice: notice))
            }
        }
    }

    /// Whether the notice `id` is given: required here, or given under another regime the law defers to.
    func isGiven(_ id: String, _ evaluated: [Evaluated]) -> Bool {
        // Another rule's obligation: decided once every rule is assessed (`resolveCrossRuleReferences`).
        if id.utf8.contains(0x2F) { return true }
        switch evaluated.first(where: { $0.obligation.id == id })?.outcome {
        case .triggered: return true
        case .notTriggered(_, _, let elsewhere): return elsewhere
        case nil: return false
        }
    }

    /// Role and sector filters: an obligation that binds someone else is not reported at all.
    func applies(_ obligation: ObligationRule) -> Bool {
        guard obligation.binds(facts.role) else { return false }
        if !obligation.forSize.isEmpty && !obligation.forSize.contains(facts.size) { return false }
        if !obligation.forSectors.isEmpty && obligation.forSectors.isDisjoint(with: facts.sectors) { return false }
        if !obligation.notForSectors.isDisjoint(with: facts.sectors) { return false }
        if !obligation.forCauses.isEmpty && !obligation.forCauses.contains(facts.cause) { return false }
        if obligation.notForCauses.contains(facts.cause) { return false }
        return true
    }

    /// For a discovery before the oldest version: the version in force on the date of a later event
    /// that starts one of that version's clocks (nil when there is none).
    func versionForLaterClocks() -> RuleVersion? {
        for event in [ClockStart.determination, .materiality, .vendorNotice, .extortionPayment, .classification] {
            guard let instant = facts.instant(of: event), instant > facts.discoveredAt else { continue }
            let date = ZonedTime.civilDate(of: instant, in: offsets)
            if let version = rule.version(on: date), version.obligations.contains(where: { startsOnOrAfter(version.effective, $0) }) {
                return version
            }
        }
        return nil
    }

    /// Whether `obligation`'s clock starts at an event dated on or after `date`.
    func startsOnOrAfter(_ date: CivilDate, _ obligation: ObligationRule) -> Bool {
        guard case .fixed(_, let from, _, _) = obligation.deadline.rule, from != .discovery, from != .calendarYearEnd,
            let start = facts.instant(of: from)
        else { return false }
        return ZonedTime.civilDate(of: start, in: offsets) >= date
    }

    /// The version in force when this obligation's clock started.
    func versionFor(_ obligation: ObligationRule, base: RuleVersion) -> RuleVersion {
        guard case .fixed(_, let from, _, _) = obligation.deadline.rule, from != .discovery,
            let start = facts.instant(of: from)
        else { return base }
        let date = ZonedTime.civilDate(of: start, in: offsets)
        guard let version = rule.version(on: date), version.isComplete, version.obligation(obligation.id) != nil else { return base }
        return version
    }

    /// The authority to notify, for a rule that names authorities by place (the GDPR): the lead
    /// authority of the main establishment (Art. 56); for an entity established only outside the
    /// rule's places, the authority of each place where affected people live, since there is no lead
    /// authority then (EDPB Guidelines 9/2022).
    func recipientFor(_ obligation: ObligationRule) -> Recipient {
        var recipient = obligation.recipient
        guard recipient.kind == .regulator, !rule.authorities.isEmpty else { return recipient }
        let main = facts.mainEstablishment ?? facts.establishments.first { rule.covers.contains($0) }
        if let home = main, let authority = rule.authorities[home] {
            recipient.name = "\(authority) (lead supervisory authority, main establishment \(home))"
        } else if main != nil || !facts.establishments.isEmpty {
            let places = facts.affected.filter { rule.covers.contains($0.code) && $0.count.max > 0 }.map(\.code)
            let named = places.map { code in rule.authorities[code].map { "\($0) (\(code))" } ?? code }
            recipient.name =
                "No establishment in the rule's places, so no lead authority: the supervisory authority of each place where affected people live - "
                + named.joined(separator: "; ")
        }
        return recipient
    }

    /// Why the facts make `threshold` not apply (`waivedIf`), or nil when they do not.
    func waiverReason(_ threshold: Threshold) -> Reason? {
        let waiver = threshold.waiver
        if waiver.isEmpty { return nil }
        if waiver.established, let place = establishedHere { return .establishedIn(place) }
        if let risk = waiver.risk, facts.riskOfHarm.effective >= risk {
            return .thresholdWaivedByRisk(facts.riskOfHarm, minimum: risk, cite: threshold.provenance.cite)
        }
        if !waiver.elements.isEmpty, case let exposed = facts.elements.filter(waiver.elements.contains), !exposed.isEmpty {
            return .thresholdWaivedByElements(exposed, cite: threshold.provenance.cite)
        }
        if waiver.causes.contains(facts.cause) { return .thresholdWaivedByCause(facts.cause, cite: threshold.provenance.cite) }
        return nil
    }

    /// The first of the entity's establishments that this rule covers, if any.
    var establishedHere: String? {
        facts.establishments.isEmpty ? nil : facts.establishments.first { rule.covers.contains($0) }
    }

    /// The count a threshold compares: the rule's residents, everyone, or the most residents of one place.
    func thresholdCount(_ threshold: Threshold) -> AffectedCount {
        switch threshold.counts {
        case .residents: return residents
        case .total: return facts.totalCount
        case .largestPlace:
            var largest = AffectedCount.zero
            for entry in facts.affected where rule.covers.contains(entry.code) {
                largest = AffectedCount(min: max(largest.min, entry.count.min), max: max(largest.max, entry.count.max))
            }
            return largest
        }
    }

    /// How many of the rule's residents are affected (for a regime: in which of its places).
    func residentsReason() -> Reason {
        if rule.coversOnlyItself { return .residents(residents, of: rule.name, places: nil) }
        return .residents(residents, of: rule.name, places: places)
    }

    /// Whether the facts are a breach of personal information under this version, and if not, why.
    func breachFailure(_ version: RuleVersion) -> (reason: Reason, citation: String)? {
        if residents.max == 0 && establishedHere == nil { return (.noResidents(of: rule.name), rule.law) }
        if !version.trigger.media.contains(facts.medium) {
            return (.mediumNotCovered(covered: version.trigger.media, given: facts.medium), version.trigger.provenance.cite)
        }
        if version.trigger.event == .acquisition && facts.access == .accessed {
            return (.accessWithoutAcquisition, version.trigger.provenance.cite)
        }
        if version.personalInformation.firstMatch(mask: shared.elementMask) == nil {
            return (.notPersonalInformation(facts.elements), version.personalInformation.provenance.cite)
        }
        return nil
    }

    func exempts(_ list: [String]?, _ obligation: ObligationRule) -> Bool {
        guard obligation.condition == .breach else { return false }
        return list.map { $0.contains(obligation.id) } ?? true
    }

    /// Whether `obligation` arises, given whether the facts are a breach under `version` at all (`failure`).
    func evaluate(
        _ obligation: ObligationRule, in version: RuleVersion, failure: (reason: Reason, citation: String)?,
        residents residentsReason: Reason
    ) -> Outcome {
        if let failure { return .notTriggered(failure.reason, citation: failure.citation) }
        if obligation.onlyIfEstablished && establishedHere == nil {
            return .notTriggered(.notEstablished(rule.covers.joined(separator: ", ")), citation: obligation.provenance.cite)
        }
        // A clock from an event that may never happen (a ransom paid) is not "pending": without the
        // event there is no duty at all.
        if case .fixed(_, .extortionPayment, _, _) = obligation.deadline.rule, facts.extortionPaymentAt == nil {
            return .notTriggered(.eventNotInFacts(ClockStart.factName(.extortionPayment)), citation: obligation.deadline.provenance.cite)
        }
        var reasons: [Reason] = [residentsReason]
        if let match = version.personalInformation.firstMatch(mask: shared.elementMask) {
            reasons.append(.personalInformation(match, cite: version.personalInformation.provenance.cite))
        }
        // Encrypted data under a safe harbor is not the law's personal information, so by default
        // nothing arises from it: neither notices nor a harm finding to file (Fla. Stat. § 501.171(1)(g)2.).
        let safeHarborCovers = version.encryption.map { $0.exempts?.contains(obligation.id) ?? true } ?? false
        if let encryption = version.encryption, encryption.safeHarbor, facts.encrypted, safeHarborCovers {
            if facts.keyCompromised && encryption.lostIfKeyCompromised {
                reasons.append(.keyCompromised(cite: encryption.provenance.cite))
            } else {
                return .notTriggered(.safeHarbor, citation: encryption.provenance.cite)
            }
        }
        if let harm = version.riskOfHarm {
            let used = harm.isUsed(risk: facts.riskOfHarm, cause: facts.cause)
            if obligation.condition == .harmExempt {
                guard used else { return .notTriggered(.onlyWhenHarmExempt(harm.exemptWhen), citation: obligation.provenance.cite) }
                reasons.append(.harmFindingMustBeReported(harm.exemptWhen, cite: harm.provenance.cite))
            } else if used, exempts(harm.exempts, obligation) {
                return .notTriggered(
                    .harmExempt(documentationRequired: harm.documentationRequired, retainYears: harm.retainYears),
                    citation: harm.provenance.cite)
            } else if facts.riskOfHarm == harm.exemptWhen, exempts(harm.exempts, obligation) {
                // The finding was made, but the law's exemption does not reach this cause.
                reasons.append(.harmExemptionNotForCause(facts.cause, allowed: harm.causes, cite: harm.provenance.cite))
            }
        }
        for exemption in version.exemptions where !exemption.sectors.isDisjoint(with: facts.sectors) && exempts(exemption.exempts, obligation) {
            return .notTriggered(
                .deemedCompliant(sectors: Array(exemption.sectors.intersection(facts.sectors)), condition: exemption.condition),
                citation: exemption.provenance.cite, noticeGivenElsewhere: true)
        }
        if !obligation.forElements.isEmpty {
            let exposed = facts.elements.filter(obligation.forElements.contains)
            guard !exposed.isEmpty else {
                return .notTriggered(.elementsNotExposed(obligation.forElements.map(\.rawValue).sorted()), citation: obligation.provenance.cite)
            }
            reasons.append(.elementsExposed(exposed))
        }
        if let minimum = obligation.minimumRisk {
            guard facts.riskOfHarm.effective >= minimum else {
                return .notTriggered(.riskBelow(facts.riskOfHarm, minimum: minimum), citation: obligation.provenance.cite)
            }
            reasons.append(.riskAtLeast(facts.riskOfHarm.effective, minimum: minimum))
        }
        if let threshold = obligation.threshold, let waived = waiverReason(threshold) {
            reasons.append(waived)
        } else if let threshold = obligation.threshold {
            let count = thresholdCount(threshold)
            if !threshold.mayBeMet(by: count) {
                return .notTriggered(.thresholdNotMet(count, threshold, recipient: obligation.recipient.name), citation: threshold.provenance.cite)
            }
            reasons.append(threshold.isSurelyMet(by: count) ? .thresholdMet(count, threshold) : .thresholdMaybeMet(count, threshold))
        }
        return .triggered(reasons)
    }
}
