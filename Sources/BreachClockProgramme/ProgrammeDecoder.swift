import BreachClockRules

/// Reads a programme file strictly: unknown keys, missing keys, duplicate ids and references to
/// people or roles that do not exist are errors naming their field, all reported at once.
public enum ProgrammeDecoder {
    /// The programme in `root`, or every problem found in it.
    public static func decode(_ root: DocumentNode) throws(RulebookError) -> Programme {
        let issues = IssueCollector()
        let programme = read(root, issues)
        guard issues.isEmpty, let programme else { throw RulebookError(issues: issues.reported) }
        return programme
    }

    typealias S = ScalarReader

    static func read(_ root: DocumentNode, _ issues: IssueCollector) -> Programme? {
        guard var map = MappingReader(root, path: "", issues: issues) else { return nil }
        let organisation = map.required("organisation").flatMap { S.text($0, "organisation", issues) }
        let reviewDays = map.optional("reviewDays").flatMap { positive($0, "reviewDays", issues) } ?? 90
        let maxRoles = map.optional("maxRolesPerPerson").flatMap { positive($0, "maxRolesPerPerson", issues) } ?? 3
        let triageHours = map.optional("triageWithinHours").flatMap { positive($0, "triageWithinHours", issues) } ?? 24
        let beforePeople = issues.count
        let people = list(map.required("people"), "people", issues) { node, path in person(node, path, issues) }
        let peopleRead = issues.count == beforePeople
        let beforeRoles = issues.count
        let roles = list(map.required("roles"), "roles", issues) { node, path in role(node, path, issues) }
        let rolesRead = issues.count == beforeRoles
        let severities = list(map.required("severities"), "severities", issues) { node, path in severity(node, path, issues) }
        let systems = list(map.optional("systems"), "systems", issues) { node, path in system(node, path, issues) }
        map.finish()

        unique(people.map { ($0.value.id, $0.node) }, "people", issues)
        unique(roles.map { ($0.value.id, $0.node) }, "roles", issues)
        unique(severities.map { ($0.value.id, $0.node) }, "severities", issues)
        unique(systems.map { ($0.value.id, $0.node) }, "systems", issues)
        let personIDs = Set(people.map(\.value.id))
        let roleIDs = Set(roles.map(\.value.id))
        // References are checked once what they refer to was read whole: a person whose entry has
        // an error is missing from the ids, and every reference to them would be a second error.
        for (index, entry) in roles.enumerated() where peopleRead {
            for (field, id) in [("holder", entry.value.holder), ("deputy", entry.value.deputy)] {
                if let id, !personIDs.contains(id) {
                    issues.report(entry.node, "roles[\(index)].\(field)", "roles[\(index)].\(field): no person with id `\(id)` in `people`")
                }
            }
        }
        for (index, entry) in severities.enumerated() where rolesRead {
            let named = entry.value.escalation + entry.value.runbook.speaksExternally + [entry.value.runbook.declaredBy]
            for id in named where !roleIDs.contains(id) {
                issues.report(entry.node, "severities[\(index)]", "severities[\(index)] (\(entry.value.id)): no role with id `\(id)` in `roles`")
            }
        }
        guard let organisation else { return nil }
        return Programme(
            organisation: organisation, people: people.map(\.value), roles: roles.map(\.value), severities: severities.map(\.value),
            systems: systems.map(\.value), reviewDays: reviewDays, maxRolesPerPerson: maxRoles, triageWithinHours: triageHours)
    }

    /// Each item of a list with the node it came from (for errors that come later).
    static func list<T>(
        _ node: DocumentNode?, _ path: String, _ issues: IssueCollector, _ item: (DocumentNode, String) -> T?
    ) -> [(value: T, node: DocumentNode)] {
        guard let node, let items = S.list(node, path, issues) else { return [] }
        return items.enumerated().compactMap { index, child in item(child, "\(path)[\(index)]").map { ($0, child) } }
    }

    static func unique(_ ids: [(String, DocumentNode)], _ path: String, _ issues: IssueCollector) {
        var seen: Set<String> = []
        for (id, node) in ids where !seen.insert(id).inserted {
            issues.report(node, path, "\(path): duplicate id `\(id)`")
        }
    }

