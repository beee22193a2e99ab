import Foundation
import Logging
import MegatorrentCrypto
import MegatorrentManifest
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import XCTest

@testable import MegatorrentTracker

/// A logger that prints nothing (set MT_TEST_LOGS=1 to see the tracker's logs).
let quietLogger: Logger = {
    if ProcessInfo.processInfo.environment["MT_TEST_LOGS"] != nil { return Logger(label: "test") }
    return Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
}()

/// A signed manifest for `key` with one collection titled after the sequence.
func makeManifest(_ key: Ed25519.PrivateKey, sequence: UInt64, items: Int = 1) throws -> SignedManifest {
    let magnets = (0..<items).map { i in
        "magnet:?xt=urn:btih:" + Hex.encode(Digest.hash(.sha256, Array("item \(sequence) \(i)".utf8)).prefix(20))
    }
    let body = ManifestBody(
        publicKey: key.publicKey, sequence: sequence, timestamp: 1_700_000_000_000 + sequence,
        collections: [ManifestCollection(title: "v\(sequence)", items: magnets)])
    return try ManifestSigner.sign(body, with: key)
}

/// A fresh folder under the temporary directory, removed by the returned closure.
func temporaryFolder(_ name: String) throws -> (path: String, remove: () -> Void) {
    let path = NSTemporaryDirectory() + "/mt-tracker-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return (path, { try? FileManager.default.removeItem(atPath: path) })
}

/// The test configuration: small thread counts, defaults otherwise.
func testConfiguration(_ change: (inout TrackerConfiguration) -> Void = { _ in }) -> TrackerConfiguration {
    var configuration = TrackerConfiguration()
    configuration.eventLoopThreads = 2
    configuration.workerThreads = 2
    change(&configuration)
    return configuration
}

/// A started server on 127.0.0.1 (an ephemeral port unless `port` is given).
func startServer(
    databasePath: String, port: Int = 0, configuration: TrackerConfiguration = testConfiguration()
) async throws -> TrackerServer {
    let server = TrackerServer(configuration: configuration, logger: quietLogger)
    try await server.start(host: "127.0.0.1", port: port, databasePath: databasePath)
    return server
}

/// Client settings for tests: quick reconnects, bounded waits.
func testClientConfiguration() -> TrackerClientConfiguration {
    var configuration = TrackerClientConfiguration()
    configuration.backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(500))
    configuration.requestTimeout = .seconds(15)
    configuration.connectTimeout = .seconds(5)
    return configuration
}

/// A queue that async code can wait on with a bounded wait.
final class Inbox<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var waiters: [UInt64: CheckedContinuation<Element?, Never>] = [:]
        var order: [UInt64] = []
        var nextID: UInt64 = 0
        var finished = false
    }

    private let state = NIOLockedValueBox(State())

    /// Adds an item (or hands it to the oldest waiter).
    func push(_ item: Element) {
        let waiter: CheckedContinuation<Element?, Never>? = state.withLockedValue { state in
            while let id = state.order.first {
                state.order.removeFirst()
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            }
            state.items.append(item)
            return nil
        }
        waiter?.resume(returning: item)
    }

    /// No more items: waiters get nil.
    func finish() {
        let waiters = state.withLockedValue { state in
            state.finished = true
            defer {
                state.waiters = [:]
                state.order = []
            }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// The next item, or nil after `timeout` or once finished and empty.
    func next(timeout: Duration = .seconds(10)) async -> Element? {
        let id: UInt64 = state.withLockedValue { state in
            state.nextID += 1
            return state.nextID
        }
        let item = await withCheckedContinuation { continuation in
            let now: Element?? = state.withLockedValue { state in
                if !state.items.isEmpty { return .some(state.items.removeFirst()) }
                if state.finished { return .some(nil) }
                state.waiters[id] = continuation
                state.order.append(id)
                return nil
            }
            if let now { return continuation.resume(returning: now) }
            Task {
                try? await Task.sleep(for: timeout)
                self.state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
            }
        }
        // The Swift runtime's own synchronization is invisible to ThreadSanitizer (it is not
        // instrumented): taking the lock the pusher released makes the hand-over visible to it.
        state.withLockedValue { _ in }
        return item
    }
}

/// Waits until `condition` holds, checking every 20 ms, for at most `timeout`.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// Reads the next manifest of a subscription stream within `timeout`, through an inbox.
final class StreamReader: Sendable {
    let inbox = Inbox<SignedManifest>()
    private let task: Task<Void, Never>

    init(_ stream: AsyncStream<SignedManifest>) {
        let inbox = self.inbox
        task = Task {
            for await manifest in stream { inbox.push(manifest) }
            inbox.finish()
        }
    }

    func next(timeout: Duration = .seconds(10)) async -> SignedManifest? { await inbox.next(timeout: timeout) }

    func cancel() { task.cancel() }
}
