import ArgumentParser
import BreachClockStore
import Foundation

/// `breachclock migrate`: applies pending migrations (opening a store does too; this does only that,
/// for a release step run before the instances start).
struct MigrateCommand: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the database's pending migrations.",
        discussion: """
            Examples:
              breachclock migrate --db breachclock.sqlite
              breachclock migrate --db postgres://breachclock@127.0.0.1:5432/breachclock
            Several instances may run it at once: on PostgreSQL an advisory lock makes the others wait.
            """)

    @OptionGroup var databaseOptions: DatabaseOptions

    func run(output: some OutputSink) async throws {
        let store = try await databaseOptions.open()
        defer { Task { await store.close() } }
        let applied = try await store.engine.appliedMigrations()
        output.write("\(try databaseOptions.location().redacted): schema at \(applied.last ?? "none") (\(applied.count) migrations applied)\n")
    }
}

/// `breachclock export`: the whole database as JSON lines on standard output.
struct ExportCommand: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the whole database as JSON lines.",
        discussion: """
            The file holds webhook secrets and API key hashes: keep it as you keep the database.
            Examples:
              breachclock export --db breachclock.sqlite > breachclock.jsonl
              breachclock import --db postgres://breachclock@db:5432/breachclock < breachclock.jsonl
            """)

    @OptionGroup var databaseOptions: DatabaseOptions

    func run(output: some OutputSink) async throws {
        let store = try await databaseOptions.open()
        let counts = try await DatabaseTransfer.export(store) { line in output.write(line + "\n") }
        output.error("exported " + counts.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + "\n")
        await store.close()
    }
}

/// `breachclock import`: reads an export into an empty database, all of it or nothing.
struct ImportCommand: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Read an export into an empty database.",
        discussion: """
            The target must be empty (new, or only migrated). Everything is imported in one transaction.
            Then check the copy: breachclock audit verify --db <the target>.
            Examples:
              breachclock import --db postgres://breachclock@db:5432/breachclock < breachclock.jsonl
              breachclock import --db copy.sqlite --file breachclock.jsonl
            """)

    @OptionGroup var databaseOptions: DatabaseOptions

    @Option(help: ArgumentHelp("Read the export from this file instead of standard input.", valueName: "path"))
    var file: String?

    /// The longest line read (a row holds an incident's facts and assessment, each within the API's limits).
    static let maxLine = 64 << 20

    func run(output: some OutputSink) async throws {
        let handle: FileHandle
        if let file {
            guard let opened = FileHandle(forReadingAtPath: file) else { throw CommandFailure.badInput("--file: cannot read \(file)") }
            handle = opened
        } else {
            handle = FileHandle.standardInput
        }
        let store = try await databaseOptions.open()
        do {
            let counts = try await DatabaseTransfer.importLines(into: store, lines: LineReader(handle: handle, maxLine: Self.maxLine))
            output.write("imported " + counts.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + "\n")
        } catch let error as DatabaseTransfer.ImportError {
            await store.close()
            throw CommandFailure.badInput("import: \(error) (nothing was imported)")
        } catch let error as LineReader.TooLong {
            await store.close()
            throw CommandFailure.badInput("import: line \(error.line) is longer than \(Self.maxLine) bytes (nothing was imported)")
        }
        await store.close()
    }
}

/// The lines of a file, read in 1 MiB chunks; a line longer than `maxLine` bytes is an error.
struct LineReader: AsyncSequence, Sendable {
    typealias Element = String
    let handle: FileHandle
    let maxLine: Int

    struct TooLong: Error {
        var line: Int
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        let maxLine: Int
        var buffer: [UInt8] = []
        var start = 0
        var finished = false
        var number = 0

        mutating func next() async throws -> String? {
            while true {
                if let newline = buffer[start...].firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                    start = newline + 1
                    number += 1
                    return line
                }
                if buffer.count - start > maxLine { throw TooLong(line: number + 1) }
                if finished {
                    guard start < buffer.count else { return nil }
                    let line = String(decoding: buffer[start...], as: UTF8.self)
                    start = buffer.count
                    number += 1
                    return line
                }
                buffer.removeFirst(start)
                start = 0
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty { finished = true } else { buffer.append(contentsOf: chunk) }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle, maxLine: maxLine) }
}