    static func positive(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> Int? {
        guard let value = S.integer(node, path, issues) else { return nil }
        guard value > 0 && value <= 3_650 else {
            issues.report(node, path, "expected a whole number from 1 to 3650, found \(value)")
            return nil
        }
        return value
    }

    /// An id: lower-case letters, digits and hyphens, as role ids are written in runbooks.
    static func identifier(_ map: inout MappingReader, _ issues: IssueCollector) -> String? {
        guard let node = map.required("id"), let text = S.string(node, map.path("id"), issues) else { return nil }
        guard !text.isEmpty, text.utf8.count <= 64,
            text.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
        else {
            issues.report(node, map.path("id"), "\(map.path("id")): expected letters, digits and hyphens (at most 64), found `\(text)`")
            return nil
        }
        return text
    }

    static func texts(_ node: DocumentNode?, _ path: String, _ issues: IssueCollector) -> [String] {
        guard let node, let items = S.list(node, path, issues) else { return [] }
        return items.enumerated().compactMap { S.text($0.element, "\(path)[\($0.offset)]", issues) }
    }

    static func person(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> Programme.Person? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let id = identifier(&map, issues)
        let name = map.required("name").flatMap { S.text($0, map.path("name"), issues) }
        let email = map.optional("email").flatMap { S.text($0, map.path("email"), issues) }
        let phone = map.optional("phone").flatMap { S.text($0, map.path("phone"), issues) }
        let chat = map.optional("chat").flatMap { S.text($0, map.path("chat"), issues) }
        let reviewed = map.required("reviewedAt").flatMap { S.civilDate($0, map.path("reviewedAt"), issues) }
        if email == nil && phone == nil && chat == nil {
            issues.report(node, path, "\(path): a person needs a way to be reached: `email`, `phone` or `chat`")
        }
        map.finish()
        guard let id, let name, let reviewed else { return nil }
        return Programme.Person(id: id, name: name, email: email, phone: phone, chat: chat, reviewedAt: reviewed)
    }

    static func role(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> Programme.Role? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let id = identifier(&map, issues)
        let name = map.required("name").flatMap { S.text($0, map.path("name"), issues) }
        let holder = map.optional("holder").flatMap { S.string($0, map.path("holder"), issues) }
        let deputy = map.optional("deputy").flatMap { S.string($0, map.path("deputy"), issues) }
        let reviewed = map.required("reviewedAt").flatMap { S.civilDate($0, map.path("reviewedAt"), issues) }
        map.finish()
        guard let id, let name, let reviewed else { return nil }
        return Programme.Role(id: id, name: name, holder: holder, deputy: deputy, reviewedAt: reviewed)
    }

    static func severity(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> Programme.Severity? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let id = identifier(&map, issues)
        let criteria = map.required("criteria").flatMap { S.text($0, map.path("criteria"), issues) }
        let escalation = texts(map.required("escalation"), map.path("escalation"), issues)
        var runbook: Programme.Runbook?
        if let node = map.required("runbook"), var book = MappingReader(node, path: map.path("runbook"), issues: issues) {
            let declaredBy = book.required("declaredBy").flatMap { S.string($0, book.path("declaredBy"), issues) }
            let speaks = texts(book.required("speaksExternally"), book.path("speaksExternally"), issues)
            let steps = texts(book.required("steps"), book.path("steps"), issues)
            let resolvedWhen = book.required("resolvedWhen").flatMap { S.text($0, book.path("resolvedWhen"), issues) }
            if steps.isEmpty { issues.report(node, book.path("steps"), "\(book.path("steps")): a runbook needs at least one step") }
            book.finish()
            if let declaredBy, let resolvedWhen {
                runbook = Programme.Runbook(declaredBy: declaredBy, speaksExternally: speaks, steps: steps, resolvedWhen: resolvedWhen)
            }
        }
        if escalation.isEmpty {
            issues.report(node, map.path("escalation"), "\(map.path("escalation")): a severity needs at least one role to escalate to")
        }
        map.finish()
        guard let id, let criteria, let runbook else { return nil }
        return Programme.Severity(id: id, criteria: criteria, escalation: escalation, runbook: runbook)
    }

    static func system(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> Programme.System? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let id = identifier(&map, issues)
        let name = map.required("name").flatMap { S.text($0, map.path("name"), issues) }
        // Present but empty is allowed here: it is a finding of the check, not a malformed file.
        let detection = texts(map.optional("detection"), map.path("detection"), issues)
        map.finish()
        guard let id, let name else { return nil }
        return Programme.System(id: id, name: name, detection: detection)
    }
}
