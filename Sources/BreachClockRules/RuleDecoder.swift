import Foundation

/// Decodes rule files and calendar files from parsed documents, reporting every problem with its
/// location. Cross-file checks (calendars named by periods exist) are made by `Rulebook`.
public struct RuleDecoder {
    let issues: IssueCollector
    let file: String

    public init(file: String, issues: IssueCollector) {
        self.file = file
        self.issues = issues
    }

    typealias S = ScalarReader

    // MARK: Rule

    /// Decodes a rule file; returns nil when it has errors (which are in `issues`).
    ///
    /// With `window`, a file that already passed full validation is read faster: versions in force
    /// on no day of the window are kept as outlines (effective date, label and change only).
    public func decodeRule(_ root: DocumentNode, window: ClosedRange<CivilDate>? = nil) -> Rule? {
        let before = issues.count
        guard var map = MappingReader(root, path: "", issues: issues) else { return nil }
        let code = map.required("code").flatMap { S.text($0, "code", issues) }
        let name = map.required("name").flatMap { S.text($0, "name", issues) }
        let law = map.required("law").flatMap { S.text($0, "law", issues) }
        let officialNode = map.optional("official")
        let official = officialNode.flatMap { S.text($0, "official", issues) }
        if let official, let officialNode, let problem = WebAddress.problem(official) {
            issues.report(officialNode, "official", "`official` is the URL of the law's official text and \(problem)")
        }
        var covers: [String]? = nil
        if let node = map.optional("covers"), let items = S.list(node, "covers", issues) {
            covers = []
            for (index, item) in items.enumerated() {
                guard let value = S.text(item, "covers[\(index)]", issues) else { continue }
                if PlaceCodes.isKnown(value) {
                    covers?.append(value)
                } else {
                    issues.report(item, "covers[\(index)]", "unknown place code `\(value)` (ISO 3166-1 or ISO 3166-2:US)")
                }
            }
        }
        var requiredSectors: Set<Sector>? = nil
        if let node = map.optional("requires"), var requires = MappingReader(node, path: "requires", issues: issues) {
            if let sectors = requires.required("sectors"),
                let list: [Sector] = S.choices(sectors, "requires.sectors", issues, "sector")
            {
                requiredSectors = Set(list)
            }
            requires.finish()
        }
        var authorities: [String: String] = [:]
        if let node = map.optional("authorities"), var reader = MappingReader(node, path: "authorities", issues: issues) {
            for entry in reader.allEntries() {
                if !PlaceCodes.isKnown(entry.key) {
                    issues.report(at: entry.keyAt, "authorities.\(entry.key)", "unknown place code `\(entry.key)`")
                }
                if let value = S.text(entry.value, "authorities.\(entry.key)", issues) { authorities[entry.key] = value }
            }
        }
        let reviewed = map.required("reviewed").flatMap { S.civilDate($0, "reviewed", issues) }
        let sources = map.required("sources").flatMap(decodeSources) ?? []
        let sourceIDs = Set(sources.map(\.id))
        var urls: [String: String] = [:]
        for source in sources { urls[source.id] = source.url }
        let context = VersionContext(code: code ?? "?", known: sourceIDs, urls: urls)
        var disputes: [RuleDispute] = []
        if let node = map.optional("disputes"), let items = S.list(node, "disputes", issues) {
            for (index, item) in items.enumerated() {
                let path = "disputes[\(index)]"
                guard var reader = MappingReader(item, path: path, issues: issues) else { continue }
                let about = reader.required("about").flatMap { S.text($0, "\(path).about", issues) }
                let ids = reader.required("sources").flatMap { sourceList($0, "\(path).sources", sourceIDs) }
                let reading = reader.required("reading").flatMap { S.text($0, "\(path).reading", issues) }
                reader.finish()
                if let about, let ids, let reading { disputes.append(RuleDispute(about: about, sources: ids, reading: reading)) }
            }
        }
        let notes = map.optional("notes").flatMap { S.text($0, "notes", issues) }
        let regionNode = map.optional("region")
        var region: Region? = regionNode.flatMap { S.choice($0, "region", issues, "region") }
        if regionNode == nil, let code {
            region = Region.implied(by: code)
            if region == nil {
                issues.report(root, "region", "rule \(code) needs a `region` (one of: \(Region.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        var unassessed: UnassessedLaw? = nil
        for reason in [UnassessedLaw.Reason.awaiting, .unverified] {
            guard let node = map.optional(reason.rawValue), var reader = MappingReader(node, path: reason.rawValue, issues: issues) else { continue }
            let key = reason.rawValue
            let about = reader.required("about").flatMap { S.text($0, "\(key).about", issues) }
            let cite = reader.required("cite").flatMap { S.text($0, "\(key).cite", issues) }
            let ids = reader.required("sources").flatMap { sourceList($0, "\(key).sources", sourceIDs) }
            reader.finish()
            if unassessed != nil { issues.report(node, key, "a rule is either `awaiting` or `unverified`, not both") }
            if let about, let cite, let ids {
                unassessed = UnassessedLaw(reason: reason, about: about, provenance: Provenance(cite: cite, sources: ids))
            }
        }
        var versions: [RuleVersion] = []
        if let node = map.required("versions"), let items = S.list(node, "versions", issues) {
            if items.isEmpty && unassessed == nil {
                issues.report(
                    node, "versions",
                    "a rule needs at least one version, or `awaiting` (a law not yet in force) or `unverified` (a law not yet encoded)")
            }
            // Each version is in force from its effective date until the next one's.
            let starts = items.map { RuleDecoder.child($0, "effective").flatMap(RuleDecoder.plainText).flatMap(CivilDate.init(iso:)) }
            for (index, item) in items.enumerated() {
                if let window, let start = starts[index], let change = RuleDecoder.child(item, "change").flatMap(RuleDecoder.plainText) {
                    let end = index + 1 < starts.count ? starts[index + 1].map { $0.adding(days: -1) } : nil
                    let inWindow = start <= window.upperBound && (end.map { $0 >= window.lowerBound } ?? true)
                    if !inWindow {
                        versions.append(.outline(effective: start, label: "\(context.code)@\(start)", change: change))
                        continue
                    }
                }
                if let version = decodeVersion(item, "versions[\(index)]", context) {
                    if let previous = versions.last, previous.effective >= version.effective {
                        issues.report(
                            item, "versions[\(index)].effective",
                            "versions overlap: effective \(version.effective) is not after the previous version's \(previous.effective)")
                    }
                    versions.append(version)
                }
            }
        }
        map.finish()
        if let code, !PlaceCodes.isKnown(code), covers == nil {
            issues.report(root, "code", "`\(code)` is not a place code, so the rule must list the places it covers in `covers`")
        }
        if let code, let covers, covers.isEmpty {
            issues.report(root, "covers", "rule \(code) covers no place")
        }
        guard issues.count == before, let code, let name, let law, let reviewed else { return nil }
        return Rule(
            code: code, name: name, law: law, official: official, covers: covers ?? [code], requiredSectors: requiredSectors,
            authorities: authorities, reviewed: reviewed, sources: sources, disputes: disputes, notes: notes,
            region: region ?? .unitedStates, unassessed: unassessed, versions: versions, file: file)
    }

    func decodeSources(_ node: DocumentNode) -> [RuleSource]? {
        guard let items = S.list(node, "sources", issues) else { return nil }
        if items.isEmpty { issues.report(node, "sources", "a rule needs at least one source") }
        var result: [RuleSource] = []
        for (index, item) in items.enumerated() {
            let path = "sources[\(index)]"
            guard var reader = MappingReader(item, path: path, issues: issues) else { continue }
            let id = reader.required("id").flatMap { S.text($0, "\(path).id", issues) }
            let url = reader.required("url").flatMap { S.text($0, "\(path).url", issues) }
            let retrieved = reader.required("retrieved").flatMap { S.civilDate($0, "\(path).retrieved", issues) }
            let published = reader.optional("published").flatMap { S.civilDate($0, "\(path).published", issues) }
            let kind: RuleSource.Kind? = reader.optional("kind").flatMap { S.choice($0, "\(path).kind", issues, "source kind") }
            let says = reader.required("says").flatMap { S.text($0, "\(path).says", issues) }
            reader.finish()
            if let url, let problem = WebAddress.problem(url) {
                issues.report(item, "\(path).url", "a source URL \(problem)")
            }
            if let id, result.contains(where: { $0.id == id }) {
                issues.report(item, "\(path).id", "duplicate source id `\(id)`")
            }
            if let id, let url, let retrieved, let says {
                result.append(RuleSource(id: id, url: url, retrieved: retrieved, published: published, kind: kind, says: says))
            }
        }
        return result
    }

    func sourceList(_ node: DocumentNode, _ path: String, _ known: Set<String>) -> [String]? {
        guard let items = S.list(node, path, issues) else { return nil }
        if items.isEmpty { issues.report(node, path, "name at least one source") }
        var ids: [String] = []
        for (index, item) in items.enumerated() {
            guard let id = S.text(item, "\(path)[\(index)]", issues) else { continue }
            if !known.contains(id) { issues.report(item, "\(path)[\(index)]", "unknown source id `\(id)` (not in `sources`)") }
            ids.append(id)
        }
        return ids
    }

    /// Reads `cite` and `sources` from a block that must carry them.
    func provenance(_ reader: inout MappingReader, _ known: Set<String>) -> Provenance? {
        let cite = reader.required("cite").flatMap { S.text($0, reader.path("cite"), issues) }
        let sources = reader.required("sources").flatMap { sourceList($0, reader.path("sources"), known) }
        guard let cite, let sources else { return nil }
        return Provenance(cite: cite, sources: sources)
    }

    // MARK: Version

    /// What versions and obligations need from the rule around them.
    struct VersionContext {
        var code: String
        var known: Set<String>
        var urls: [String: String]
    }

    func decodeVersion(_ node: DocumentNode, _ path: String, _ context: VersionContext) -> RuleVersion? {
        let known = context.known
        let before = issues.count
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let effective = map.required("effective").flatMap { S.civilDate($0, map.path("effective"), issues) }
        let change = map.required("change").flatMap { S.text($0, map.path("change"), issues) }
        let sources = map.required("sources").flatMap { sourceList($0, map.path("sources"), known) }
        let pi = map.required("personalInformation").flatMap { decodePersonalInformation($0, map.path("personalInformation"), known) }
        let trigger = map.required("trigger").flatMap { decodeTrigger($0, map.path("trigger"), known) }
        let encryption = map.optional("encryption").flatMap { decodeEncryption($0, map.path("encryption"), known) }
        let harm = map.optional("riskOfHarm").flatMap { decodeRiskOfHarm($0, map.path("riskOfHarm"), known) }
        var exemptions: [SectorExemption] = []
        if let node = map.optional("exemptions"), let items = S.list(node, map.path("exemptions"), issues) {
            for (index, item) in items.enumerated() {
                if let exemption = decodeExemption(item, map.path("exemptions") + "[\(index)]", known) { exemptions.append(exemption) }
            }
        }
        let delay = map.optional("lawEnforcementDelay").flatMap { decodeDelay($0, map.path("lawEnforcementDelay"), known) }
        let notes = map.optional("notes").flatMap { S.text($0, map.path("notes"), issues) }
        var obligations: [ObligationRule] = []
        if let node = map.required("obligations"), let items = S.list(node, map.path("obligations"), issues) {
            if items.isEmpty { issues.report(node, map.path("obligations"), "a version needs at least one obligation") }
            for (index, item) in items.enumerated() {
                let itemPath = map.path("obligations") + "[\(index)]"
                guard let obligation = decodeObligation(item, itemPath, context) else { continue }
                if obligations.contains(where: { $0.id == obligation.id }) {
                    issues.report(item, itemPath + ".id", "duplicate obligation id `\(obligation.id)`")
                }
                obligations.append(obligation)
            }
        }
        map.finish()
        // References between obligations, checked against every obligation written (even one with
        // errors of its own, so that one mistake is not reported twice).
        var ids: Set<String> = []
        var deadlines: [(node: DocumentNode, path: String, obligation: String?)] = []
        if let obligationsNode = map.optional("obligations"), case .sequence(let items, _) = obligationsNode {
            for (index, item) in items.enumerated() {
                let id = RuleDecoder.child(item, "id").flatMap(RuleDecoder.plainText)
                if let id { ids.insert(id) }
                if let deadline = RuleDecoder.child(item, "deadline") {
                    deadlines.append((deadline, map.path("obligations") + "[\(index)].deadline", id))
                }
            }
        }
        for deadline in deadlines {
            for key in ["after", "before"] {
                guard let refNode = RuleDecoder.child(deadline.node, key), let ref = RuleDecoder.plainText(refNode) else { continue }
                if ref == deadline.obligation {
                    issues.report(refNode, deadline.path + "." + key, "a deadline cannot be relative to its own obligation")
                } else if key == "after" && ref.utf8.contains(0x2F) {
                    // Another rule's obligation (`US-HIPAA/regulator`): checked against the rulebook when it loads.
                    continue
                } else if !ids.contains(ref) {
                    issues.report(refNode, deadline.path + "." + key, "relative deadline names obligation `\(ref)`, which this version does not have")
                }
            }
            if let sooner = RuleDecoder.child(deadline.node, "orIfSooner"), let refNode = RuleDecoder.child(sooner, "after"),
                let ref = RuleDecoder.plainText(refNode), !ids.contains(ref)
            {
                issues.report(
                    refNode, deadline.path + ".orIfSooner.after", "relative deadline names obligation `\(ref)`, which this version does not have")
            }
        }
        let exemptLists: [(String, [String]?)] =
            [("encryption.exempts", encryption?.exempts), ("riskOfHarm.exempts", harm?.exempts)]
            + exemptions.enumerated().map { ("exemptions[\($0.offset)].exempts", $0.element.exempts) }
        for (where_, list) in exemptLists {
            for id in list ?? [] where !ids.contains(id) {
                issues.report(node, map.path(where_), "names obligation `\(id)`, which this version does not have")
            }
        }
        if obligations.contains(where: { $0.condition == .harmExempt }) && harm == nil {
            issues.report(node, map.path("obligations"), "an obligation with `when: harm-exempt` needs a `riskOfHarm` exemption in the version")
        }
        guard issues.count == before, let effective, let change, let sources, let pi, let trigger else { return nil }
        return RuleVersion(
            effective: effective, label: "\(context.code)@\(effective)", change: change, sources: sources, personalInformation: pi, trigger: trigger,
            encryption: encryption, riskOfHarm: harm, exemptions: exemptions, lawEnforcementDelay: delay,
            obligations: obligations, notes: notes)
    }

    func decodePersonalInformation(_ node: DocumentNode, _ path: String, _ known: Set<String>) -> PersonalInformationRule? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        var combinations: [[DataElement]] = []
        if let list = map.required("combinations"), let items = S.list(list, map.path("combinations"), issues) {
            if items.isEmpty { issues.report(list, map.path("combinations"), "list at least one combination of data elements") }
            for (index, item) in items.enumerated() {
                let itemPath = map.path("combinations") + "[\(index)]"
                guard let elements: [DataElement] = S.choices(item, itemPath, issues, "data element") else { continue }
                if elements.isEmpty { issues.report(item, itemPath, "a combination needs at least one data element") }
                combinations.append(elements)
            }
        }
        let provenance = provenance(&map, known)
        let notes = map.optional("notes").flatMap { S.text($0, map.path("notes"), issues) }
        map.finish()
        guard let provenance else { return nil }
        return PersonalInformationRule(combinations: combinations, provenance: provenance, notes: notes)
    }

    func decodeTrigger(_ node: DocumentNode, _ path: String, _ known: Set<String>) -> TriggerRule? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let event: TriggerRule.Event? = map.required("event").flatMap { S.choice($0, map.path("event"), issues, "trigger event") }
        let media: [DataMedium]? = map.required("media").flatMap { S.choices($0, map.path("media"), issues, "medium") }
        let provenance = provenance(&map, known)
        map.finish()
        guard let event, let media, let provenance else { return nil }
        return TriggerRule(event: event, media: Set(media), provenance: provenance)
    }

    func obligationIDs(_ reader: inout MappingReader) -> [String]? {
        guard let node = reader.optional("exempts"), let items = S.list(node, reader.path("exempts"), issues) else { return nil }
        return items.enumerated().compactMap { S.text($0.element, reader.path("exempts") + "[\($0.offset)]", issues) }
    }

    func decodeEncryption(_ node: DocumentNode, _ path: String, _ known: Set<String>) -> EncryptionRule? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let safeHarbor = map.required("safeHarbor").flatMap { S.bool($0, map.path("safeHarbor"), issues) }
        let lost = map.required("lostIfKeyCompromised").flatMap { S.bool($0, map.path("lostIfKeyCompromised"), issues) }
        let exempts = obligationIDs(&map)
        let provenance = provenance(&map, known)
        map.finish()
        guard let safeHarbor, let lost, let provenance else { return nil }
        return EncryptionRule(safeHarbor: safeHarbor, lostIfKeyCompromised: lost, exempts: exempts, provenance: provenance)
    }

