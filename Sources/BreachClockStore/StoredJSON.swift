import BreachClockJSON
import Foundation

// The JSON the store writes into its columns and audit lines, and reads back, as Codable types
// encoded by `JSONEncoder.breachclock`. Two texts stay on `OrderedJSON`, because they embed stored
// JSON verbatim: an incident's audit snapshot (its `facts` member must equal the facts column byte
// for byte, which `audit verify` checks) and the facts column itself (`IncidentFacts.json()`, whose
// exact text earlier revisions and audit lines hold). Audit lines already written are never
// re-encoded: the chain hashes their text as stored.

/// `key.create`'s audit line. The secret's hash is logged so that swapping a row's hash for an
/// attacker's own key shows in `audit verify`; lines written before it was logged have none.
struct KeyCreatedLine: Codable, Sendable {
    var id: String
    var name: String?
    var role: String?
    var secretHash: String?
}

/// An audit line that names only what it acts on (`key.revoke`, `webhook.delete`).
struct IdentifierLine: Codable, Sendable {
    var id: String
}

/// `webhook.create`'s audit line: the host only, never the whole URL (it may carry a token).
struct WebhookCreatedLine: Encodable, Sendable {
    var id: String
    var host: String
    var format: String
    var events: [String]
}

/// What `audit verify` reads of an incident's newest audit snapshot.
struct IncidentSnapshotHeader: Decodable, Sendable {
    var title: String?
    var status: String?
}

extension ReminderSchedule: Codable {
    enum CodingKeys: String, CodingKey {
        case before, halfWindow, overdueEvery, nudgeEvery
    }

    /// Seconds, as stored: `{"before":[259200,86400,14400],"halfWindow":true,"overdueEvery":86400,"nudgeEvery":null}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(before.map { Int($0) }, forKey: .before)
        try container.encode(halfWindow, forKey: .halfWindow)
        try container.encode(overdueEvery.map { Int($0) }, forKey: .overdueEvery)
        try container.encode(nudgeEvery.map { Int($0) }, forKey: .nudgeEvery)
    }

    /// A missing `before` or `halfWindow` keeps the default; a missing or null `overdueEvery` or
    /// `nudgeEvery` is none (the column has always written all four).
    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let values = try container.decodeIfPresent([Double].self, forKey: .before) { before = values }
        if let value = try container.decodeIfPresent(Bool.self, forKey: .halfWindow) { halfWindow = value }
        overdueEvery = try container.decodeIfPresent(Double.self, forKey: .overdueEvery)
        nudgeEvery = try container.decodeIfPresent(Double.self, forKey: .nudgeEvery)
    }
}

extension AuditCheckpoint: Codable {
    enum CodingKeys: String, CodingKey {
        case seq, hash, at, mac
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            seq: try container.decode(Int.self, forKey: .seq), hash: try container.decode(String.self, forKey: .hash),
            at: try container.decode(String.self, forKey: .at), mac: try container.decode(String.self, forKey: .mac))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(hash, forKey: .hash)
        try container.encode(at, forKey: .at)
        try container.encode(mac, forKey: .mac)
    }
}
