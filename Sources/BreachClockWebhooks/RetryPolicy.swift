import Foundation

/// What one delivery attempt came to, as the transport saw it.
public enum AttemptResult: Sendable, Equatable {
    /// The receiver answered with an HTTP status (and perhaps `Retry-After`).
    case response(status: Int, retryAfter: String?)
    /// No answer: a connect failure or timeout (the libcurl code and its text).
    case transportError(code: Int, message: String)
    /// The destination resolved to an address the SSRF policy refuses.
    case blockedByPolicy(address: String)
}

/// What to do after an attempt. A pure decision, tested on its own.
public enum DeliveryDecision: Sendable, Equatable {
    case delivered
    /// Try again at this time.
    case retry(at: Date)
    /// Stop retrying this message (attempts used up); the subscription stays as it is.
    case giveUp(reason: String)
    /// Stop, and disable the subscription: the receiver said it is gone, or policy forbids it.
    case disable(reason: String)
}

/// The retry schedule and the outcome classification (Standard Webhooks' recommendations): 2xx is
/// success; 410 disables; 429, 502, 503, 504 throttle and honour `Retry-After` up to a ceiling; other
/// answers and transport errors are retried on the schedule with ±10 % jitter; blocked-by-policy is
/// never retried.
public struct RetryPolicy: Sendable {
    /// Delays before attempts 2, 3, …: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (10 attempts, about 75 h).
    public var delays: [TimeInterval] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400]
    /// The longest `Retry-After` honoured.
    public var retryAfterCeiling: TimeInterval = 3_600
    /// Jitter as a fraction of the delay (0.1 = ±10 %).
    public var jitter: Double = 0.1

    public init() {}

    /// - Parameters:
    ///   - attempt: the attempt that just ended, from 1.
    ///   - random: a number in 0..<1 (injected, so tests are exact).
    public func decide(after result: AttemptResult, attempt: Int, now: Date, random: Double) -> DeliveryDecision {
        switch result {
        case .blockedByPolicy(let address):
            return .disable(reason: "blocked by policy: the destination resolved to \(address), a private or reserved address")
        case .response(let status, _) where (200..<300).contains(status):
            return .delivered
        case .response(410, _):
            return .disable(reason: "the receiver answered 410 Gone")
        case .response(let status, let retryAfter) where [429, 502, 503, 504].contains(status):
            if let seconds = retryAfter.flatMap({ RetryPolicy.retryAfterSeconds($0, now: now) }) {
                guard attempt <= delays.count else { return .giveUp(reason: "\(attempt) attempts failed; last answer \(status)") }
                return .retry(at: now.addingTimeInterval(min(seconds, retryAfterCeiling)))
            }
            return scheduled(attempt: attempt, now: now, random: random, last: "HTTP \(status)")
        case .response(let status, _):
            return scheduled(attempt: attempt, now: now, random: random, last: "HTTP \(status)")
        case .transportError(_, let message):
            return scheduled(attempt: attempt, now: now, random: random, last: message)
        }
    }

    func scheduled(attempt: Int, now: Date, random: Double, last: String) -> DeliveryDecision {
        guard attempt >= 1, attempt <= delays.count else { return .giveUp(reason: "\(attempt) attempts failed; last: \(last)") }
        let base = delays[attempt - 1]
        let factor = 1 + jitter * (2 * random - 1)
        return .retry(at: now.addingTimeInterval(base * factor))
    }

    /// `Retry-After` as seconds: delta-seconds, or an HTTP date.
    public static func retryAfterSeconds(_ value: String, now: Date) -> TimeInterval? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return TimeInterval(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
