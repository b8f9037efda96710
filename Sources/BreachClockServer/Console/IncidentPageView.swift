import Mustache

/// What the incident page shows, as the template reads it. Each type names its members for
/// swift-mustache itself (`MustacheParent`) instead of being reflected into dictionaries by
/// `Console.tree`: on a page drawn afresh that reflection was a quarter of the time
/// (scripts/bench-console.py --fresh). A name a template asks for and a type does not answer reads as
/// empty, so the golden file of the page (ConsoleTests) holds the two together.
struct IncidentPageView: Hashable, Sendable, MustacheParent {
    struct Obligation: Hashable, Sendable, MustacheParent {
        var id: String
        var recipient: String
        var citation: String
        var sources: [SourceLink]
        var due: String
        var dueInstant: String?
        var left: String
        var urgency: String?
        var urgencyClass: String
        var reasons: [String]

        func child(named name: String) -> Any? {
            switch name {
            case "id": id
            case "recipient": recipient
            case "citation": citation
            case "sources": sources
            case "due": due
            case "dueInstant": dueInstant
            case "left": left
            case "urgency": urgency
            case "urgencyClass": urgencyClass
            case "reasons": reasons
            default: nil
            }
        }
    }

    struct Pending: Hashable, Sendable, MustacheParent {
        var id: String
        var recipient: String

        func child(named name: String) -> Any? {
            switch name {
            case "id": id
            case "recipient": recipient
            default: nil
            }
        }
    }

    struct NotTriggered: Hashable, Sendable, MustacheParent {
        var id: String
        var reason: String

        func child(named name: String) -> Any? {
            switch name {
            case "id": id
            case "reason": reason
            default: nil
            }
        }
    }

    struct Notice: Hashable, Sendable, MustacheParent {
        var obligation: String
        var sentAt: String
        var method: String
        var reference: String?

        func child(named name: String) -> Any? {
            switch name {
            case "obligation": obligation
            case "sentAt": sentAt
            case "method": method
            case "reference": reference
            default: nil
            }
        }
    }

    struct Decision: Hashable, Sendable, MustacheParent {
        var what: String
        var obligation: String?
        var owner: String
        var decidedAt: String
        var rationale: String?

        func child(named name: String) -> Any? {
            switch name {
            case "what": what
            case "obligation": obligation
            case "owner": owner
            case "decidedAt": decidedAt
            case "rationale": rationale
            default: nil
            }
        }
    }

    struct Revision: Hashable, Sendable, MustacheParent {
        var revision: Int
        var at: String
        var changes: [String]

        func child(named name: String) -> Any? {
            switch name {
            case "revision": revision
            case "at": at
            case "changes": changes
            default: nil
            }
        }
    }

    struct AuditLine: Hashable, Sendable, MustacheParent {
        var seq: Int
        var at: String
        var actor: String
        var action: String

        func child(named name: String) -> Any? {
            switch name {
            case "seq": seq
            case "at": at
            case "actor": actor
            case "action": action
            default: nil
            }
        }
    }

    /// What new facts would change, shown before they are saved.
    struct Preview: Hashable, Sendable, MustacheParent {
        var changes: [String]
        var hasChanges: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "changes": changes
            case "hasChanges": hasChanges
            default: nil
            }
        }
    }

    var preview: Preview?
    var factsText: String
    var id: String
    var title: String
    var status: String
    var revision: Int
    var discovered: String
    var message: String?
    /// The SVG drawings, built and escaped by `DeadlineTimeline`.
    var timeline: String
    var obligations: [Obligation]
    var hasNotTriggered: Bool
    var notTriggered: [NotTriggered]
    var canEdit: Bool
    var csrf: String
    var pending: [Pending]
    var notices: [Notice]
    var decisions: [Decision]
    var history: [Revision]
    var audit: [AuditLine]

    func child(named name: String) -> Any? {
        switch name {
        case "preview": preview
        case "factsText": factsText
        case "id": id
        case "title": title
        case "status": status
        case "revision": revision
        case "discovered": discovered
        case "message": message
        case "timeline": timeline
        case "obligations": obligations
        case "hasNotTriggered": hasNotTriggered
        case "notTriggered": notTriggered
        case "canEdit": canEdit
        case "csrf": csrf
        case "pending": pending
        case "notices": notices
        case "decisions": decisions
        case "history": history
        case "audit": audit
        default: nil
        }
    }
}

extension SourceLink: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "url": url
        case "host": host
        default: nil
        }
    }
}
