import Foundation

/// A value bound to a statement or read from a row. The store keeps only text, integers and null
/// (instants are RFC 3339 text, which sorts), so that both engines hold the same bytes and an export
/// from one imports into the other unchanged.
public enum SQLValue: Sendable, Hashable, Codable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .real(value)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let value): try container.encode(value)
        case .real(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        }
    }
}

/// What can be bound to a statement's `?`.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// What can be read from a column.
public protocol SQLDecodable {
    static func decode(_ value: SQLValue) -> Self?
}

extension String: SQLDecodable {
    public static func decode(_ value: SQLValue) -> String? {
        if case .text(let text) = value { return text }
        return nil
    }
}

extension Int: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Int? {
        switch value {
        case .integer(let number): return Int(number)
        case .text(let text): return Int(text)
        default: return nil
        }
    }
}

extension Bool: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Bool? { Int.decode(value).map { $0 != 0 } }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

/// A column that a row lacks or holds in an unexpected type: the database is not what this
/// version of breachclock wrote, and reading on would give wrong answers.
public struct UnreadableColumn: Error, CustomStringConvertible {
    public var column: String
    public var found: String
    public var description: String { "unreadable stored value in column `\(column)`: \(found)" }
}

/// One row of a result, by column name. The column names are shared by every row of a result;
/// a row holds its values in the same order (a lookup scans a handful of names, cheaper than hashing).
public struct SQLRow: Sendable {
    /// Column names in the order the engine returned them.
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of `column`, or nil when the row has no such column.
    public func value(_ column: String) -> SQLValue? {
        columns.firstIndex(of: column).map { values[$0] }
    }

    /// The row as a dictionary (export writes it so).
    public var byColumn: [String: SQLValue] {
        Dictionary(zip(columns, values), uniquingKeysWith: { first, _ in first })
    }

    /// The column's value as `T`; a missing column or a value of another type is an error.
    public subscript<T: SQLDecodable>(_ column: String) -> T {
        get throws {
            guard let value = value(column) else { throw UnreadableColumn(column: column, found: "no such column") }
            guard let decoded = T.decode(value) else { throw UnreadableColumn(column: column, found: "\(value)") }
            return decoded
        }
    }

    /// A stored instant (RFC 3339 text); text that is not one is an error, never 1970.
    public func date(_ column: String) throws -> Date {
        let text: String = try self[column]
        guard let date = StoredTime.date(text) else { throw UnreadableColumn(column: column, found: "not an instant: \(text)") }
        return date
    }

    /// An optional stored instant.
    public func optionalDate(_ column: String) throws -> Date? {
        let text: String? = try self[column]
        guard let text else { return nil }
        guard let date = StoredTime.date(text) else { throw UnreadableColumn(column: column, found: "not an instant: \(text)") }
        return date
    }
}
