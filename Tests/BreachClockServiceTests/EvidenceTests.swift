import BreachClockApplication
import BreachClockCalculator
import BreachClockEvidence
import BreachClockProgramme
import BreachClockRules
import BreachClockServer
import BreachClockStore
import BreachClockTestSupport
import Foundation
import Testing

/// The evidence bundle (issue 15 §5): exported for a period with what falls in it and nothing else,
/// verified, then tampered with in each way and caught, naming the file.
@Suite struct EvidenceTests {
    static func instant(_ text: String) -> Date { ZonedTime.parse(text, in: ZonedTime.utc)! }

    static func body(_ text: String) throws -> DocumentNode { try IncidentService.parse(Array(text.utf8), format: .json) }

    static func incident(discovered: String) -> String {
        """
        {"title": "Practice incident", "facts": {"timezone": "America/Los_Angeles", "events": {"discoveredAt": "\(discovered)"},
         "entity": {"role": "owner", "sectors": []}, "data": {"elements": ["name", "ssn"], "encrypted": false},
         "riskOfHarm": "likely", "affected": {"US-TX": 400}}}
        """
    }

    /// A database with a year of records: an incident closed before 2026, one handled and reviewed in
    /// 2026, an exercise in 2026 and one in 2027.
    static func prepare(_ path: String) async throws -> (reviewed: String, before: String, exercise: String, later: String) {
        let clock = SimulatedClock(instant("2025-12-01T10:00:00Z"))
        let store = try IncidentStore(path: path, clock: { clock.now })
        let service = IncidentService(calculator: try RealRules.calculator(), store: store, clock: { clock.now })
        let early = try await service.create(body: try body(incident(discovered: "2025-11-30T09:00:00-08:00")), actor: "t")
        clock.set(instant("2025-12-20T10:00:00Z"))
        _ = try await service.close(id: early.id, ifMatch: nil, actor: "t")

        clock.set(instant("2026-01-10T10:00:00Z"))
        let programme = try String(contentsOf: Paths.root.appendingPathComponent("Examples/programme.yaml"), encoding: .utf8)
        _ = try await store.importProgramme(source: programme, format: "yaml", actor: "t")
        clock.set(instant("2026-03-02T18:00:00Z"))
        let main = try await service.create(body: try body(incident(discovered: "2026-03-02T09:00:00-08:00")), actor: "t")
        clock.set(instant("2026-03-20T17:00:00Z"))
        _ = try await service.recordNotice(
            id: main.id, ifMatch: nil,
            body: try body(#"{"obligation": "US-TX/individuals", "sentAt": "2026-03-20T10:00:00-07:00", "method": "mail"}"#),
            actor: "t")
        clock.set(instant("2026-04-03T15:00:00Z"))
        _ = try await service.recordNotice(
            id: main.id, ifMatch: nil, body: try body(#"{"obligation": "US-TX/regulator", "sentAt": "2026-04-03T10:00:00-05:00", "method": "form"}"#),
            actor: "t")
        clock.set(instant("2026-04-10T15:00:00Z"))
        _ = try await service.close(id: main.id, ifMatch: nil, actor: "t")
        clock.set(instant("2026-04-15T15:00:00Z"))
        let review = try String(contentsOf: Paths.root.appendingPathComponent("Examples/review.yaml"), encoding: .utf8)
        _ = try await ReviewService(store: store).record(
            incidentID: main.id, body: try IncidentService.parse(Array(review.utf8), format: .yaml), actor: "t")
        clock.set(instant("2026-05-01T15:00:00Z"))
        _ = try await store.saveExercise(
            id: "exr_2026", name: "Spring drill", startsAt: "2026-03-02T15:00:00Z", scenario: "x", record: Self.record, actor: "t")
        let log = try String(contentsOf: Paths.root.appendingPathComponent("Examples/exercise-log.yaml"), encoding: .utf8)
        _ = try await ProgrammeService(store: store).recordLog(
            exerciseID: "exr_2026", body: try IncidentService.parse(Array(log.utf8), format: .yaml), actor: "t")
        clock.set(instant("2027-01-05T15:00:00Z"))
        _ = try await store.saveExercise(
            id: "exr_2027", name: "Winter drill", startsAt: "2026-03-02T15:00:00Z", scenario: "x", record: Self.record, actor: "t")
        await store.close()
        return (main.id, early.id, "exr_2026", "exr_2027")
    }

    static let record = #"{"name":"Drill","ranFor":3600,"reminders":[],"startsAt":"2026-03-02T15:00:00Z","steps":[]}"#

    @Test func aBundleHoldsThePeriodAndVerifies() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-evidence-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("db.sqlite").path
        let ids = try await Self.prepare(database)
        let zip = folder.appendingPathComponent("bundle.zip").path
        let exported = await runCLI(["evidence", "export", "--from", "2026-01-01", "--to", "2026-12-31", "--out", zip, "--db", database])
        #expect(exported.code == 0, "\(exported.err)")
        let paths = try EvidenceArchive.files(in: URL(fileURLWithPath: zip)).map(\.path)
        #expect(paths.contains("incidents/\(ids.reviewed)/review.md"))
        #expect(paths.contains("incidents/\(ids.reviewed)/obligations.json"))
        #expect(!paths.contains { $0.contains(ids.before) }, "closed before the period")
        #expect(paths.contains("exercises/\(ids.exercise)/report.md"))
        #expect(!paths.contains { $0.contains(ids.later) }, "run after the period")
        #expect(paths.contains("programme/revision-1.yaml"))
        let files = try EvidenceArchive.files(in: URL(fileURLWithPath: zip))
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(files.first { $0.path == "evidence.json" }!.bytes)) as? [String: Any])
        let incidents = try #require(summary["incidents"] as? [[String: Any]])
        #expect(incidents.count == 1)
        // Texas individuals noticed on day 18; the Attorney General's 30 days missed by 1 day 8 hours.
        #expect(incidents.first?["met"] as? Int == 1 && incidents.first?["late"] as? Int == 1)
        #expect((summary["criteria"] as? [String: [String]])?["CC7.5"]?.contains("incidents/\(ids.reviewed)/review.md") == true)
        let index = String(decoding: files.first { $0.path == "README.md" }!.bytes, as: UTF8.self)
        #expect(index.contains("Events from monitoring received: 0 (none triaged; 0 without a disposition, 0 triaged after their limit)"))
        #expect(paths.contains("triage/events.json") && paths.contains("incidents/\(ids.reviewed)/lifecycle.json"))

