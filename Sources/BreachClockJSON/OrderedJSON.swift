import Foundation

/// A JSON value whose objects keep their keys in the order written, and which can embed stored JSON
/// text verbatim (`raw`). Everything else the project writes is `Codable` (`JSONEncoder.breachclock`);
/// this is for the texts Codable cannot write: the incident, history and audit answers, which embed
/// stored facts, assessments and audit lines as they are, the audit snapshot (whose `facts` member
/// must be the facts column's text byte for byte) and the facts column itself, whose canonical text
/// earlier revisions and audit lines hold.
public indirect enum OrderedJSON: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])
    /// JSON text written as it is (the caller guarantees it is valid JSON), e.g. a stored document.
    case raw(String)

    public static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool {
        lhs.serialized(pretty: false) == rhs.serialized(pretty: false)
    }

    /// JSON text; `pretty` indents by two spaces.
    public func serialized(pretty: Bool = true) -> String {
        String(decoding: bytes(pretty: pretty), as: UTF8.self)
    }

    /// JSON as UTF-8 bytes (what an HTTP body needs, without a detour through `String`).
    public func bytes(pretty: Bool = false) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        write(to: &writer)
        return writer.bytes
    }

    /// Writes this value as the next value of `writer`.
    public func write(to writer: inout JSONWriter) {
        switch self {
        case .string(let s): writer.string(s)
        case .int(let i): writer.int(i)
        case .bool(let b): writer.bool(b)
        case .null: writer.null()
        case .raw(let text): writer.raw(text)
        case .array(let items):
            writer.beginArray()
            for item in items { item.write(to: &writer) }
            writer.endArray()
        case .object(let members):
            writer.beginObject()
            for (key, value) in members {
                writer.key(text: key)
                value.write(to: &writer)
            }
            writer.endObject()
        }
    }
}