    func decodeRiskOfHarm(_ node: DocumentNode, _ path: String, _ known: Set<String>) -> RiskOfHarmRule? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let exemptWhen: RiskOfHarm? = map.required("exemptWhen").flatMap { S.choice($0, map.path("exemptWhen"), issues, "risk of harm") }
        if exemptWhen == .unknown, let node = map.optional("exemptWhen") {
            issues.report(node, map.path("exemptWhen"), "`unknown` cannot exempt: an unknown risk is treated as likely")
        }
        var required = false
        var retain: Int? = nil
        if let doc = map.optional("documentation"), var reader = MappingReader(doc, path: map.path("documentation"), issues: issues) {
            required = reader.required("required").flatMap { S.bool($0, reader.path("required"), issues) } ?? false
            retain = reader.optional("retainYears").flatMap { S.integer($0, reader.path("retainYears"), issues) }
            reader.finish()
        }
        var causes: [BreachCause] = []
        if let node = map.optional("causes") {
            causes = S.choices(node, map.path("causes"), issues, "breach cause") ?? []
            if causes.contains(.unknown) {
                issues.report(
                    node, map.path("causes"), "`unknown` cannot qualify for a risk-of-harm exemption: an unknown cause is read as not qualifying")
            }
        }
        let exempts = obligationIDs(&map)
        let provenance = provenance(&map, known)
        map.finish()
        guard let exemptWhen, let provenance else { return nil }
        return RiskOfHarmRule(
            exemptWhen: exemptWhen, documentationRequired: required, retainYears: retain, exempts: exempts,
            causes: Set(causes), provenance: provenance)
    }

    func decodeExemption(_ node: DocumentNode, _ path: String, _ known: Set<String>) -> SectorExemption? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let sectors: [Sector]? = map.required("sectors").flatMap { S.choices($0, map.path("sectors"), issues, "sector") }
        let exempts = obligationIDs(&map)
        let condition = map.required("condition").flatMap { S.text($0, map.path("condition"), issues) }
        let provenance = provenance(&map, known)
        map.finish()
        guard let sectors, let condition, let provenance else { return nil }
        return SectorExemption(sectors: Set(sectors), exempts: exempts, condition: condition, provenance: provenance)
    }

    func decodeDelay(_ node: DocumentNode, _ path: String, _ known: Set<String>) -> LawEnforcementDelayRule? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let effect: LawEnforcementDelayRule.Effect? = map.required("effect").flatMap { S.choice($0, map.path("effect"), issues, "delay effect") }
        let provenance = provenance(&map, known)
        map.finish()
        guard let effect, let provenance else { return nil }
        return LawEnforcementDelayRule(effect: effect, provenance: provenance)
    }

    // MARK: Obligation

    func decodeObligation(_ node: DocumentNode, _ path: String, _ context: VersionContext) -> ObligationRule? {
        let known = context.known
        let before = issues.count
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let id = map.required("id").flatMap { S.text($0, map.path("id"), issues) }
        if let id, id.utf8.contains(where: { $0 == 0x2F || $0 == 0x20 }) {
            issues.report(node, map.path("id"), "an obligation id must not contain `/` or spaces")
        }
        var recipient: Recipient? = nil
        if let recipientNode = map.required("recipient"), var reader = MappingReader(recipientNode, path: map.path("recipient"), issues: issues) {
            let kind: RecipientKind? = reader.required("kind").flatMap { S.choice($0, reader.path("kind"), issues, "recipient kind") }
            let name = reader.required("name").flatMap { S.text($0, reader.path("name"), issues) }
            let contact = reader.optional("contact").flatMap { S.text($0, reader.path("contact"), issues) }
            reader.finish()
            if let kind, let name { recipient = Recipient(kind: kind, name: name, contact: contact) }
        }
        var roles: Set<EntityRole> = [.owner, .controller]
        if let node = map.optional("roles"), let list: [EntityRole] = S.choices(node, map.path("roles"), issues, "role") {
            roles = Set(list.flatMap { role -> [EntityRole] in role.holdsForAnother ? [.maintainer, .processor] : [.owner, .controller] })
        }
        let condition: ObligationCondition =
            map.optional("when").flatMap { S.choice($0, map.path("when"), issues, "condition") } ?? .breach
        let minimumRisk: RiskOfHarm? = map.optional("minimumRisk").flatMap { S.choice($0, map.path("minimumRisk"), issues, "risk of harm") }
        let forSectors: [Sector] = map.optional("forSectors").flatMap { S.choices($0, map.path("forSectors"), issues, "sector") } ?? []
        let notForSectors: [Sector] = map.optional("notForSectors").flatMap { S.choices($0, map.path("notForSectors"), issues, "sector") } ?? []
        let forSize: [EntitySize] = map.optional("forSize").flatMap { S.choices($0, map.path("forSize"), issues, "entity size") } ?? []
        let forCauses: [BreachCause] = map.optional("forCauses").flatMap { S.choices($0, map.path("forCauses"), issues, "cause") } ?? []
        let notForCauses: [BreachCause] = map.optional("notForCauses").flatMap { S.choices($0, map.path("notForCauses"), issues, "cause") } ?? []
        let forElements: [DataElement] = map.optional("forElements").flatMap { S.choices($0, map.path("forElements"), issues, "data element") } ?? []
        let onlyIfEstablished = map.optional("onlyIfEstablished").flatMap { S.bool($0, map.path("onlyIfEstablished"), issues) } ?? false
        let threshold = map.optional("threshold").flatMap { decodeThreshold($0, map.path("threshold"), known) }
        let deadline = map.required("deadline").flatMap { decodeDeadline($0, map.path("deadline"), known) }
        let provenance = provenance(&map, known)
        let notes = map.optional("notes").flatMap { S.text($0, map.path("notes"), issues) }
        map.finish()
        guard issues.count == before, let id, let recipient, let deadline, let provenance else { return nil }
        var sourceIDs = provenance.sources
        for source in deadline.provenance.sources where !sourceIDs.contains(source) { sourceIDs.append(source) }
        var relativeTo: String? = nil
        var phrase: String? = nil
        switch deadline.rule {
        case .after(let period, let ref, _):
            relativeTo = ref.utf8.contains(0x2F) ? ref : "\(context.code)/\(ref)"
            phrase = period.amount == 0 ? "no later than notice to \(relativeTo!)" : "\(period) after notice to \(relativeTo!)"
        case .before(let ref, _):
            relativeTo = "\(context.code)/\(ref)"
            phrase = "before notice to \(relativeTo!)"
        case .open, .fixed:
            break
        }
        return ObligationRule(
            id: id, qualifiedID: "\(context.code)/\(id)", sourceURLs: sourceIDs.compactMap { context.urls[$0] },
            relativeTo: relativeTo, relativeClockStart: relativeTo.map { "notice:\($0)" }, relativePhrase: phrase, recipient: recipient, roles: roles,
            condition: condition, minimumRisk: minimumRisk,
            forSectors: Set(forSectors), notForSectors: Set(notForSectors), threshold: threshold, deadline: deadline,
            provenance: provenance, notes: notes, forSize: Set(forSize), onlyIfEstablished: onlyIfEstablished,
            forCauses: Set(forCauses), notForCauses: Set(notForCauses), forElements: Set(forElements))
    }

    func decodeThreshold(_ node: DocumentNode, _ path: String, _ known: Set<String>) -> Threshold? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        var comparison: Threshold.Comparison? = nil
        if let opNode = map.required("op"), let op = S.string(opNode, map.path("op"), issues) {
            comparison = Threshold.Comparison(rawValue: op)
            if comparison == nil {
                issues.report(
                    opNode, map.path("op"),
                    "unknown comparison `\(op)` (expected `>` for \"more than\", `>=` for \"N or more\" or `<` for \"fewer than\")")
            }
        }
        let value = map.required("value").flatMap { S.integer($0, map.path("value"), issues) }
        if let value, value < 0, let node = map.optional("value") { issues.report(node, map.path("value"), "a threshold cannot be negative") }
        let counts: Threshold.Counted? = map.required("counts").flatMap { S.choice($0, map.path("counts"), issues, "count") }
        var waiver = ThresholdWaiver()
        waiver.established = map.optional("waivedIfEstablished").flatMap { S.bool($0, map.path("waivedIfEstablished"), issues) } ?? false
        if let node = map.optional("waivedIf"), var reader = MappingReader(node, path: map.path("waivedIf"), issues: issues) {
            if let flag = reader.optional("established").flatMap({ S.bool($0, reader.path("established"), issues) }) {
                waiver.established = waiver.established || flag
            }
            waiver.risk = reader.optional("risk").flatMap { S.choice($0, reader.path("risk"), issues, "risk of harm") }
            waiver.elements = Set(
                reader.optional("elements").flatMap { S.choices($0, reader.path("elements"), issues, "data element") } ?? [DataElement]())
            waiver.causes = Set(reader.optional("causes").flatMap { S.choices($0, reader.path("causes"), issues, "cause") } ?? [BreachCause]())
            reader.finish()
            if waiver.risk == .unknown { issues.report(node, map.path("waivedIf.risk"), "`unknown` is read as `likely`; write `likely`") }
            if waiver.isEmpty { issues.report(node, map.path("waivedIf"), "`waivedIf` needs at least one of established, risk, elements, causes") }
        }
        let provenance = provenance(&map, known)
        map.finish()
        guard let comparison, let value, let counts, let provenance else { return nil }
        return Threshold(comparison: comparison, value: value, counts: counts, waiver: waiver, provenance: provenance)
    }

    func decodePeriod(_ map: inout MappingReader, required: Bool) -> Period? {
        let calendar = map.optional("calendar").flatMap { S.text($0, map.path("calendar"), issues) }
        guard let node = required ? map.required("period") : map.optional("period") else { return nil }
        guard let text = S.text(node, map.path("period"), issues) else { return nil }
        guard let period = Period(text: text, calendar: calendar) else {
            issues.report(
                node, map.path("period"), "bad period `\(text)` (expected `N hours`, `N days`, `N calendar days`, `N business days` or `N months`)")
            return nil
        }
        if period.unit == .businessDays && calendar == nil {
            issues.report(node, map.path("period"), "a business-day period needs `calendar` (a holiday calendar code, e.g. US-federal)")
        }
        if period.unit != .businessDays, calendar != nil, let calendarNode = map.optional("calendar") {
            issues.report(calendarNode, map.path("calendar"), "`calendar` only applies to business-day periods")
        }
        return period
    }

    func decodeDeadline(_ node: DocumentNode, _ path: String, _ known: Set<String>) -> DeadlineSpec? {
        let before = issues.count
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let standard = map.optional("standard").flatMap { S.text($0, map.path("standard"), issues) }
        let period = decodePeriod(&map, required: false)
        let fromNode = map.optional("from")
        let from: ClockStart? = fromNode.flatMap { S.choice($0, map.path("from"), issues, "clock start") }
        let after = map.optional("after").flatMap { S.text($0, map.path("after"), issues) }
        let beforeID = map.optional("before").flatMap { S.text($0, map.path("before"), issues) }
        var sooner: RelativeBound? = nil
        if let soonerNode = map.optional("orIfSooner"), var reader = MappingReader(soonerNode, path: map.path("orIfSooner"), issues: issues) {
            let id = reader.optional("after").flatMap { S.text($0, reader.path("after"), issues) }
            let event: ClockStart? = reader.optional("from").flatMap { S.choice($0, reader.path("from"), issues, "clock start") }
            let soonerPeriod = decodePeriod(&reader, required: true)
            reader.finish()
            if (id == nil) == (event == nil) {
                issues.report(soonerNode, map.path("orIfSooner"), "`orIfSooner` needs `after` (another notice) or `from` (an event), not both")
            } else if let soonerPeriod {
                sooner = RelativeBound(period: soonerPeriod, obligation: id, from: event)
            }
        }
        let provenance = provenance(&map, known)
        map.finish()
        guard issues.count == before, let provenance else { return nil }
        let rule: DeadlineRule
        switch (period, from, after, beforeID) {
        case (nil, nil, nil, nil):
            guard let standard else {
                issues.report(node, path, "a deadline needs a `period` with `from` or `after`, `before`, or (for no fixed limit) a `standard`")
                return nil
            }
            if sooner != nil {
                issues.report(node, map.path("orIfSooner"), "`orIfSooner` needs a `period` and `from`")
                return nil
            }
            rule = .open(standard: standard)
        case (let period?, let from?, nil, nil):
            rule = .fixed(period, from: from, standard: standard, orIfSooner: sooner)
        case (let period?, nil, let after?, nil):
            if sooner != nil {
                issues.report(node, map.path("orIfSooner"), "`orIfSooner` goes with `from`, not `after`")
                return nil
            }
            rule = .after(period, obligation: after, standard: standard)
        case (nil, nil, nil, let beforeID?):
            if sooner != nil {
                issues.report(node, map.path("orIfSooner"), "`orIfSooner` goes with `from`, not `before`")
                return nil
            }
            rule = .before(obligation: beforeID, standard: standard)
        case (_?, nil, nil, nil):
            issues.report(node, path, "a `period` needs `from` (an event) or `after` (another obligation)")
            return nil
        case (nil, _?, nil, nil):
            issues.report(node, path, "`from` needs a `period`")
            return nil
        case (nil, nil, _?, nil):
            issues.report(node, path, "`after` needs a `period` (`0 days` for \"no later than\")")
            return nil
        default:
            issues.report(node, path, "a deadline takes one of `from`, `after` or `before`, not several")
            return nil
        }
        return DeadlineSpec(rule: rule, provenance: provenance)
    }

    /// The value of `key` in a mapping node, without reporting anything.
    static func child(_ node: DocumentNode, _ key: String) -> DocumentNode? {
        guard case .mapping(let entries, _) = node else { return nil }
        return entries.first { $0.key == key }?.value
    }

    static func plainText(_ node: DocumentNode) -> String? {
        if case .scalar(let text, _, _) = node, !node.isNull { return text }
        return nil
    }

    // MARK: Calendar

    /// Decodes a holiday calendar file.
    public func decodeCalendar(_ root: DocumentNode) -> HolidayCalendar? {
        let before = issues.count
        guard var map = MappingReader(root, path: "", issues: issues) else { return nil }
        let code = map.required("code").flatMap { S.text($0, "code", issues) }
        let name = map.required("name").flatMap { S.text($0, "name", issues) }
        let sources = map.required("sources").flatMap(decodeSources) ?? []
        let notes = map.optional("notes").flatMap { S.text($0, "notes", issues) }
        _ = notes
        let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        var weekend: Set<Int> = [6, 7]
        if let node = map.optional("weekend"), let items = S.list(node, "weekend", issues) {
            weekend = []
            for (index, item) in items.enumerated() {
                guard let text = S.text(item, "weekend[\(index)]", issues) else { continue }
                if let day = weekdayNames.firstIndex(of: text.lowercased()) {
                    weekend.insert(day + 1)
                } else {
                    issues.report(item, "weekend[\(index)]", "unknown weekday `\(text)`")
                }
            }
            if weekend.count > 3 { issues.report(node, "weekend", "a week needs at least four business days") }
        }
        var holidays: [HolidayCalendar.Holiday] = []
        if let node = map.required("holidays"), let items = S.list(node, "holidays", issues) {
            for (index, item) in items.enumerated() {
                let path = "holidays[\(index)]"
                guard var reader = MappingReader(item, path: path, issues: issues) else { continue }
                let holidayName = reader.required("name").flatMap { S.text($0, reader.path("name"), issues) }
                let since = reader.optional("since").flatMap { S.integer($0, reader.path("since"), issues) }
                let until = reader.optional("until").flatMap { S.integer($0, reader.path("until"), issues) }
                let observed: HolidayCalendar.Holiday.Observance? = reader.optional("observed").flatMap {
                    S.choice($0, reader.path("observed"), issues, "observance")
                }
                var when: HolidayCalendar.Holiday.When? = nil
                if let dateNode = reader.optional("date") {
                    if let text = S.text(dateNode, reader.path("date"), issues) {
                        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                        if parts.count == 2, let month = parts[0], let day = parts[1], CivilDate(year: 2000, month: month, day: day) != nil {
                            when = .fixed(month: month, day: day)
                        } else if let once = CivilDate(iso: text) {
                            when = .once(once)
                        } else {
                            issues.report(dateNode, reader.path("date"), "expected MM-DD (every year) or YYYY-MM-DD (one day), found `\(text)`")
                        }
                    }
                } else if let offsetNode = reader.optional("easter") {
                    if let offset = S.integer(offsetNode, reader.path("easter"), issues) {
                        if abs(offset) > 100 {
                            issues.report(offsetNode, reader.path("easter"), "an Easter offset is at most 100 days either way")
                        } else {
                            when = .easter(offset: offset)
                        }
                    }
                } else {
                    let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
                    let weekdayText = reader.required("weekday").flatMap { S.text($0, reader.path("weekday"), issues) }
                    let month = reader.required("month").flatMap { S.integer($0, reader.path("month"), issues) }
                    let nth = reader.required("nth").flatMap { S.integer($0, reader.path("nth"), issues) }
                    let weekday = weekdayText.flatMap { weekdays.firstIndex(of: $0.lowercased()) }.map { $0 + 1 }
                    if weekdayText != nil && weekday == nil { issues.report(item, reader.path("weekday"), "unknown weekday") }
                    if let month, !(1...12).contains(month) { issues.report(item, reader.path("month"), "month must be 1 to 12") }
                    if let nth, !(1...5).contains(nth) && nth != -1 {
                        issues.report(item, reader.path("nth"), "nth must be 1 to 5, or -1 for the last")
                    }
                    if let weekday, let month, let nth, (1...12).contains(month) { when = .nthWeekday(month: month, weekday: weekday, nth: nth) }
                }
                if let since, let until, until < since { issues.report(item, reader.path("until"), "`until` \(until) is before `since` \(since)") }
                if let holidayName, let when {
                    holidays.append(
                        HolidayCalendar.Holiday(name: holidayName, when: when, observed: observed ?? .onTheDay, since: since, until: until))
                }
                reader.finish()
            }
        }
        map.finish()
        guard issues.count == before, let code, let name else { return nil }
        return HolidayCalendar(code: code, name: name, sources: sources, holidays: holidays, weekend: weekend, file: file)
    }
}
