/// An `If-Match` or `If-None-Match` field value (RFC 9110 section 8.8.3 and 13.1): `*`, or a list of
/// entity-tags, each `"opaque"` or weak `W/"opaque"`.
struct EntityTags: Equatable {
    /// `*`: any current representation.
    var isAny: Bool
    /// The opaque parts of the strong tags, without quotes.
    var strong: [String]
    /// The opaque parts of the weak tags.
    var weak: [String]

    /// Nil when the value is not `*` nor a comma-separated list of valid entity-tags.
    static func parse(_ value: String) -> EntityTags? {
        let trimmed = value.trimmingBlanks
        if trimmed == "*" { return EntityTags(isAny: true, strong: [], weak: []) }
        var strong: [String] = []
        var weak: [String] = []
        var rest = Substring(trimmed)
        while true {
            rest = Substring(String(rest).trimmingBlanks)
            // Empty list elements are allowed (`"1", , "2"`).
            if rest.first == "," {
                rest = rest.dropFirst()
                continue
            }
            if rest.isEmpty { break }
            var isWeak = false
            if rest.hasPrefix("W/") {
                isWeak = true
                rest = rest.dropFirst(2)
            }
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: "\"") else { return nil }
            let opaque = rest[..<close]
            // etagc = %x21 / %x23-7E / obs-text
            guard opaque.unicodeScalars.allSatisfy({ $0.value == 0x21 || (0x23...0x7E).contains($0.value) || $0.value >= 0x80 }) else {
                return nil
            }
            if isWeak { weak.append(String(opaque)) } else { strong.append(String(opaque)) }
            rest = rest[rest.index(after: close)...]
            rest = Substring(String(rest).trimmingBlanks)
            if rest.isEmpty { break }
            guard rest.first == "," else { return nil }
            rest = rest.dropFirst()
        }
        guard !strong.isEmpty || !weak.isEmpty else { return nil }
        return EntityTags(isAny: false, strong: strong, weak: weak)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    var trimmingBlanks: String {
        let bytes = utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while end > start, bytes[bytes.index(before: end)] == 0x20 || bytes[bytes.index(before: end)] == 0x09 { end = bytes.index(before: end) }
        return String(Substring(bytes[start..<end]))
    }

    /// Nil when empty or only spaces and tabs.
    var nilIfBlank: String? { trimmingBlanks.isEmpty ? nil : self }
}
