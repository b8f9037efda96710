import Foundation

// What the application asks of storage, by area. `IncidentStore` implements all of them on either
// engine; the application (`BreachClockApplication`) depends on these, not on the store's class.

/// Incidents with their assessment history, notices and decisions.
public protocol IncidentRepository: Sendable {
    func incident(id: String) async throws -> StoredIncident?
    func incidents(status: IncidentStatus?, dueBefore: Date?, limit: Int, after cursor: Int?) async throws
        -> (incidents: [StoredIncident], next: Int?)
    func history(id: String) async throws -> [AssessmentRevision]
    func notices(incidentID: String) async throws -> [StoredNotice]
    func decisions(incidentID: String) async throws -> [StoredDecision]
    func createIncident(id: String, title: String, change: IncidentChange, actor: String) async throws -> StoredIncident
    func updateIncident(id: String, expectedRevisions: Set<Int>?, actor: String, _ change: @Sendable (StoredIncident) throws -> IncidentChange?)
        async throws -> StoredIncident
}

/// Which rules digests were rolled out, and the incidents still computed with other rules.
public protocol RulesRolloutLog: Sendable {
    func beginRulesRollout(digest: String, instance: String, now: Date, staleAfter: TimeInterval) async throws -> Bool
    func finishRulesRollout(digest: String, recomputed: Int, now: Date) async throws
    func incidentsNotComputed(with digest: String, limit: Int, after cursor: Int?) async throws -> (ids: [String], next: Int?)
}

/// API keys, kept as hashes.
public protocol APIKeyRepository: Sendable {
    func createKey(name: String, role: APIRole, actor: String) async throws -> (key: String, record: StoredAPIKey)
    func authenticate(key: String) async throws -> StoredAPIKey?
    func keys() async throws -> [StoredAPIKey]
    func revokeKey(id: String, actor: String) async throws
}

/// Webhook subscriptions and their deliveries' log.
public protocol WebhookRepository: Sendable {
    func createWebhook(
        url: String, format: String, incidentID: String?, events: [String], schedule: ReminderSchedule, secret: String,
        actor: String
    ) async throws -> StoredWebhook
    func webhooks() async throws -> [StoredWebhook]
    func webhook(id: String) async throws -> StoredWebhook?
    func deleteWebhook(id: String, actor: String) async throws
    func deliveries(webhookID: String, limit: Int) async throws -> [DeliveryRecord]
}

/// The delivery outbox: claims (leases), their rescue, and attempts.
public protocol Outbox: Sendable {
    func leaseNow() async throws -> Date
    func claimDue(now: Date, limit: Int, worker: String, perHost: Int, busy: [String: Int], collapse: Bool) async throws -> [ClaimedDelivery]
    func claim(id: String, now: Date, worker: String) async throws -> ClaimedDelivery?
    func rescueStuck(claimedBefore before: Date) async throws -> Int
    func recordAttempts(_ records: [IncidentStore.AttemptRecord]) async throws
    func enqueue(_ delivery: PlannedDelivery) async throws -> String
}

/// The hash-chained audit log and its signed checkpoints.
public protocol AuditLog: Sendable {
    func audit(incidentID: String?) async throws -> [AuditEntry]
    func verifyAudit(key: AuditKey?, checkpointsFile: String?) async throws -> AuditChain.Verification
    func writeAuditCheckpoint(key: AuditKey) async throws -> AuditCheckpoint?
    func auditCheckpoints() async throws -> [AuditCheckpoint]
}

extension IncidentStore: IncidentRepository, RulesRolloutLog, APIKeyRepository, WebhookRepository, Outbox, AuditLog {}