        let verified = await runCLI(["evidence", "verify", zip, "--db", database])
        #expect(verified.code == 0, "\(verified.out)")
        #expect(verified.out.contains("the manifest is the one the audit log records"))
        let withoutDatabase = await runCLI(["evidence", "verify", zip])
        #expect(withoutDatabase.code == 0 && withoutDatabase.out.contains("the anchor was not checked"))
        #expect(try await IncidentStore(path: database).verifyAudit().problems.isEmpty)
    }

    enum Tampering: String, CaseIterable, Sendable {
        case changeAFile, removeAFile, addAFile, rewriteTheManifest, rewriteManifestAndAnchor, notAZip
    }

    @Test(arguments: Tampering.allCases)
    func tamperingIsCaughtAndNamed(_ tampering: Tampering) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-evidence-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("db.sqlite").path
        let ids = try await Self.prepare(database)
        let zip = URL(fileURLWithPath: folder.appendingPathComponent("bundle.zip").path)
        _ = await runCLI(["evidence", "export", "--from", "2026-01-01", "--to", "2026-12-31", "--out", zip.path, "--db", database])
        var files = try EvidenceArchive.files(in: zip)
        let target = "incidents/\(ids.reviewed)/obligations.json"
        func replace(_ path: String, _ bytes: [UInt8]) {
            files = files.map { $0.path == path ? EvidenceFile(path: path, bytes: bytes) : $0 }
        }
        /// The manifest with `target`'s entry recomputed, as someone covering their tracks would.
        func forgedManifest() throws -> [UInt8] {
            var manifest = try JSONDecoder().decode(EvidenceManifest.self, from: Data(files.first { $0.path == "manifest.json" }!.bytes))
            let changed = files.first { $0.path == target }!
            manifest.files = manifest.files.map { $0.path == target ? .init(path: target, sha256: changed.sha256, bytes: changed.bytes.count) : $0 }
            return Array(try JSONEncoder().encode(manifest))
        }
        let late = Array(
            String(decoding: files.first { $0.path == target }!.bytes, as: UTF8.self).replacingOccurrences(of: "\"late\"", with: "\"met\"").utf8)
        let expected: String
        switch tampering {
        case .changeAFile:
            replace(target, late)
            expected = "changed: \(target)"
        case .removeAFile:
            files.removeAll { $0.path == target }
            expected = "missing: \(target)"
        case .addAFile:
            files.append(EvidenceFile(path: "incidents/extra.json", bytes: Array("{}".utf8)))
            expected = "added: incidents/extra.json"
        case .rewriteTheManifest:
            replace(target, late)
            replace("manifest.json", try forgedManifest())
            expected = "changed: manifest.json"
        case .rewriteManifestAndAnchor:
            replace(target, late)
            let manifest = try forgedManifest()
            replace("manifest.json", manifest)
            var anchor = try JSONDecoder().decode(EvidenceAnchor.self, from: Data(files.first { $0.path == "anchor.json" }!.bytes))
            anchor.manifestSHA256 = EvidenceFile(path: "manifest.json", bytes: manifest).sha256
            replace("anchor.json", Array(try JSONEncoder().encode(anchor)))
            expected = "does not record this manifest"
        case .notAZip:
            try Data("not a zip".utf8).write(to: zip)
            expected = "unreadable: bundle.zip is not a zip archive"
        }
        if tampering != .notAZip { try EvidenceArchive.write(files, to: zip) }
        let result = await runCLI(["evidence", "verify", zip.path, "--db", database])
        #expect(result.code == 1)
        #expect(result.out.contains(expected), "\(result.out)")
    }
}
