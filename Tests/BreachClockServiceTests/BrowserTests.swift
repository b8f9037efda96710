import BreachClockTestSupport
import Foundation
import Testing

/// The web console in a real headless Chromium against a real `breachclock serve` (issue 16): sign in,
/// open an incident, record a notice, see the countdown and the timeline, and keep screenshots at
/// 1280 and 390 pixels wide in `.build/browser-artifacts/` (the system tier; scripts/test installs
/// Chromium).
@Suite(.serialized, SystemTests.enabled) struct BrowserTests {
    /// The width and height a PNG's header says.
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data)
        guard bytes.count > 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func number(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (number(16), number(20))
    }

    @Test func signInCreateNoticeCountdownTimelineAndScreenshots() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-browser-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("db.sqlite").path
        let created = await runCLI(["keys", "create", "--name", "browser", "--role", "editor", "--db", database])
        let key = try #require(created.out.split(separator: "\n").first.map(String.init))
        let server = try await ListeningServer.start(binary: CrashTests.binary, database: database)
        defer { _ = try? server.stop() }
        let artifacts = Paths.root.appendingPathComponent(".build/browser-artifacts")
        try? FileManager.default.removeItem(at: artifacts)
        let process = Process()
        process.executableURL = Paths.root.appendingPathComponent("scripts/browser-test")
        process.arguments = ["--base", "http://127.0.0.1:\(server.port)", "--key", key, "--out", artifacts.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        for width in [1280, 390] {
            let data = try Data(contentsOf: artifacts.appendingPathComponent("incident-\(width).png"))
            let size = try #require(Self.pngSize(data))
            #expect(size.width == width)
            #expect(size.height >= 600)
        }
    }
}
