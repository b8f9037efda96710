import BreachClockCalculator
import BreachClockRules
import Foundation

/// Reads incident facts (contract v1) from JSON or YAML text.
public enum FactsLoader {
    /// Parses and validates; syntax errors and invalid fields both come back as `InvalidFacts`.
    public static func load(text: String, file: String, decoder: FactsDecoder) throws(InvalidFacts) -> IncidentFacts {
        let root: DocumentNode
        do {
            root = try DocumentParser.parse(text, file: file)
        } catch {
            throw InvalidFacts(issues: [error])
        }
        return try decoder.decode(root)
    }
}
