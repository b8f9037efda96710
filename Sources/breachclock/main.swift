import BreachClockCLI
import Foundation
import NIOCore
import NIOPosix

// `serve` runs Swift concurrency's jobs on SwiftNIO's event loops instead of a separate thread pool,
// so a request is read, computed and answered on one thread without waking another. On this 2-core
// machine that makes POST /v1/assessments about a fifth faster (README, "Performance"); trivial routes
// such as /healthz lose some speed. `BREACHCLOCK_EXECUTOR=dispatch` keeps the default pool (to compare).
// It must be installed before any task runs, hence here and not in the command.
if CommandLine.arguments.dropFirst().first == "serve", ProcessInfo.processInfo.environment["BREACHCLOCK_EXECUTOR"] != "dispatch" {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
}
await BreachClockCommand.runMain()
