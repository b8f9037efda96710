import Synchronization

/// Rendered templates by the view they were rendered from. A template's output is a function of its
/// view alone, so a view seen before gives the text rendered before: the memo can never serve a page
/// that is out of date, only skip drawing the same one again. The incident page's view holds
/// everything it shows, down to the time left in minutes and the session's CSRF token, so it repeats
/// while nothing about the incident changes and the countdowns stay within the same minute.
///
/// Written here rather than taken from a library: it is a bounded dictionary with least-recently-used
/// eviction and nothing more. swift-mustache renders the incident page in about 1 ms and reflects
/// over values on every name it looks up; a repeated view costs a hash of the view instead
/// (scripts/bench-console.py; the figures are in the README).
final class RenderMemo: Sendable {
    /// The view as `AnyHashable`. Only `Sendable` views are put in (`text(_:template:)` requires it),
    /// so the box is safe to share. A page's view is large, so it is hashed once, here, and the
    /// dictionary hashes only that number; equality still compares the whole view.
    private struct Key: Hashable, @unchecked Sendable {
        let template: String
        let view: AnyHashable
        let hash: Int

        init(template: String, view: AnyHashable) {
            self.template = template
            self.view = view
            var hasher = Hasher()
            hasher.combine(template)
            hasher.combine(view)
            hash = hasher.finalize()
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
        static func == (a: Key, b: Key) -> Bool { a.hash == b.hash && a.template == b.template && a.view == b.view }
    }

    private struct State: ~Copyable {
        var entries: [Key: (text: String, used: UInt64)] = [:]
        var tick: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Past this many texts the least recently used one is dropped; a page is about 20 KB.
    let capacity: Int

    init(capacity: Int = 128) {
        self.capacity = max(1, capacity)
    }

    /// The text of `template` for `view`: remembered, or rendered by `Console.render` and remembered.
    func text<View: Hashable & Sendable>(_ view: View, template: String) -> String {
        text(view, template: template) { Console.render(view, template) }
    }

    /// The text for `view`, from `render` the first time (tests pass their own to count renders).
    func text<View: Hashable & Sendable>(_ view: View, template: String, render: () -> String) -> String {
        let key = Key(template: template, view: AnyHashable(view))
        let remembered = state.withLock { state -> String? in
            guard let entry = state.entries[key] else { return nil }
            state.tick += 1
            state.entries[key] = (entry.text, state.tick)
            return entry.text
        }
        if let remembered { return remembered }
        let text = render()
        state.withLock { state in
            if state.entries[key] == nil, state.entries.count >= capacity,
                let oldest = state.entries.indices.min(by: { state.entries[$0].value.used < state.entries[$1].value.used })
            {
                state.entries.remove(at: oldest)
            }
            state.tick += 1
            state.entries[key] = (text, state.tick)
        }
        return text
    }

    /// How many texts are remembered.
    var count: Int { state.withLock { $0.entries.count } }
}
