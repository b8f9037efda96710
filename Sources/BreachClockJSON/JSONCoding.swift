import Foundation

/// Foundation's encoder as the project uses it for every JSON it writes through `Codable`: API
/// responses, webhook bodies, stored columns and log lines. (The assessment, and the few answers
/// that embed stored JSON text verbatim, are written by `JSONWriter`.)
extension JSONEncoder {
    /// Compact, keys sorted, `/` not escaped. Sorted because Foundation's own order follows a
    /// dictionary's, which changes from one process to the next: a stored or signed text, and an
    /// answer read twice, must be the same bytes each time.
    public static var breachclock: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` as JSON text with the project's encoder.
    public static func text(_ value: some Encodable) throws -> String {
        String(decoding: try breachclock.encode(value), as: UTF8.self)
    }
}

/// An optional member written as `null` when it has no value. Synthesized `Encodable` leaves an
/// absent optional out; where the API's contract shows the member with `null` (a key never revoked:
/// `"revokedAt": null`), the property is declared `@NullEncoded`.
@propertyWrapper
public struct NullEncoded<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension NullEncoded: Equatable where Value: Equatable {}

extension NullEncoded: Decodable where Value: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }
}

extension KeyedDecodingContainer {
    /// A `@NullEncoded` member that is missing reads as nil, as a `null` does (synthesized
    /// `Decodable` would otherwise require the key).
    public func decode<Value: Decodable & Sendable>(_ type: NullEncoded<Value>.Type, forKey key: Key) throws -> NullEncoded<Value> {
        NullEncoded(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}

extension JSONDecoder {
    /// Decodes `text` as `type` with Foundation's decoder.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
