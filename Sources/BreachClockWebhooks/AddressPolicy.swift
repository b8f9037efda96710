import Foundation

/// Which addresses webhooks may be sent to. By default it refuses loopback, private, link-local
/// (which includes the cloud metadata address 169.254.169.254), carrier-grade NAT, unspecified,
/// multicast and reserved ranges, and IPv6 forms that embed IPv4; an explicit allowlist opens chosen
/// networks. It is applied to the address actually connected (libcurl's socket callback), so a DNS
/// answer cannot slip past it.
public struct AddressPolicy: Sendable {
    /// A network: address bytes and prefix length.
    public struct Network: Sendable, Equatable, CustomStringConvertible {
        public var bytes: [UInt8]
        public var prefix: Int

        /// Parses `127.0.0.1`, `10.0.0.0/8`, `::1`, `fc00::/7`.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = AddressPolicy.parse(parts[0]) else { return nil }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...(bytes.count * 8)).contains(prefix) else { return nil }
            self.bytes = bytes
            self.prefix = prefix
        }

        public func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for index in bytes.indices where remaining > 0 {
                let bits = min(8, remaining)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if address[index] & mask != bytes[index] & mask { return false }
                remaining -= bits
            }
            return true
        }

        public var description: String { "\(AddressPolicy.format(bytes))/\(prefix)" }
    }

    /// Ranges refused unless allowlisted, each with the reason given.
    static let refused: [(Network, String)] = [
        ("0.0.0.0/8", "unspecified"), ("10.0.0.0/8", "private"), ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local or cloud metadata"), ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF reserved"), ("192.168.0.0/16", "private"), ("198.18.0.0/15", "benchmarking"),
        ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"), ("::1/128", "loopback"), ("::/96", "IPv4-compatible"), ("::ffff:0:0/96", "IPv4-mapped"),
        ("64:ff9b::/96", "NAT64"), ("64:ff9b:1::/48", "local-use NAT64"),
        ("2001::/32", "Teredo"), ("2002::/16", "6to4"), ("fc00::/7", "unique local"), ("fe80::/10", "link-local"),
        ("ff00::/8", "multicast"),
    ].map { (Network($0.0)!, $0.1) }

    public var allowlist: [Network]

    public init(allowlist: [Network] = []) { self.allowlist = allowlist }

    /// Nil when `address` (4 or 16 bytes) may be connected to; otherwise why not.
    public func refusal(for address: [UInt8]) -> String? {
        if allowlist.contains(where: { $0.contains(address) }) { return nil }
        return Self.refused.first { $0.0.contains(address) }.map { "\(Self.format(address)) is \($0.1)" }
    }

    /// For a URL host that is itself an address: why it is refused, or nil when it may be used or is a
    /// name (names are checked when connecting, against the address they resolve to). Catches the
    /// spellings a resolver accepts - a trailing dot (`127.0.0.1.`), brackets (`[::1]`), and IPv4's
    /// short and numeric forms (`127.1`, `2130706433`, `0x7f000001`) - so a subscription to the
    /// metadata service is refused when it is made, not after its first delivery.
    public func refusal(forHost host: String) -> String? {
        var text = host
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.hasSuffix(".") { text = String(text.dropLast()) }
        if let bytes = Self.parse(text) ?? Self.parseLooseIPv4(text) { return refusal(for: bytes) }
        return nil
    }

    /// IPv4 as `inet_aton` reads it (what resolvers accept beyond dotted quads), or nil for a name.
    static func parseLooseIPv4(_ text: String) -> [UInt8]? {
        guard let first = text.unicodeScalars.first, CharacterSet.decimalDigits.contains(first) else { return nil }
        var address = in_addr()
        guard inet_aton(text, &address) != 0 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// `1.2.3.4` or an IPv6 address, as bytes.
    public static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    public static func format(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) } != nil
        return ok ? String(cString: buffer) : "?"
    }
}
