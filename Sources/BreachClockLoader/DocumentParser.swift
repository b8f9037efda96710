import BreachClockRules
import Foundation
import Yams

/// Parses YAML (and JSON, which is YAML too) into a `DocumentNode` that keeps line and column.
public enum DocumentParser {
    /// Parses `text`; a syntax error becomes a located issue. An empty document is an empty mapping.
    /// Plain JSON (API bodies, stored facts) takes `JSONDocumentParser`, several times faster than
    /// libyaml; anything else, and JSON with an error (for the message), goes to the YAML parser.
    public static func parse(_ text: String, file: String) throws(DocumentIssue) -> DocumentNode {
        if let node = JSONDocumentParser.parse(text, file: file) { return node }
        return try parseYAML(text, file: file)
    }

    /// Parses `text` as YAML only.
    public static func parseYAML(_ text: String, file: String) throws(DocumentIssue) -> DocumentNode {
        let node: Node?
        do {
            // The basic resolver leaves scalars untyped (the decoders read text and the plain flag),
            // which spares a regular-expression match per scalar.
            node = try Yams.compose(yaml: text, .basic, .default, .utf8)
        } catch let error as YamlError {
            throw issue(from: error, file: file)
        } catch {
            throw DocumentIssue(location: SourceLocation(file: file, line: 1, column: 1), path: "", message: "cannot parse: \(error)")
        }
        guard let node else { return .mapping([], at: SourceLocation(file: file, line: 1, column: 1)) }
        return convert(node, file: file)
    }

    static func location(_ mark: Mark?, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    static func convert(_ node: Node, file: String) -> DocumentNode {
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, plain: scalar.style == .plain || scalar.style == .any, at: location(scalar.mark, file))
        case .sequence(let sequence):
            return .sequence(sequence.map { convert($0, file: file) }, at: location(sequence.mark, file))
        case .mapping(let mapping):
            let entries = mapping.map { pair in
                (key: pair.key.string ?? "", keyAt: location(pair.key.mark, file), value: convert(pair.value, file: file))
            }
            return .mapping(entries, at: location(mapping.mark, file))
        case .alias(let alias):
            return .scalar("*\(alias.anchor)", plain: false, at: location(alias.mark, file))
        }
    }

    static func issue(from error: YamlError, file: String) -> DocumentIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = context.map { "\($0.text): \(problem)" } ?? problem
            return DocumentIssue(location: location(mark, file), path: "", message: "YAML syntax: \(what)")
        case .reader(let problem, _, _, _):
            return DocumentIssue(location: SourceLocation(file: file, line: 1, column: 1), path: "", message: "cannot read: \(problem)")
        default:
            return DocumentIssue(location: SourceLocation(file: file, line: 1, column: 1), path: "", message: "YAML: \(error)")
        }
    }
}
