import BreachClockCLI
import Foundation
import NIOCore
import NIOPosix

// `serve --executor nio` (the default): Swift concurrency's jobs run on SwiftNIO's event loops. It must
// be installed before any task runs, hence here, before the command line is parsed (see ServeExecutor).
let executor = ServeExecutor.requested(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
if executor == .nio, !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
    FileHandle.standardError.write(Data("breachclock: SwiftNIO could not take over Swift concurrency here; serving on Swift's own pool\n".utf8))
}
await BreachClockCommand.runMain()
