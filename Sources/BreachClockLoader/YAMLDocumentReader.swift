import BreachClockRules
import CYaml

/// Builds a `DocumentNode` from libyaml's event stream (libyaml comes with Yams), within `DocumentLimits`.
///
/// Why not `Yams.compose`: it builds the whole tree before anyone can count it, recursively, and an
/// alias there is a shared reference that costs nothing until it is walked; walking it is where a
/// 450-byte "billion laughs" document became gigabytes. Reading events instead keeps one explicit
/// stack (no recursion, whatever the nesting), knows the expanded size of every anchored node, and
/// charges each alias its full size against the node budget before anything is copied.
struct YAMLDocumentReader {
    let file: String
    let limits: DocumentLimits

    /// A collection being built: its start, and its items or entries so far. Frames are changed in
    /// place on the stack (never copied out and back), so adding an item costs the same at any size.
    private struct Frame {
        var isMapping: Bool
        var at: SourceLocation
        var anchor: String?
        /// The node count when the collection started, to know its expanded size when it ends.
        var nodesBefore: Int
        /// The deepest child so far, in levels below this collection (an alias brings its own depth).
        var childHeight = 0
        var items: [DocumentNode] = []
        var entries: [(key: String, keyAt: SourceLocation, value: DocumentNode)] = []
        var pendingKey: (String, SourceLocation)? = nil
        /// Kept once a mapping is large, so that finding a duplicate key stays linear.
        var keys: Set<String>? = nil
    }

