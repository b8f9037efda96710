import Foundation

extension DocumentNode {
    /// Applies a JSON Merge Patch (RFC 7396): members of a mapping patch replace or (when null) remove
    /// the target's members, recursively; any other patch replaces the target.
    public func merging(patch: DocumentNode) -> DocumentNode {
        guard case .mapping(let changes, _) = patch else { return patch }
        var entries: [(key: String, keyAt: SourceLocation, value: DocumentNode)]
        let at: SourceLocation
        if case .mapping(let existing, let location) = self {
            entries = existing
            at = location
        } else {
            entries = []
            at = patch.location
        }
        for change in changes {
            let index = entries.firstIndex { $0.key == change.key }
            if change.value.isNull {
                if let index { entries.remove(at: index) }
            } else if let index {
                entries[index].value = entries[index].value.merging(patch: change.value)
            } else {
                entries.append((change.key, change.keyAt, DocumentNode.mapping([], at: change.keyAt).merging(patch: change.value)))
            }
        }
        return .mapping(entries, at: at)
    }

    /// The value at `key` of a mapping, if any.
    public subscript(key: String) -> DocumentNode? {
        guard case .mapping(let entries, _) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }
}
