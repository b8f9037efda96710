import BreachClockStore
import Hummingbird
import Logging

/// The per-request context: Hummingbird's core storage, the request id, and the API key that
/// authenticated the request (set by `AuthenticationMiddleware`).
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var apiKey: StoredAPIKey?
    /// What inner middleware learns for the outer one's log line (each middleware has its own copy
    /// of the context, so this is shared by reference).
    public let notes = RequestNotes()

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Bodies larger than this are refused with 413.
    public var maxUploadSize: Int { 256 * 1024 }
}

/// Facts about one request that the authentication middleware records for the request log.
public final class RequestNotes: @unchecked Sendable {
    // Written once by the authentication middleware and read by the request middleware after the
    // handler returns; the awaits between them order the two accesses.
    public var keyID: String?

    init() {}
}
