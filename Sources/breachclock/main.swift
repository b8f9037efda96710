import BreachClockCLI
import Foundation
import NIOCore
import NIOPosix

// `serve --executor nio` (the default): Swift concurrency's jobs run on SwiftNIO's event loops. It must
// be installed before any task runs, hence here, before the command line is parsed (see ServeExecutor).
let executor = ServeExecutor.requested(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
if executor == .nio {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
}
await BreachClockCommand.runMain()
