import BreachClockApplication
import BreachClockCalculator
import BreachClockStore
import Foundation
import HTTPTypes
import Hummingbird

extension Routes {
    /// `/v1/keys`: API keys (admins only). A new key is shown once, in the response that creates it;
    /// the database keeps only its hash. The same operations as `breachclock keys create|list|revoke`.
    func registerKeys(on router: RecordingRouter) {
        router.post("/v1/keys") { request, context in
            let node = try await Self.document(request, context)
            let fields = try IncidentService.fields(node, allowed: ["name", "role"])
            let name = try IncidentService.text(fields["name"], "name", required: true, maxLength: 200)!
            let roleName = try IncidentService.text(fields["role"], "role", required: true)!
            guard let role = APIRole(rawValue: roleName) else { throw ServiceError.invalid("role", "expected viewer, editor or admin") }
            let (key, record) = try await store.createKey(name: name, role: role, actor: Self.actor(context))
            guard case .object(var members) = Self.keyJSON(record) else { preconditionFailure("a key is an object") }
            members.append(("key", .string(key)))
            // The key is shown once: no cache may keep it.
            return Self.json(.object(members), status: .created, headers: [.location: "/v1/keys/\(record.id)", .cacheControl: "no-store"])
        }
        router.get("/v1/keys/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let key = try await store.keys().first(where: { $0.id == id }) else { throw Problem.notFound }
            return Self.json(Self.keyJSON(key))
        }
        router.get("/v1/keys") { _, _ in
            Self.json(.object([("keys", .array(try await store.keys().map(Self.keyJSON)))]))
        }
        router.delete("/v1/keys/:id") { _, context in
            try await store.revokeKey(id: try context.parameters.require("id"), actor: Self.actor(context))
            keys.forgetAll()  // a revoked key stops working at once on this server, not after the cache's lifetime
            return Response(status: .noContent)
        }
    }

    static func keyJSON(_ key: StoredAPIKey) -> OrderedJSON {
        .object([
            ("id", .string(key.id)), ("name", .string(key.name)), ("role", .string(key.role.rawValue)),
            ("createdAt", .string(instant(key.createdAt))), ("revokedAt", key.revokedAt.map { .string(instant($0)) } ?? .null),
        ])
    }
}
