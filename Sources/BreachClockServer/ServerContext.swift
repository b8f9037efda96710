import BreachClockStore
import Hummingbird
import Logging

/// The per-request context: Hummingbird's core storage, the request id, and the API key that
/// authenticated the request (set by `AuthenticationMiddleware`).
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var apiKey: StoredAPIKey?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Bodies larger than this are refused with 413.
    public var maxUploadSize: Int { 256 * 1024 }
}
