import BreachClockApplication
import BreachClockCalculator
import BreachClockJSON
import BreachClockStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Request ids: a random prefix per process and a counter (cheap, unique, not guessable across restarts).
enum RequestID {
    static let prefix: String = {
        var random = SystemRandomNumberGenerator()
        return "req_" + String(UInt64.random(in: 0...UInt64.max, using: &random), radix: 36) + "_"
    }()
    static let counter = Counter()

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value: UInt64 = 0
        func next() -> UInt64 {
            lock.withLock {
                value += 1
                return value
            }
        }
    }

    static func next() -> String { prefix + String(counter.next(), radix: 36) }

    /// Letters, digits, `-` and `_`.
    static func allowed(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}

/// Gives each request an id (the client's `X-Request-Id` if it sent a sane one), logs the request
/// without its headers (keys never reach the log), and turns every error into RFC 9457 problem+json.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let metrics: ServerMetrics
    /// The routes served, to answer 405 with `Allow` for a known path and an unknown method.
    let routes: RouteTable

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        var context = context
        let given = request.headers[.requestID].flatMap { $0.count <= 64 && $0.utf8.allSatisfy { RequestID.allowed($0) } ? $0 : nil }
        context.requestID = given ?? RequestID.next()
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let problem as Problem {
            response = render(problem, request: request, context: context)
        } catch let error as ServiceError {
            response = render(Problem(error), request: request, context: context)
        } catch let error as StoreError {
            switch error {
            case .notFound: response = render(.notFound, request: request, context: context)
            case .conflict(let current):
                response = render(
                    Problem(
                        .preconditionFailed, "The incident changed since you read it",
                        detail: "If-Match does not name its current revision, \(current); read it again and retry with that ETag.",
                        headers: [.eTag: "\"\(current)\""]), request: request, context: context)
            case .rejected(let why): response = render(Problem(.unprocessableContent, "Rejected", detail: why), request: request, context: context)
            case .busy:
                response = render(
                    Problem(
                        .serviceUnavailable, "The incident is changing too fast",
                        detail: "Other changes kept arriving while this one was computed; retry in a moment.", headers: [.retryAfter: "1"]),
                    request: request, context: context)
            }
        } catch is NIOTooManyBytesError {
            response = render(
                Problem(.contentTooLarge, "Body too large", detail: "The limit is \(context.maxUploadSize) bytes."),
                request: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            // The router found no route: a known path with another method is a 405 that lists the methods.
            let allowed = routes.methods(forPath: request.uri.path)
            if allowed.isEmpty {
                response = render(.notFound, request: request, context: context)
            } else {
                let allow = allowed.joined(separator: ", ")
                response = render(
                    Problem(
                        .methodNotAllowed, "Method not allowed", detail: "\(request.uri.path) answers \(allow).",
                        headers: [.allow: allow]), request: request, context: context)
            }
        } catch let error as HTTPError {
            response = render(Problem(error.status, error.status.reasonPhrase, detail: error.body), request: request, context: context)
        } catch {
            // The message too, not only the type: the store's errors name the failing statement and
            // redact credentials, so they are safe to log and are what an operator needs.
            context.logger.error(
                "unexpected error",
                metadata: [
                    "type": "\(type(of: error))", "error": "\(error)",
                    "request_id": .string(context.requestID),
                ])
            response = render(
                Problem(.internalServerError, "Internal error", detail: "The request id identifies it in the server log."),
                request: request, context: context)
        }
        response.headers[.requestID] = context.requestID
        let elapsed = ContinuousClock.now - started
        metrics.record(
            method: request.method.rawValue, status: Int(response.status.code),
            seconds: Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code), "request_id": .string(context.requestID),
                "key_id": .string(context.notes.keyID ?? "-"),
            ])
        return response
    }

    func render(_ problem: Problem, request: Request, context: ServerContext) -> Response {
        var headers = problem.headers
        headers[.contentType] = "application/problem+json"
        // Strings and numbers only: encoding cannot fail, but if it did the status line still tells the client.
        let body = (try? JSONEncoder.breachclock.encode(problem.body(instance: request.uri.path, requestID: context.requestID))) ?? Data()
        return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: body)))
    }
}

/// Requires `Authorization: Bearer KEY` on `/v1` routes and the role each route needs.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let store: IncidentStore
    let cache: KeyCache

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1/") || request.uri.path == "/v1" else { return try await next(request, context) }
        // The scheme's name is case-insensitive (RFC 9110 section 11.1).
        guard let header = request.headers[.authorization], header.utf8.count > 7,
            header.hasPrefix("Bearer ") || header.prefix(7).lowercased() == "bearer "
        else {
            throw Problem(
                .unauthorized, "Authentication required", detail: "Send Authorization: Bearer <API key>.",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        let key = String(header.dropFirst("Bearer ".count)).trimmingBlanks
        guard let found = try await cache.authenticate(key, store: store) else {
            throw Problem(.unauthorized, "Invalid or revoked API key", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        var context = context
        context.apiKey = found
        context.notes.keyID = found.id
        let path = request.uri.path
        let needed: APIRole =
            path.hasPrefix("/v1/webhooks") || path.hasPrefix("/v1/keys")
            ? .admin
            : request.method == .get || request.method == .head || path == "/v1/assessments" ? .viewer : .editor
        guard found.role >= needed else {
            throw Problem(.forbidden, "Not allowed", detail: "This needs the \(needed.rawValue) role; the key has \(found.role.rawValue).")
        }
        return try await next(request, context)
    }
}
