import BreachClockJSON
import Foundation

// What goes over the wire to a receiver, and what the outbox stores, as Codable types. They are
// encoded by `StreamingJSONEncoder` (members in declaration order, straight into bytes), because one
// is encoded for every message sent; a test holds it to Foundation's encoder. Members the formats
// show as `null` are `@NullEncoded`; plain optionals are left out when absent.

/// Standard Webhooks JSON: `{type, timestamp, data}`, signed over these exact bytes.
struct StandardWebhookBody: Encodable, Sendable {
    struct Incident: Encodable, Sendable {
        var id: String
        var title: String
        @NullEncoded var link: String?
    }

    struct Obligation: Encodable, Sendable {
        @NullEncoded var id: String?
        @NullEncoded var jurisdiction: String?
        @NullEncoded var recipient: String?
        @NullEncoded var citation: String?
    }

    struct Deadline: Encodable, Sendable {
        @NullEncoded var kind: String?
        @NullEncoded var due: String?
        @NullEncoded var text: String?
        var timeLeft: String
    }

    /// Present only on a tabletop exercise's messages.
    struct Exercise: Encodable, Sendable {
        var marking = "EXERCISE"
        var name: String
    }

    struct Data: Encodable, Sendable {
        var incident: Incident
        /// Null for a message about no one obligation (a test message).
        @NullEncoded var obligation: Obligation?
        @NullEncoded var deadline: Deadline?
        /// Left out of production messages.
        var exercise: Exercise?
    }

    var type: String
    var timestamp: String
    var data: Data
}

/// A Slack incoming-webhook message: `text` plus Block Kit `blocks`.
struct SlackMessage: Encodable, Sendable {
    struct Text: Encodable, Sendable {
        var type: String
        var text: String
    }

    struct Button: Encodable, Sendable {
        var type = "button"
        var text: Text
        var url: String
    }

    /// A header, a section (with `text`) or actions (with `elements`).
    struct Block: Encodable, Sendable {
        var type: String
        var text: Text?
        var elements: [Button]?
    }

    var text: String
    var blocks: [Block]
}

/// A Teams Workflows message carrying one Adaptive Card.
struct TeamsMessage: Encodable, Sendable {
    struct Fact: Encodable, Sendable {
        var title: String
        var value: String
    }

    /// A `TextBlock` (with its text and style) or a `FactSet` (with `facts`).
    struct Element: Encodable, Sendable {
        var type: String
        var size: String?
        var weight: String?
        var text: String?
        var wrap: Bool?
        var color: String?
        var facts: [Fact]?
    }

    struct Action: Encodable, Sendable {
        var type = "Action.OpenUrl"
        var title: String
        var url: String
    }

    struct Card: Encodable, Sendable {
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case type, version, body, actions
        }

        var schema = "http://adaptivecards.io/schemas/adaptive-card.json"
        var type = "AdaptiveCard"
        var version = "1.4"
        var body: [Element]
        var actions: [Action]?
    }

    struct Attachment: Encodable, Sendable {
        var contentType = "application/vnd.microsoft.card.adaptive"
        /// Teams' schema has the member, always null for a card sent inline.
        @NullEncoded var contentUrl: String?
        var content: Card
    }

    var type = "message"
    var attachments: [Attachment]
}

/// An event as the outbox stores it (`webhook_delivery.payload`): everything but the sending time.
/// Rows queued before this type existed hold the same members, so they read back the same.
struct StoredWebhookEvent: Codable, Sendable {
    var type: String
    var incidentID: String
    var incidentTitle: String
    @NullEncoded var obligationID: String?
    @NullEncoded var jurisdiction: String?
    @NullEncoded var recipient: String?
    @NullEncoded var citation: String?
    @NullEncoded var deadlineKind: String?
    @NullEncoded var due: String?
    @NullEncoded var deadlineText: String?
    var timeZone: String?
    @NullEncoded var link: String?
}
