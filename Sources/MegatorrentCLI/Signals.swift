import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Waits for SIGINT or SIGTERM: long-running commands stop cleanly on Ctrl-C or `kill`.
enum Signals {
    /// Returns when the process receives SIGINT or SIGTERM.
    static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queue = DispatchQueue(label: "megatorrent.signals")
            let resumed = Resumed()
            var sources: [DispatchSourceSignal] = []
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler {
                    if resumed.once() { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            Keep.sources = sources
        }
    }

    private final class Resumed: @unchecked Sendable {
        private var done = false
        /// True the first time only (called on one serial queue).
        func once() -> Bool {
            defer { done = true }
            return !done
        }
    }

    /// The signal sources live as long as the process.
    private enum Keep { nonisolated(unsafe) static var sources: [DispatchSourceSignal] = [] }
}
