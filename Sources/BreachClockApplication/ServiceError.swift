import BreachClockCalculator

/// Why the application refused a request, in its own terms: the HTTP layer maps each kind to a
/// status and answers an RFC 9457 problem (`Problem(_:)` in BreachClockServer). Never a stack trace,
/// an internal path or a secret.
public struct ServiceError: Error, Sendable {
    public enum Kind: Sendable {
        /// The body could not be read (syntax, or a limit crossed): HTTP 400.
        case malformed
        /// The body's format is not one the service reads: HTTP 415.
        case unsupportedFormat
        /// The request is well formed but its content is wrong, each bad field named: HTTP 422.
        case invalid
        /// The incident's state does not allow it (closed): HTTP 409.
        case conflict
    }

    public var kind: Kind
    public var title: String
    public var detail: String?
    /// Field path → message (`affected.US-XX` → `unknown jurisdiction code`).
    public var errors: [(field: String, message: String)]

    public init(_ kind: Kind, _ title: String, detail: String? = nil, errors: [(field: String, message: String)] = []) {
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = errors
    }

    public static func invalidFacts(_ error: InvalidFacts, prefix: String = "") -> ServiceError {
        ServiceError(
            .invalid, "Invalid incident facts", detail: "\(error.issues.count) problem(s) listed; nothing was computed or saved.",
            errors: error.issues.map {
                (prefix.isEmpty || $0.path.isEmpty ? ($0.path.isEmpty ? prefix : $0.path) : "\(prefix).\($0.path)", $0.message)
            })
    }

    public static func invalid(_ field: String, _ message: String) -> ServiceError {
        ServiceError(.invalid, "Invalid request", errors: [(field, message)])
    }
}
