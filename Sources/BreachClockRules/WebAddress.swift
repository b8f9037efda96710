/// The check a rule file's web addresses (`official:`, each source's `url:`) pass: an absolute
/// `https://` or `http://` URI as RFC 3986 writes it. The API publishes `official` as
/// `format: uri`, and the console, the calendar and the review put the addresses in links, so a
/// character outside RFC 3986 (Hangul in a Korean statute's path, a space) must arrive
/// percent-encoded in the file, where a reviewer sees exactly what is served.
///
/// Hand-written rather than `URL(string:)`: Foundation accepts and silently encodes some
/// non-ASCII text (IRIs), which is what this check exists to refuse. It reads each character once.
public enum WebAddress {
    /// Why `text` is not such an address, or nil when it is.
    public static func problem(_ text: String) -> String? {
        guard text.hasPrefix("https://") || text.hasPrefix("http://") else {
            return "must start with https:// or http://"
        }
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else {
                    return "has a `%` not followed by two hexadecimal digits (write a literal % as %25)"
                }
                index += 3
                continue
            }
            guard allowed(byte) else {
                let character = offendingCharacter(in: text, atUTF8Offset: index)
                let encoded = character.utf8.map { "%" + hex($0) }.joined()
                return "is not a URI (RFC 3986): percent-encode `\(character.escapedForMessage)` as \(encoded)"
            }
            index += 1
        }
        return nil
    }

    /// RFC 3986 § 2.2 and § 2.3: unreserved and reserved characters, which may appear as they are.
    private static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        case UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: "@"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            true
        default: false
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// The whole character (not one byte of it) that starts at or contains the UTF-8 offset.
    private static func offendingCharacter(in text: String, atUTF8Offset offset: Int) -> Character {
        var consumed = 0
        for character in text {
            let width = character.utf8.count
            if offset < consumed + width { return character }
            consumed += width
        }
        return " "
    }
}

extension Character {
    /// A space or control character spelled out, so a message names what cannot be seen.
    fileprivate var escapedForMessage: String {
        if self == " " { return "space" }
        if unicodeScalars.count == 1, let scalar = unicodeScalars.first, scalar.properties.generalCategory == .control {
            return "U+" + String(scalar.value, radix: 16, uppercase: true)
        }
        return String(self)
    }
}
