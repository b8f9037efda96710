import BreachClockServer
import BreachClockTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import Yams

/// The committed OpenAPI document and the API agree: the same routes, and every response a test
/// receives has the documented shape.
@Suite struct OpenAPITests {
    nonisolated(unsafe) static let spec: [String: Any] = {
        let url = Paths.root.appendingPathComponent("Sources/BreachClockServer/Resources/openapi.yaml")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return ((try? Yams.load(yaml: text)) as? [String: Any]) ?? [:]
    }()

    static var documentedRoutes: Set<String> {
        let paths = spec["paths"] as? [String: [String: Any]] ?? [:]
        var routes: Set<String> = []
        for (path, item) in paths {
            for method in ["get", "post", "patch", "put", "delete"] where item[method] != nil { routes.insert("\(method.uppercased()) \(path)") }
        }
        return routes
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let served = Set(
            try await ServerApplication.routes(configuration: ServerConfiguration(databasePath: server.database, rulesDirectory: Paths.jurisdictions))
        )
        #expect(served.subtracting(Self.documentedRoutes).isEmpty, "not documented: \(served.subtracting(Self.documentedRoutes).sorted())")
        #expect(Self.documentedRoutes.subtracting(served).isEmpty, "documented but not served: \(Self.documentedRoutes.subtracting(served).sorted())")
    }

