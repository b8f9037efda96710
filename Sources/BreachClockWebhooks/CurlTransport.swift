import CCurl
import Foundation

/// One HTTP POST to send.
public struct WebhookRequest: Sendable {
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(url: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What an attempt came to, with how long it took and the start of the response body.
public struct TransportOutcome: Sendable {
    public var result: AttemptResult
    public var duration: Duration
    /// At most `maxResponseBytes` of the response body (for the delivery log).
    public var responseBody: [UInt8]
}

/// Sends webhooks with libcurl's multi interface on one thread of its own, so many deliveries run at
/// once without blocking the server's threads. Per attempt: connect timeout 5 s, total 15 s, no
/// redirects, `http` and `https` only, environment proxies ignored, response body capped, and the
/// `AddressPolicy` applied to every address libcurl is about to connect to.
public final class CurlTransport: @unchecked Sendable {
    public struct Options: Sendable {
        public var connectTimeout: Duration = .seconds(5)
        public var totalTimeout: Duration = .seconds(15)
        public var maxResponseBytes = 64 * 1024
        public var policy = AddressPolicy()
        /// Connections kept per host (`CURLMOPT_MAX_HOST_CONNECTIONS`).
        public var maxConnectionsPerHost = 16

        public init() {}
    }

    let options: Options
    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var pending: [Transfer] = []
    private var running = true
    private var thread: Thread?

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    public init(options: Options = Options()) {
        _ = Self.globalInit
        self.options = options
        multi = curl_multi_init()
        _ = bc_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, options.maxConnectionsPerHost)
        // The thread holds the transport until `shutdown()` ends its loop.
        let thread = Thread { self.loop() }
        thread.name = "breachclock-curl"
        self.thread = thread
        thread.start()
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    /// Stops the transport thread; transfers under way end with an error. Call before releasing it.
    public func shutdown() {
        lock.withLock { running = false }
        curl_multi_wakeup(multi)
        while lock.withLock({ thread != nil }) { usleep(1_000) }
    }

    /// Sends one request and waits for its outcome.
    public func send(_ request: WebhookRequest) async -> TransportOutcome {
        await withCheckedContinuation { continuation in
            let transfer = Transfer(request: request, options: options, continuation: continuation)
            let accepted = lock.withLock { () -> Bool in
                guard running else { return false }
                pending.append(transfer)
                return true
            }
            if accepted {
                curl_multi_wakeup(multi)
            } else {
                continuation.resume(
                    returning: TransportOutcome(
                        result: .transportError(code: -1, message: "the transport is shut down"),
                        duration: .zero, responseBody: []))
            }
        }
    }

    private func loop() {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        while true {
            let (incoming, keepRunning) = lock.withLock { () -> ([Transfer], Bool) in
                let taken = pending
                pending.removeAll()
                return (taken, running)
            }
            if !keepRunning {
                for transfer in incoming + Array(active.values) { transfer.finish(code: CURLE_ABORTED_BY_CALLBACK, status: 0) }
                for handle in active.keys {
                    curl_multi_remove_handle(multi, handle)
                    curl_easy_cleanup(handle)
                }
                lock.withLock { thread = nil }
                return
            }
            for transfer in incoming {
                if let handle = transfer.makeHandle() {
                    curl_multi_add_handle(multi, handle)
                    active[handle] = transfer
                } else {
                    transfer.finish(code: CURLE_FAILED_INIT, status: 0)
                }
            }
            var stillRunning: Int32 = 0
            curl_multi_perform(multi, &stillRunning)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                var status = 0
                _ = bc_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
                curl_multi_remove_handle(multi, handle)
                curl_easy_cleanup(handle)
                active.removeValue(forKey: handle)?.finish(code: code, status: status)
            }
            curl_multi_poll(multi, nil, 0, 1_000, nil)
        }
    }
}

/// One transfer's state, reachable from libcurl's callbacks through an unmanaged pointer.
final class Transfer {
    let request: WebhookRequest
    let options: CurlTransport.Options
    let continuation: CheckedContinuation<TransportOutcome, Never>
    let started = ContinuousClock.now
    var response: [UInt8] = []
    var retryAfter: String?
    var blockedAddress: String?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var finished = false

    init(request: WebhookRequest, options: CurlTransport.Options, continuation: CheckedContinuation<TransportOutcome, Never>) {
        self.request = request
        self.options = options
        self.continuation = continuation
    }

    deinit {
        curl_slist_free_all(headerList)
    }

    func makeHandle() -> UnsafeMutableRawPointer? {
        guard let handle = curl_easy_init() else { return nil }
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = bc_easy_setopt_string(handle, CURLOPT_URL, request.url)
        _ = bc_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = bc_easy_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = bc_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = bc_easy_setopt_string(handle, CURLOPT_PROXY, "")
        _ = bc_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = bc_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout.components.seconds * 1000))
        _ = bc_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(options.totalTimeout.components.seconds * 1000))
        _ = bc_easy_setopt_string(handle, CURLOPT_USERAGENT, "breachclock-webhooks/0.1")
        _ = bc_easy_setopt_long(handle, CURLOPT_POST, 1)
        _ = bc_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count)
        request.body.withUnsafeBytes { bytes in
            _ = bc_easy_setopt_pointer(
                handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
        }
        for header in request.headers + [("Expect", "")] {
            headerList = curl_slist_append(headerList, "\(header.0): \(header.1)")
        }
        _ = bc_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        _ = bc_easy_setopt_pointer(handle, CURLOPT_PRIVATE, context)
        _ = bc_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = bc_easy_setopt_write_function(handle) { data, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            let room = max(0, transfer.options.maxResponseBytes - transfer.response.count)
            if room > 0, let data {
                data.withMemoryRebound(to: UInt8.self, capacity: length) {
                    transfer.response.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(room, length)))
                }
            }
            return length
        }
        _ = bc_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        _ = bc_easy_setopt_header_function(handle) { data, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            if let data {
                let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
                if line.lowercased().hasPrefix("retry-after:") {
                    transfer.retryAfter = String(line.dropFirst("retry-after:".count)).trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
            return length
        }
        _ = bc_easy_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, context)
        _ = bc_easy_setopt_open_socket_function(handle) { context, _, address in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            guard let address else { return CURL_SOCKET_BAD }
            let bytes = Transfer.addressBytes(address)
            if let bytes, let refusal = transfer.options.policy.refusal(for: bytes) {
                transfer.blockedAddress = refusal
                return CURL_SOCKET_BAD
            }
            return socket(address.pointee.family, address.pointee.socktype, address.pointee.protocol)
        }
        return handle
    }

    /// The IP address in a `curl_sockaddr` (4 or 16 bytes).
    static func addressBytes(_ address: UnsafeMutablePointer<curl_sockaddr>) -> [UInt8]? {
        withUnsafeMutablePointer(to: &address.pointee.addr) { pointer -> [UInt8]? in
            switch Int32(address.pointee.family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                    withUnsafeBytes(of: inet.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { inet6 in
                    withUnsafeBytes(of: inet6.pointee.sin6_addr) { Array($0) }
                }
            default:
                return nil
            }
        }
    }

    func finish(code: CURLcode, status: Int) {
        guard !finished else { return }
        finished = true
        let result: AttemptResult
        if let blockedAddress {
            result = .blockedByPolicy(address: blockedAddress)
        } else if code == CURLE_OK {
            result = .response(status: status, retryAfter: retryAfter)
        } else {
            result = .transportError(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)))
        }
        continuation.resume(returning: TransportOutcome(result: result, duration: ContinuousClock.now - started, responseBody: response))
    }
}
