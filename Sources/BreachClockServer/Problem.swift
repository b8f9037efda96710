import BreachClockApplication
import BreachClockCalculator
import BreachClockRules
import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem: what the API answers for every error, naming each bad field. Never a stack
/// trace, an internal path or a secret.
public struct Problem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String?
    /// Field path → message (`affected.US-XX` → `unknown jurisdiction code`).
    public var errors: [(field: String, message: String)]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, _ title: String, detail: String? = nil,
        errors: [(field: String, message: String)] = [], headers: HTTPFields = [:]
    ) {
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// The problem for an application error: its kind decides the status.
    public init(_ error: ServiceError) {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .malformed: .badRequest
            case .unsupportedFormat: .unsupportedMediaType
            case .invalid: .unprocessableContent
            case .conflict: .conflict
            }
        self.init(status, error.title, detail: error.detail, errors: error.errors)
    }

    static let notFound = Problem(.notFound, "Not found")

    /// The problem+json body.
    func body(instance: String, requestID: String?) -> ProblemBody {
        ProblemBody(
            title: title, status: Int(status.code), detail: detail, instance: instance,
            errors: errors.isEmpty ? nil : errors.map { ProblemBody.FieldError(field: $0.field, message: $0.message) }, requestId: requestID)
    }
}
