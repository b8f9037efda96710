import BreachClockRules
import Foundation

/// A compact binary form of parsed documents, so that a rules database that already passed
/// validation is read without parsing YAML again (the CLI's start-up cost). Written by hand because
/// it is small and must be fast to read: a table of contents, then each file's nodes.
///
/// Layout (integers little-endian u32, strings as u32 byte length + UTF-8):
/// `BCN2`, content digest, file count, then per file: path, the regime's required sectors (a count, or
/// 0xFFFFFFFF for a file with none, then the codes), node-bytes length, nodes. The sectors sit in the table
/// of contents so that a regime for sectors the incident lacks is skipped without decoding its nodes.
/// A node is a tag byte
/// (0 plain scalar, 1 quoted scalar, 2 sequence, 3 mapping), line, column, then the text, or the item
/// count and items, or the entry count and entries (key, key line, key column, value).
public enum NodeArchive {
    static let magic = Array("BCN2".utf8)
    static let noSectors = UInt32.max

    /// Encodes `files` (relative path and parsed root) with the content digest of their bytes.
    public static func encode(_ files: [(relative: String, root: DocumentNode)], digest: String) -> Data {
        var out: [UInt8] = magic
        putString(digest, &out)
        put(UInt32(files.count), &out)
        for file in files {
            var body: [UInt8] = []
            write(file.root, &body)
            putString(file.relative, &out)
            if let sectors = RulesLoader.requiredSectors(file.root) {
                put(UInt32(sectors.count), &out)
                for sector in sectors.sorted() { putString(sector, &out) }
            } else {
                put(noSectors, &out)
            }
            put(UInt32(body.count), &out)
            out += body
        }
        return Data(out)
    }

    /// One file in the table of contents.
    public struct Entry: Sendable {
        public let relative: String
        /// A regime file's `requires: sectors`; nil for a file without them.
        public let requiredSectors: Set<String>?
        let offset: Int
        let length: Int
    }

    /// The files in an archive, each decoded only when asked for.
    public struct Contents {
        /// The archive's bytes (memory-mapped when read from a file, so untouched entries cost nothing).
        let bytes: Data
        /// The content digest of the files it was made from.
        public let digest: String
        public let entries: [Entry]

        /// Decodes the nodes of entry `index`; nil if the bytes are damaged.
        public func root(at index: Int) -> DocumentNode? {
            let entry = entries[index]
            return bytes.withUnsafeBytes { buffer in
                var reader = Reader(bytes: buffer, position: entry.offset, end: entry.offset + entry.length, file: entry.relative)
                return reader.node()
            }
        }
    }

    /// Reads the table of contents; nil when the data is not an archive of this version.
    public static func open(_ data: Data) -> Contents? {
        let header: (String, [Entry])? = data.withUnsafeBytes { bytes in
            guard bytes.count >= 8, Array(bytes[0..<4]) == magic else { return nil }
            var reader = Reader(bytes: bytes, position: 4, end: bytes.count, file: "")
            guard let digest = reader.string(), let count = reader.u32() else { return nil }
            var entries: [Entry] = []
            for _ in 0..<count {
                guard let name = reader.string(), let sectorCount = reader.u32() else { return nil }
                var sectors: Set<String>? = nil
                if sectorCount != noSectors {
                    var codes = Set<String>()
                    for _ in 0..<sectorCount {
                        guard let code = reader.string() else { return nil }
                        codes.insert(code)
                    }
                    sectors = codes
                }
                guard let length = reader.u32(), reader.position + Int(length) <= bytes.count else { return nil }
                entries.append(Entry(relative: name, requiredSectors: sectors, offset: reader.position, length: Int(length)))
                reader.position += Int(length)
            }
            return (digest, entries)
        }
        guard let header else { return nil }
        return Contents(bytes: data, digest: header.0, entries: header.1)
    }

    static func put(_ value: UInt32, _ out: inout [UInt8]) {
        out.append(UInt8(value & 0xFF))
        out.append(UInt8((value >> 8) & 0xFF))
        out.append(UInt8((value >> 16) & 0xFF))
        out.append(UInt8(value >> 24))
    }

    static func putString(_ text: String, _ out: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        put(UInt32(utf8.count), &out)
        out += utf8
    }

    static func write(_ node: DocumentNode, _ out: inout [UInt8]) {
        switch node {
        case .scalar(let text, let plain, let at):
            out.append(plain ? 0 : 1)
            put(UInt32(at.line), &out)
            put(UInt32(at.column), &out)
            putString(text, &out)
        case .sequence(let items, let at):
            out.append(2)
            put(UInt32(at.line), &out)
            put(UInt32(at.column), &out)
            put(UInt32(items.count), &out)
            for item in items { write(item, &out) }
        case .mapping(let entries, let at):
            out.append(3)
            put(UInt32(at.line), &out)
            put(UInt32(at.column), &out)
            put(UInt32(entries.count), &out)
            for entry in entries {
                putString(entry.key, &out)
                put(UInt32(entry.keyAt.line), &out)
                put(UInt32(entry.keyAt.column), &out)
                write(entry.value, &out)
            }
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position: Int
        let end: Int
        let file: String

        mutating func u32() -> UInt32? {
            guard position + 4 <= end else { return nil }
            let value =
                UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2]) << 16
                | UInt32(bytes[position + 3]) << 24
            position += 4
            return value
        }

        mutating func string() -> String? {
            guard let length = u32(), position + Int(length) <= end else { return nil }
            let text = String(decoding: bytes[position..<(position + Int(length))], as: UTF8.self)
            position += Int(length)
            return text
        }

        mutating func location() -> SourceLocation? {
            guard let line = u32(), let column = u32() else { return nil }
            return SourceLocation(file: file, line: Int(line), column: Int(column))
        }

        mutating func node() -> DocumentNode? {
            guard position < end else { return nil }
            let tag = bytes[position]
            position += 1
            guard let at = location() else { return nil }
            switch tag {
            case 0, 1:
                guard let text = string() else { return nil }
                return .scalar(text, plain: tag == 0, at: at)
            case 2:
                guard let count = u32() else { return nil }
                var items: [DocumentNode] = []
                items.reserveCapacity(Int(count))
                for _ in 0..<count {
                    guard let item = node() else { return nil }
                    items.append(item)
                }
                return .sequence(items, at: at)
            case 3:
                guard let count = u32() else { return nil }
                var entries: [(key: String, keyAt: SourceLocation, value: DocumentNode)] = []
                entries.reserveCapacity(Int(count))
                for _ in 0..<count {
                    guard let key = string(), let keyAt = location(), let value = node() else { return nil }
                    entries.append((key, keyAt, value))
                }
                return .mapping(entries, at: at)
            default:
                return nil
            }
        }
    }
}