    /// Calls every route (and several error cases) and checks each response against the document.
    @Test func responsesMatchTheirSchemas() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let checked = Counter()
        try await server.app().test(.router) { client in
            func call(
                _ method: HTTPRequest.Method, _ uri: String, _ route: String, key: String? = nil, body text: String? = nil,
                headers: HTTPFields = [:]
            ) async throws -> TestResponse {
                let response = try await client.execute(
                    uri: uri, method: method, headers: key.map { server.headers($0, headers) } ?? headers,
                    body: text.map(body))
                let problems = Self.check(response, route: route, method: method)
                #expect(problems.isEmpty, "\(method) \(uri) → \(response.status.code): \(problems)")
                checked.value += 1
                return response
            }
            let editor = server.editorKey
            let viewer = server.viewerKey
            _ = try await call(.get, "/healthz", "/healthz")
            _ = try await call(.get, "/readyz", "/readyz")
            _ = try await call(.get, "/metrics", "/metrics")
            _ = try await call(.get, "/openapi.yaml", "/openapi.yaml")
            let facts =
                #"{"events": {"discoveredAt": "2026-03-02T10:00:00-08:00"}, "data": {"elements": ["name", "ssn"]}, "affected": {"US-CA": 900}}"#
            _ = try await call(.post, "/v1/assessments", "/v1/assessments", key: viewer, body: facts)
            _ = try await call(.post, "/v1/assessments", "/v1/assessments", key: viewer, body: #"{"events": {}}"#)
            _ = try await call(.post, "/v1/assessments", "/v1/assessments", body: facts)
            let created = try await call(.post, "/v1/incidents", "/v1/incidents", key: editor, body: incidentBody)
            let id = try #require(created.object["id"] as? String)
            let base = "/v1/incidents/\(id)"
            _ = try await call(.get, "/v1/incidents?status=open", "/v1/incidents", key: viewer)
            _ = try await call(.get, base, "/v1/incidents/{id}", key: viewer)
            _ = try await call(.get, "/v1/incidents/inc_missing", "/v1/incidents/{id}", key: viewer)
            _ = try await call(
                .patch, base, "/v1/incidents/{id}", key: editor, body: #"{"facts": {"affected": {"US-CA": 700}}}"#,
                headers: [.ifMatch: "\"1\""])
            _ = try await call(.patch, base, "/v1/incidents/{id}", key: editor, body: #"{"title": "x"}"#, headers: [.ifMatch: "\"1\""])
            _ = try await call(.get, base + "/history", "/v1/incidents/{id}/history", key: viewer)
            _ = try await call(
                .post, base + "/notices", "/v1/incidents/{id}/notices", key: editor,
                body: #"{"obligation": "US-CA/individuals", "sentAt": "2026-03-10", "method": "mail"}"#)
            _ = try await call(
                .post, base + "/notices", "/v1/incidents/{id}/notices", key: editor,
                body: #"{"obligation": "US-CA/individuals", "sentAt": "2026-03-10", "method": "mail"}"#, headers: [.ifMatch: "\"2\""])
            _ = try await call(.get, base + "/notices", "/v1/incidents/{id}/notices", key: viewer)
            _ = try await call(
                .post, base + "/decisions", "/v1/incidents/{id}/decisions", key: editor,
                body: #"{"kind": "notice", "outcome": "not-required", "owner": "counsel"}"#, headers: [.ifMatch: "\"3\""])
            _ = try await call(
                .post, base + "/decisions", "/v1/incidents/{id}/decisions", key: editor,
                body: #"{"kind": "risk-of-harm", "outcome": "likely", "owner": "counsel", "rationale": "SSNs were taken"}"#,
                headers: [.ifMatch: "\"3\""])
            _ = try await call(.get, base + "/decisions", "/v1/incidents/{id}/decisions", key: viewer)
            _ = try await call(.get, base + "/calendar.ics", "/v1/incidents/{id}/calendar.ics", key: viewer)
            _ = try await call(.get, base + "/audit", "/v1/incidents/{id}/audit", key: viewer)
            _ = try await call(.post, base + "/close", "/v1/incidents/{id}/close", key: editor, headers: [.ifMatch: "\"4\""])
            _ = try await call(.post, base + "/close", "/v1/incidents/{id}/close", key: editor, headers: [.ifMatch: "*"])
            _ = try await call(.get, "/v1/jurisdictions", "/v1/jurisdictions", key: viewer)
            _ = try await call(.get, "/v1/jurisdictions/US-CA?asOf=2025-06-01", "/v1/jurisdictions/{code}", key: viewer)
            _ = try await call(.get, "/v1/jurisdictions/US-ZZ", "/v1/jurisdictions/{code}", key: viewer)
            let admin = server.adminKey
            let key = try await call(.post, "/v1/keys", "/v1/keys", key: admin, body: #"{"name": "reader", "role": "viewer"}"#)
            _ = try await call(.post, "/v1/keys", "/v1/keys", key: admin, body: #"{"name": "reader"}"#)
            _ = try await call(.get, "/v1/keys", "/v1/keys", key: viewer)
            _ = try await call(.get, "/v1/keys", "/v1/keys", key: admin)
            _ = try await call(.get, "/v1/keys/\(key.object["id"] as? String ?? "")", "/v1/keys/{id}", key: admin)
            _ = try await call(.delete, "/v1/keys/\(key.object["id"] as? String ?? "")", "/v1/keys/{id}", key: admin)
            _ = try await call(.delete, "/v1/keys/key_missing", "/v1/keys/{id}", key: admin)
            let hook = try await call(
                .post, "/v1/webhooks", "/v1/webhooks", key: admin, body: #"{"url": "https://hooks.example/x", "format": "slack"}"#)
            _ = try await call(.post, "/v1/webhooks", "/v1/webhooks", key: admin, body: #"{"url": "ftp://x"}"#)
            _ = try await call(.get, "/v1/webhooks", "/v1/webhooks", key: admin)
            _ = try await call(.get, "/v1/webhooks", "/v1/webhooks", key: editor)
            let hookID = hook.object["id"] as? String ?? ""
            _ = try await call(.post, "/v1/webhooks/\(hookID)/test", "/v1/webhooks/{id}/test", key: admin)
            _ = try await call(.post, "/v1/webhooks/wh_missing/test", "/v1/webhooks/{id}/test", key: admin)
            _ = try await call(.get, "/v1/webhooks/\(hookID)/deliveries", "/v1/webhooks/{id}/deliveries", key: admin)
            _ = try await call(.get, "/v1/webhooks/\(hookID)", "/v1/webhooks/{id}", key: admin)
            _ = try await call(.delete, "/v1/webhooks/\(hookID)", "/v1/webhooks/{id}", key: admin)
            _ = try await call(.delete, "/v1/webhooks/\(hookID)", "/v1/webhooks/{id}", key: admin)
            _ = try await call(.post, "/v1/assessments", "/v1/assessments", key: viewer, body: facts, headers: [.contentType: "text/plain"])
            _ = try await call(.post, "/v1/assessments", "/v1/assessments", key: viewer, body: "[[[")
            _ = try await call(.patch, base, "/v1/incidents/{id}", key: editor, body: #"{"title": "y"}"#)
        }
        #expect(checked.value == 47)
    }

    /// Problems with a response against the document; empty when it conforms.
    static func check(_ response: TestResponse, route: String, method: HTTPRequest.Method) -> [String] {
        guard let operation = ((spec["paths"] as? [String: Any])?[route] as? [String: Any])?[method.rawValue.lowercased()] as? [String: Any],
            let responses = operation["responses"] as? [String: Any]
        else { return ["\(method.rawValue) \(route) is not in the document"] }
        guard var documented = responses[String(response.status.code)] as? [String: Any] else {
            return ["status \(response.status.code) is not documented"]
        }
        if let ref = documented["$ref"] as? String { documented = resolve(ref) }
        guard let content = documented["content"] as? [String: Any] else { return [] }
        let type = (response.headers[.contentType] ?? "").split(separator: ";").first.map(String.init) ?? ""
        guard let media = content[type] as? [String: Any] else { return ["content type \(type) is not documented (\(content.keys.sorted()))"] }
        guard type.hasSuffix("json"), let schema = media["schema"] as? [String: Any] else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: Data(response.text.utf8), options: [.fragmentsAllowed]) else {
            return ["the body is not JSON"]
        }
        var errors: [String] = []
        validate(value, schema, at: "$", errors: &errors)
        return errors
    }

    static func resolve(_ ref: String) -> [String: Any] {
        var node: Any = spec
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] ?? [:] }
        return node as? [String: Any] ?? [:]
    }

    /// A small JSON Schema check: $ref, type (with "null"), enum, required, properties, items.
    static func validate(_ value: Any, _ schema: [String: Any], at path: String, errors: inout [String]) {
        if let ref = schema["$ref"] as? String { return validate(value, resolve(ref), at: path, errors: &errors) }
        if let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map({ [$0] }) {
            if !types.contains(where: { matches(value, $0) }) { errors.append("\(path): expected \(types.joined(separator: " or "))") }
        }
        if let options = schema["enum"] as? [String], let text = value as? String, !options.contains(text) {
            errors.append("\(path): `\(text)` is not one of \(options)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { errors.append("\(path).\(key): required") }
            for (key, sub) in schema["properties"] as? [String: Any] ?? [:] {
                if let child = object[key], let sub = sub as? [String: Any] { validate(child, sub, at: "\(path).\(key)", errors: &errors) }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { validate(item, items, at: "\(path)[\(index)]", errors: &errors) }
        }
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "null": return value is NSNull
        // JSONSerialization gives NSNumber for both numbers and booleans on Linux.
        case "boolean": return (value as? NSNumber).map { $0 == 0 || $0 == 1 } ?? false
        case "integer": return (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
        case "number": return value is Double || value is Int
        default: return true
        }
    }
}

final class Counter: @unchecked Sendable {
    var value = 0
}
