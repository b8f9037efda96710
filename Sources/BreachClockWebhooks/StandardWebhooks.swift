import Crypto
import Foundation

/// Signing and verifying per Standard Webhooks 1.0: headers `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`), with `whsec_` secrets.
public struct WebhookSigner: Sendable {
    /// The raw key (the base64 part of `whsec_…`, decoded).
    let key: SymmetricKey

    /// - Parameter secret: `whsec_` followed by base64 of 24 to 64 random bytes.
    public init?(secret: String) {
        guard secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst(6))), !bytes.isEmpty else { return nil }
        key = SymmetricKey(data: bytes)
    }

    /// A new secret: `whsec_` + base64 of 32 bytes from `random`.
    public static func newSecret(using random: inout some RandomNumberGenerator) -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    /// The `webhook-signature` header value for a message.
    public func signature(id: String, timestamp: Int, body: [UInt8]) -> String {
        "v1," + Data(mac(id: id, timestamp: timestamp, body: body)).base64EncodedString()
    }

    func mac(id: String, timestamp: Int, body: [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return Array(hmac.finalize())
    }

    /// Why a received message is refused. The messages never contain a secret or a computed MAC.
    public enum VerificationError: Error, Equatable, Sendable {
        case missingHeader(String)
        case badTimestamp
        case timestampOutOfTolerance
        case noMatchingSignature
    }

    /// Verifies a received message: the timestamp within `tolerance` of `now`, and one of the
    /// space-separated `v1,` signatures matching, compared in constant time.
    public func verify(
        id: String?, timestamp: String?, signatures: String?, body: [UInt8], now: Date,
        tolerance: TimeInterval = 300
    ) throws(VerificationError) {
        guard let id, !id.isEmpty else { throw .missingHeader("webhook-id") }
        guard let timestamp else { throw .missingHeader("webhook-timestamp") }
        guard let signatures, !signatures.isEmpty else { throw .missingHeader("webhook-signature") }
        guard let seconds = Int(timestamp) else { throw .badTimestamp }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else { throw .timestampOutOfTolerance }
        let expected = mac(id: id, timestamp: seconds, body: body)
        for candidate in signatures.split(separator: " ") {
            let parts = candidate.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let given = Data(base64Encoded: String(parts[1])) else { continue }
            if constantTimeEqual(Array(given), expected) { return }
        }
        throw .noMatchingSignature
    }
}

/// Compares two byte strings in time that depends only on their lengths.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
