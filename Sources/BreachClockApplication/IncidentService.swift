import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation

/// What the API does with incidents: validate, compute, explain what changed, store. The HTTP layer
/// only maps requests to these calls and results to responses.
public final class IncidentService: Sendable {
    public let calculator: Calculator
    /// The storage it needs: incidents, and the record of rules rollouts.
    public let store: any IncidentRepository & RulesRolloutLog
    public let clock: @Sendable () -> Date

    public init(calculator: Calculator, store: any IncidentRepository & RulesRolloutLog, clock: @escaping @Sendable () -> Date = Date.init) {
        self.calculator = calculator
        self.store = store
        self.clock = clock
    }

    // MARK: Reading requests

    /// The body formats the API reads, by media type: JSON (`application/json` and any `+json`, such as
    /// `application/merge-patch+json`), and YAML only when declared (`application/yaml`). Anything
    /// else, or no `Content-Type`, is a 415 problem that says what to send.
    public static func bodyFormat(contentType: String?) throws(ServiceError) -> DocumentFormat {
        let unsupported = ServiceError(
            .unsupportedFormat, "Unsupported media type",
            detail: "Send the body as JSON with Content-Type: application/json (YAML is read when declared as application/yaml), in UTF-8.")
        guard let contentType else { throw unsupported }
        // What nearly every client sends, without Foundation's trimming and case mapping.
        if contentType == "application/json" || contentType == "application/json; charset=utf-8" { return .json }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let type = parts.first else { throw unsupported }
        for parameter in parts.dropFirst() where parameter.hasPrefix("charset=") {
            let charset = parameter.dropFirst("charset=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if charset != "utf-8" && charset != "utf8" { throw unsupported }
        }
        switch type {
        case "application/json": return .json
        case "application/yaml", "application/x-yaml", "text/yaml": return .yaml
        default:
            if type.hasPrefix("application/") && type.hasSuffix("+json") { return .json }
            throw unsupported
        }
    }

    /// Parses a body within `DocumentLimits.body`; a syntax error or a limit crossed is a 400 problem
    /// naming the line, column and limit.
    public static func parse(_ bytes: [UInt8], format: DocumentFormat) throws(ServiceError) -> DocumentNode {
        do {
            return try DocumentParser.parse(bytes, format: format, file: "body", limits: .body)
        } catch {
            throw ServiceError(
                .malformed, format == .json ? "Malformed JSON body" : "Malformed YAML body",
                detail: "line \(error.location.line), column \(error.location.column): \(error.message)")
        }
    }

    /// Validates facts and computes their assessment; invalid facts are a 422 problem naming each field.
    public func assess(_ node: DocumentNode, fieldPrefix: String = "") throws(ServiceError) -> (IncidentFacts, Assessment) {
        do {
            let facts = try calculator.factsDecoder.decode(node)
            return (facts, calculator.assess(facts, asOf: clock()))
        } catch {
            throw ServiceError.invalidFacts(error, prefix: fieldPrefix)
        }
    }

    /// Reads a mapping body strictly: unknown keys are errors naming the key.
    public static func fields(_ node: DocumentNode, allowed: Set<String>) throws(ServiceError) -> [String: DocumentNode] {
        guard case .mapping(let entries, _) = node else { throw ServiceError.invalid("", "expected a JSON object") }
        var result: [String: DocumentNode] = [:]
        var errors: [(String, String)] = []
        for entry in entries {
            if allowed.contains(entry.key) {
                result[entry.key] = entry.value
            } else {
                errors.append((entry.key, "unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))"))
            }
        }
        if !errors.isEmpty { throw ServiceError(.invalid, "Invalid request", errors: errors) }
        return result
    }

    /// A text field: a JSON string (a number or boolean is refused, not turned into text), not blank,
    /// at most `maxLength` characters.
    public static func text(_ node: DocumentNode?, _ field: String, required: Bool, maxLength: Int = 1_000) throws(ServiceError) -> String? {
        guard let node, !node.isNull else {
            if required { throw ServiceError.invalid(field, "required") }
            return nil
        }
        guard case .scalar(let value, _, _) = node else { throw ServiceError.invalid(field, "expected text, found \(node.shapeName)") }
        if let kind = node.nonTextKind { throw ServiceError.invalid(field, "expected text, found \(kind)") }
        if value.allSatisfy(\.isWhitespace) { throw ServiceError.invalid(field, "expected non-empty text") }
        if value.count > maxLength { throw ServiceError.invalid(field, "at most \(maxLength) characters, found \(value.count)") }
        return value
    }

    /// The decisions the API records, each with the outcomes it may have.
    public enum DecisionKind: String, CaseIterable {
        /// Whether a notice is required (`obligation` names which, or none for the incident as a whole).
        case notice
        /// The documented risk-of-harm finding; also sets the facts' `riskOfHarm`.
        case riskOfHarm = "risk-of-harm"
        /// Whether the incident is material (SEC Form 8-K Item 1.05).
        case materiality
        /// Whether law enforcement asked for notice to be delayed.
        case lawEnforcementDelay = "law-enforcement-delay"

        public var outcomes: [String] {
            switch self {
            case .notice: return ["required", "not-required"]
            case .riskOfHarm: return ["unlikely", "likely", "high"]
            case .materiality: return ["material", "not-material"]
            case .lawEnforcementDelay: return ["requested", "not-requested"]
            }
        }
    }

    public static func instant(_ node: DocumentNode?, _ field: String, zone: TimeZone, required: Bool) throws(ServiceError) -> Date? {
        guard let text = try text(node, field, required: required) else { return nil }
        guard let date = ZonedTime.parse(text, in: zone) else {
            throw ServiceError.invalid(field, "expected an RFC 3339 instant with an offset, or a date")
        }
        return date
    }

    // MARK: Changes

    /// The stored form of a new state of an incident: facts, assessment, what changed and why, the
    /// deadlines to index, and its webhook messages.
    public func change(
        incidentID: String, title: String, facts: IncidentFacts, assessment: Assessment, previous: StoredIncident?, action: String,
        newTitle: String? = nil, status: IncidentStatus? = nil, notice: StoredNotice? = nil, decision: StoredDecision? = nil,
        rulesChangedFrom oldDigest: String? = nil
    ) -> IncidentChange {
        let due = assessment.obligations.map { o in
            DueIndexEntry(obligationID: o.id, kind: o.deadline.kind.rawValue, due: o.deadline.due, satisfied: o.notice != nil)
        }
        var changes =
            previous.map { ChangeDescriber.describe(previous: $0, facts: facts, assessment: assessment, decoder: calculator.factsDecoder) }
            ?? ["first assessment: \(assessment.obligations.count) obligation(s), \(assessment.notTriggered.count) not triggered"]
        if let oldDigest {
            // Facts are unchanged: every line is the rules' doing, and says so.
            changes =
                ["rules changed from \(oldDigest.prefix(19)) to \(assessment.rulesDigest.prefix(19))"]
                + (changes.isEmpty ? ["no obligation moved"] : changes.map { "rules changed: " + $0 })
        }
        if let previous, let newTitle, newTitle != previous.title {
            changes.insert(
                "title changed from \(Self.quoted(previous.title)) to \(Self.quoted(newTitle))",
                at: 0)
        }
        var events: [(type: WebhookEventType, obligation: Obligation?)] = []
        if previous == nil { events.append((.incidentCreated, nil)) }
        if status == .closed { events.append((.incidentClosed, nil)) }
        if let previous {
            let old = ChangeDescriber.previousObligations(previous.assessmentJSON)
            for change in ChangeDescriber.obligationChanges(from: old, to: assessment) {
                switch change {
                case .added(let obligation): events.append((.obligationAdded, obligation))
                case .changed(let obligation, _): events.append((oldDigest == nil ? .obligationChanged : .deadlineChanged, obligation))
                case .removed: break  // no event: the obligation's reminders are cancelled by the re-plan
                }
            }
        } else {
            events += assessment.obligations.map { (.obligationAdded, $0) }
        }
        let context = ReminderPlanner.Context(
            incidentID: incidentID, title: newTitle ?? title, facts: facts, assessment: assessment,
            now: clock(), events: events)
        return IncidentChange(
            title: newTitle, status: status, factsJSON: facts.json().serialized(pretty: false),
            assessmentJSON: assessment.jsonText(), rulesDigest: assessment.rulesDigest, changes: changes,
            dueIndex: due, notice: notice, decision: decision, action: action,
            plan: { webhooks in ReminderPlanner.plan(context, webhooks: webhooks) })
    }

    /// A title in a history line, quoted as a JSON string (so quotes and control characters in it are escaped).
    static func quoted(_ text: String) -> String { (try? JSONEncoder.text(text)) ?? "\"\"" }

    /// The facts of a stored incident (stored canonical, so they always decode).
    public func storedFacts(_ incident: StoredIncident) throws -> (node: DocumentNode, facts: IncidentFacts) {
        let node = try DocumentParser.parse(incident.factsJSON, file: "stored")
        return (node, try calculator.factsDecoder.decode(node))
    }

    // MARK: Operations

    /// `POST /v1/incidents`: `{"title": …, "facts": {…}}`.
    public func create(body: DocumentNode, actor: String) async throws -> StoredIncident {
        let fields = try Self.fields(body, allowed: ["title", "facts"])
        let title = try Self.text(fields["title"], "title", required: true, maxLength: 500)!
        guard let factsNode = fields["facts"] else { throw ServiceError.invalid("facts", "required") }
        let (facts, assessment) = try assess(factsNode, fieldPrefix: "facts")
        let id = IncidentStore.newID("inc")
        return try await store.createIncident(
            id: id, title: title,
            change: change(
                incidentID: id, title: title, facts: facts,
                assessment: assessment, previous: nil, action: "incident.create"), actor: actor)
    }

    /// `PATCH /v1/incidents/{id}`: `{"title"?: …, "facts"?: <JSON Merge Patch of the facts>}`.
    public func patch(id: String, ifMatch: Set<Int>?, body: DocumentNode, actor: String) async throws -> StoredIncident {
        let fields = try Self.fields(body, allowed: ["title", "facts"])
        let title = try Self.text(fields["title"], "title", required: false, maxLength: 500)
        let factsPatch = fields["facts"]
        if title == nil && factsPatch == nil { throw ServiceError.invalid("", "nothing to change: give title and/or facts") }
        return try await store.updateIncident(id: id, expectedRevisions: ifMatch, actor: actor) { current in
            guard current.status == .open else { throw ServiceError(.conflict, "The incident is closed") }
            let stored = try self.storedFacts(current)
            let merged = factsPatch.map { stored.node.merging(patch: $0) } ?? stored.node
            let (facts, assessment) = try self.assess(merged, fieldPrefix: "facts")
            // A patch that changes nothing makes no revision (and no audit line): PATCH is idempotent.
            let sameTitle = title == nil || title == current.title
            if sameTitle && facts.json().serialized(pretty: false) == current.factsJSON { return nil }
            return self.change(
                incidentID: current.id, title: current.title, facts: facts, assessment: assessment, previous: current,
                action: "incident.update", newTitle: sameTitle ? nil : title)
        }
    }

    /// `POST /v1/incidents/{id}/notices`: `{"obligation", "sentAt", "method", "reference"?}`.
    public func recordNotice(id: String, ifMatch: Set<Int>?, body: DocumentNode, actor: String) async throws -> StoredIncident {
        let fields = try Self.fields(body, allowed: ["obligation", "sentAt", "method", "reference"])
        let obligationID = try Self.text(fields["obligation"], "obligation", required: true)!
        let method = try Self.text(fields["method"], "method", required: true)!
        let reference = try Self.text(fields["reference"], "reference", required: false)
        let sentAtNode = fields["sentAt"]
        return try await store.updateIncident(id: id, expectedRevisions: ifMatch, actor: actor) { current in
            guard current.status == .open else { throw ServiceError(.conflict, "The incident is closed") }
            let stored = try self.storedFacts(current)
            let sentAt = try Self.instant(sentAtNode, "sentAt", zone: stored.facts.timeZone, required: true)!
            let assessment = self.calculator.assess(stored.facts)
            guard let obligation = assessment.obligations.first(where: { $0.id == obligationID }) else {
                throw ServiceError.invalid("obligation", "`\(obligationID)` is not an obligation of this incident's current assessment")
            }
            if obligation.notice != nil { throw ServiceError.invalid("obligation", "a notice is already recorded for `\(obligationID)`") }
            var facts = stored.facts
            facts.notices.append(
                RecordedNotice(
                    jurisdiction: obligation.jurisdiction, recipient: obligation.recipient.kind,
                    sentAt: sentAt, obligation: obligation.id))
            let notice = StoredNotice(
                id: IncidentStore.newID("ntc"), incidentID: id, obligationID: obligationID, sentAt: sentAt,
                method: method, reference: reference, recordedAt: sentAt, recordedBy: actor)
            return self.change(
                incidentID: current.id, title: current.title, facts: facts, assessment: self.calculator.assess(facts),
                previous: current, action: "notice.record", notice: notice)
        }
    }

    /// `POST /v1/incidents/{id}/decisions`: `{"kind", "outcome", "rationale"?, "owner", "obligation"?, "decidedAt"?}`.
    /// A `risk-of-harm` decision (outcome unlikely, likely or high) also sets the facts' `riskOfHarm`.
    /// A `not-required` outcome without a rationale is refused.
    public func recordDecision(id: String, ifMatch: Set<Int>?, body: DocumentNode, actor: String, now: Date) async throws -> StoredIncident {
        let fields = try Self.fields(body, allowed: ["kind", "outcome", "rationale", "owner", "obligation", "decidedAt"])
        let kindText = try Self.text(fields["kind"], "kind", required: true)!
        guard let decisionKind = DecisionKind(rawValue: kindText) else {
            throw ServiceError.invalid(
                "kind", "unknown decision kind `\(kindText)` (expected one of: \(DecisionKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let kind = decisionKind.rawValue
        let outcome = try Self.text(fields["outcome"], "outcome", required: true)!
        guard decisionKind.outcomes.contains(outcome) else {
            throw ServiceError.invalid(
                "outcome", "a \(kind) decision's outcome is one of: \(decisionKind.outcomes.joined(separator: ", ")); found `\(outcome)`")
        }
        let owner = try Self.text(fields["owner"], "owner", required: true, maxLength: 200)!
        let obligationID = try Self.text(fields["obligation"], "obligation", required: false)
        let rationale: String?
        if outcome == "not-required", fields["rationale"].map({ $0.isNull }) ?? true {
            throw ServiceError.invalid("rationale", "a \"not required\" decision must give its rationale")
        }
        rationale = try Self.text(fields["rationale"], "rationale", required: false, maxLength: 20_000)
        let risk: RiskOfHarm? = decisionKind == .riskOfHarm ? RiskOfHarm(rawValue: outcome) : nil
        let decidedAtNode = fields["decidedAt"]
        return try await store.updateIncident(id: id, expectedRevisions: ifMatch, actor: actor) { current in
            guard current.status == .open else { throw ServiceError(.conflict, "The incident is closed") }
            let stored = try self.storedFacts(current)
            let decidedAt = try Self.instant(decidedAtNode, "decidedAt", zone: stored.facts.timeZone, required: false) ?? now
            var facts = stored.facts
            if let risk { facts.riskOfHarm = risk }
            if let obligationID, !self.calculator.assess(stored.facts).obligations.contains(where: { $0.id == obligationID }) {
                throw ServiceError.invalid("obligation", "`\(obligationID)` is not an obligation of this incident's current assessment")
            }
            let decision = StoredDecision(
                id: IncidentStore.newID("dec"), incidentID: id, kind: kind, obligationID: obligationID,
                outcome: outcome, rationale: rationale, owner: owner, decidedAt: decidedAt, recordedAt: now, recordedBy: actor)
            return self.change(
                incidentID: current.id, title: current.title, facts: facts, assessment: self.calculator.assess(facts),
                previous: current, action: "decision.record", decision: decision)
        }
    }

    /// Recomputes an open incident whose assessment was made with other rules: a revision whose
    /// history says what the new rules moved (or that nothing moved), and `deadline.changed` events
    /// for deadlines that moved. Nil when the incident is closed or already on these rules.
    @discardableResult
    public func recomputeForRules(id: String, actor: String) async throws -> StoredIncident? {
        let digest = calculator.rulebook.digest
        guard let before = try await store.incident(id: id) else { return nil }
        let result = try await store.updateIncident(id: id, expectedRevisions: nil, actor: actor) { current in
            guard current.status == .open else { return nil }
            let oldDigest = ChangeDescriber.rulesDigest(current.assessmentJSON)
            guard oldDigest != digest else { return nil }
            let stored = try self.storedFacts(current)
            let assessment = self.calculator.assess(stored.facts)
            return self.change(
                incidentID: current.id, title: current.title, facts: stored.facts, assessment: assessment, previous: current,
                action: "rules.recompute", rulesChangedFrom: oldDigest ?? "unknown rules")
        }
        return result.revision != before.revision ? result : nil
    }

    /// After a new rules database is deployed: recomputes every open incident computed with other
    /// rules, once across all instances (`IncidentStore.beginRulesRollout`). Returns how many were
    /// recomputed, or nil when another instance has the rollout.
    public func rollOutRules(instance: String) async throws -> Int? {
        let digest = calculator.rulebook.digest
        guard try await store.beginRulesRollout(digest: digest, instance: instance, now: clock(), staleAfter: 600) else { return nil }
        var count = 0
        var cursor: Int?
        repeat {
            let page = try await store.incidentsNotComputed(with: digest, limit: 200, after: cursor)
            for id in page.ids where try await recomputeForRules(id: id, actor: "rules-rollout") != nil { count += 1 }
            cursor = page.next
        } while cursor != nil
        try await store.finishRulesRollout(digest: digest, recomputed: count, now: clock())
        return count
    }

    /// `POST /v1/incidents/{id}/close`.
    public func close(id: String, ifMatch: Set<Int>?, actor: String) async throws -> StoredIncident {
        try await store.updateIncident(id: id, expectedRevisions: ifMatch, actor: actor) { current in
            guard current.status == .open else { throw ServiceError(.conflict, "The incident is already closed") }
            let stored = try self.storedFacts(current)
            return self.change(
                incidentID: current.id, title: current.title, facts: stored.facts,
                assessment: self.calculator.assess(stored.facts), previous: current, action: "incident.close", status: .closed)
        }
    }
}
