import BreachClockApplication
import BreachClockCalculator
import BreachClockJSON
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
            // The key is shown once: no cache may keep it.
            return try Self.json(
                KeyBody(record, key: key), status: .created, headers: [.location: "/v1/keys/\(record.id)", .cacheControl: "no-store"])
        }
        router.get("/v1/keys/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let key = try await store.keys().first(where: { $0.id == id }) else { throw Problem.notFound }
            return try Self.json(KeyBody(key))
        }
        router.get("/v1/keys") { _, _ in
            try Self.json(KeyListBody(keys: try await store.keys().map { KeyBody($0) }))
        }
        router.delete("/v1/keys/:id") { _, context in
            try await store.revokeKey(id: try context.parameters.require("id"), actor: Self.actor(context))
            // A revoked key (and every console session signed in with it) stops working at once on this
            // server, not after the caches' lifetime.
            keys.forgetAll()
            sessions.forgetAll()
            return Response(status: .noContent)
        }
    }
}
