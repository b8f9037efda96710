import BreachClockJSON
import BreachClockRules
import Foundation

/// The members of an obligation's JSON that come from the rules alone (`id`, `jurisdiction`,
/// `regime`, `citation`, `ruleVersion`, `sources`, and a fixed deadline's texts), escaped once when the calculator is made and
/// copied into each answer. Escaping them afresh for every request was a third of the cost of
/// writing an assessment.
///
/// The bytes live in one block the table owns, and lookups return offsets, so copying a fragment
/// touches no reference counts (answers are written on several threads at once, and reference
/// counts shared between threads are slow to update). `@unchecked Sendable` because of that raw
/// block: it is written once, in `init`, and only read after, so sharing it needs no lock.
final class RuleJSONFragments: @unchecked Sendable {
    /// Where one obligation's fragments are in `storage`.
    struct Entry {
        /// The version the fragments were made for: `ruleVersion` is part of them.
        let version: ObjectIdentifier
        let identity: Range<Int>
        let citation: Range<Int>
        let sources: Range<Int>
        /// For a fixed deadline: its texts (`clockStart`, `period`, `standard`, `citation`).
        let fixedDeadlineTexts: Range<Int>?
    }

    private let storage: UnsafeMutableBufferPointer<UInt8>
    private let entries: [ObjectIdentifier: Entry]

    init(rulebook: Rulebook) {
        var bytes: [UInt8] = []
        var entries: [ObjectIdentifier: Entry] = [:]
        func members(_ write: (inout JSONWriter) -> Void) -> Range<Int> {
            var writer = JSONWriter(capacity: 256)
            writer.beginObject()
            write(&writer)
            writer.endObject()
            // Between the braces: complete members, separated by commas.
            let inner = writer.withBytes { Array($0.dropFirst().dropLast()) }
            let start = bytes.count
            bytes += inner
            return start..<bytes.count
        }
        for rule in rulebook.rules {
            for version in rule.versions where version.isComplete {
                for source in version.obligations {
                    var deadlineTexts: Range<Int>?
                    if case .fixed(let period, let from, let standard, _) = source.deadline.rule {
                        let deadline = Deadline.fixedTexts(period: period, from: from, standard: standard, citation: source.deadline.provenance.cite)
                        deadlineTexts = members { deadline.writeTexts(to: &$0) }
                    }
                    entries[ObjectIdentifier(source)] = Entry(
                        version: ObjectIdentifier(version),
                        identity: members { Obligation.writeIdentity(to: &$0, id: source.qualifiedID, jurisdiction: rule.code, regime: rule.law) },
                        citation: members { Obligation.writeCitation(to: &$0, citation: source.provenance.cite, ruleVersion: version.label) },
                        sources: members { Obligation.writeSources(to: &$0, source.sourceURLs) },
                        fixedDeadlineTexts: deadlineTexts)
                }
            }
        }
        storage = .allocate(capacity: max(bytes.count, 1))
        _ = storage.initialize(from: bytes)
        self.entries = entries
    }

    deinit { storage.deallocate() }

    /// The fragments of `obligation`, when they were made for its rule version.
    func entry(for obligation: Obligation) -> Entry? {
        guard let entry = entries[ObjectIdentifier(obligation.source)], entry.version == ObjectIdentifier(obligation.version) else {
            return nil
        }
        return entry
    }

    func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: storage[range])
    }
}