    func read(_ bytes: [UInt8]) throws(DocumentIssue) -> DocumentNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw issue("cannot start the YAML parser", line: 0, column: 0) }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        return try bytes.withUnsafeBufferPointer { buffer throws(DocumentIssue) -> DocumentNode in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return try build(&parser, buffer)
        }
    }

    private func issue(_ message: String, line: Int, column: Int) -> DocumentIssue {
        DocumentIssue(location: SourceLocation(file: file, line: line + 1, column: column + 1), path: "", message: message)
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func text(_ pointer: UnsafeMutablePointer<UInt8>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private func build(_ parser: inout yaml_parser_t, _ input: UnsafeBufferPointer<UInt8>) throws(DocumentIssue) -> DocumentNode {
        var stack: [Frame] = []
        var root: DocumentNode?
        var documents = 0
        var nodes = 0
        var counter = LimitCounter(limits)
        /// Anchored nodes by name, with their expanded node count.
        var anchors: [String: (node: DocumentNode, size: Int, height: Int)] = [:]

        func syntaxError(_ parser: yaml_parser_t) -> DocumentIssue {
            let problem = parser.problem.map { String(cString: $0) } ?? "cannot parse"
            let context = parser.context.map { String(cString: $0) }
            var message = "YAML syntax: " + (context.map { "\($0): \(problem)" } ?? problem)
            // libyaml's words for a tab ("found character that cannot start any token") do not say
            // what to change.
            if problem.contains("cannot start any token") || problem.contains("found a tab character") {
                let offset = Int(parser.problem_mark.index)
                if offset < input.count, input[offset] == 0x09 {
                    message = "YAML syntax: a tab character; YAML indents with spaces only"
                }
            }
            return issue(message, line: Int(parser.problem_mark.line), column: Int(parser.problem_mark.column))
        }

        /// Adds a finished node (of `size` nodes when expanded) to the collection being built, or makes it the root.
        func add(_ node: DocumentNode, size: Int, height: Int = 0, anchor: String?, isScalarKeyCandidate: String?) throws(DocumentIssue) {
            if let anchor { anchors[anchor] = (node, size, height) }
            guard !stack.isEmpty else {
                root = node
                return
            }
            let top = stack.count - 1
            stack[top].childHeight = max(stack[top].childHeight, height + 1)
            if !stack[top].isMapping {
                stack[top].items.append(node)
                if let exceeded = counter.items(stack[top].items.count, "items") {
                    throw DocumentIssue(location: stack[top].at, path: "", message: exceeded)
                }
            } else if let (key, keyAt) = stack[top].pendingKey {
                stack[top].entries.append((key, keyAt, node))
                stack[top].pendingKey = nil
                if let exceeded = counter.items(stack[top].entries.count, "entries") {
                    throw DocumentIssue(location: stack[top].at, path: "", message: exceeded)
                }
            } else {
                guard let key = isScalarKeyCandidate else {
                    throw DocumentIssue(location: node.location, path: "", message: "a mapping key must be plain text, not a list, mapping or alias")
                }
                let duplicate: Bool
                if stack[top].entries.count < 16 {
                    duplicate = stack[top].entries.contains { $0.key == key }
                } else {
                    if stack[top].keys == nil { stack[top].keys = Set(stack[top].entries.map(\.key)) }
                    duplicate = !stack[top].keys!.insert(key).inserted
                }
                if duplicate { throw DocumentIssue(location: node.location, path: "", message: "duplicate key `\(key)`") }
                stack[top].pendingKey = (key, node.location)
            }
        }

        func countNode(_ mark: yaml_mark_t, adding size: Int = 1) throws(DocumentIssue) {
            nodes += size
            if nodes > limits.maxNodes {
                throw DocumentIssue(
                    location: location(mark), path: "",
                    message: "more than \(limits.maxNodes) values in one document (YAML aliases count each time they are used)")
            }
            if stack.count > limits.maxDepth {
                throw DocumentIssue(location: location(mark), path: "", message: "nesting deeper than \(limits.maxDepth) levels")
            }
        }

        func countAlias(_ mark: yaml_mark_t) throws(DocumentIssue) {
            if let exceeded = counter.alias() { throw DocumentIssue(location: location(mark), path: "", message: exceeded) }
        }

        /// Whether the collection on top of the stack is a mapping waiting for a key.
        var expectsKey: Bool {
            guard let top = stack.last else { return false }
            return top.isMapping && top.pendingKey == nil
        }

        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { throw syntaxError(parser) }
            defer { yaml_event_delete(&event) }
            let mark = event.start_mark
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return root ?? .mapping([], at: SourceLocation(file: file, line: 1, column: 1))
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    throw DocumentIssue(location: location(mark), path: "", message: "expected one YAML document, found another (`---`)")
                }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let length = Int(scalar.length)
                if let exceeded = counter.string(bytes: length) {
                    throw DocumentIssue(location: location(mark), path: "", message: exceeded)
                }
                let buffer = UnsafeBufferPointer(start: scalar.value, count: length)
                if buffer.contains(0) { throw DocumentIssue(location: location(mark), path: "", message: "a NUL character in a string") }
                guard let text = String(validating: buffer, as: UTF8.self) else {
                    throw DocumentIssue(location: location(mark), path: "", message: "a string is not valid UTF-8")
                }
                let anchor = Self.text(scalar.anchor)
                if anchor != nil { try countAlias(mark) }
                try countNode(mark)
                let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE || scalar.style == YAML_ANY_SCALAR_STYLE
                // A tag (`!!str 12`) would change what the text means; the documents here never need one.
                if scalar.tag != nil, scalar.plain_implicit == 0, scalar.quoted_implicit == 0 {
                    throw DocumentIssue(location: location(mark), path: "", message: "YAML tags are not accepted")
                }
                let keyCandidate = expectsKey ? text : nil
                try add(.scalar(text, plain: plain, at: location(mark)), size: 1, anchor: anchor, isScalarKeyCandidate: keyCandidate)
            case YAML_ALIAS_EVENT:
                try countAlias(mark)
                let name = Self.text(event.data.alias.anchor) ?? ""
                guard let target = anchors[name] else {
                    throw DocumentIssue(location: location(mark), path: "", message: "YAML alias `*\(name)` names no anchor before it")
                }
                if expectsKey { throw DocumentIssue(location: location(mark), path: "", message: "a mapping key must be plain text, not an alias") }
                try countNode(mark, adding: target.size)
                // An alias puts a whole subtree here: the nesting it brings counts too (found by fuzzing:
                // chains of aliases inside nested lists made trees far deeper than the limit).
                if stack.count + target.height > limits.maxDepth {
                    throw DocumentIssue(
                        location: location(mark), path: "", message: "nesting deeper than \(limits.maxDepth) levels (through the alias `*\(name)`)")
                }
                try add(target.node, size: target.size, height: target.height, anchor: nil, isScalarKeyCandidate: nil)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                if expectsKey {
                    throw DocumentIssue(
                        location: location(mark), path: "", message: "a mapping key must be plain text, not a \(isMapping ? "mapping" : "list")")
                }
                let anchor = Self.text(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
                if anchor != nil { try countAlias(mark) }
                try countNode(mark)
                stack.append(Frame(isMapping: isMapping, at: location(mark), anchor: anchor, nodesBefore: nodes))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let open = stack.popLast() else {
                    throw DocumentIssue(location: location(mark), path: "", message: "YAML syntax: unbalanced collection")
                }
                let node: DocumentNode = open.isMapping ? .mapping(open.entries, at: open.at) : .sequence(open.items, at: open.at)
                try add(node, size: nodes - open.nodesBefore + 1, height: open.childHeight, anchor: open.anchor, isScalarKeyCandidate: nil)
            default:
                continue  // stream start, document end
            }
        }
    }
}
