import Logging
import MegatorrentManifest
import MegatorrentState
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// The tracker: a WebSocket endpoint where authors publish manifests and subscribers receive them,
/// and a BitTorrent HTTP tracker, on one port (docs/tracker.md).
///
///     let server = TrackerServer()
///     try await server.start(host: "127.0.0.1", port: 0, databasePath: path)
///     print(server.port!)
///     try await server.shutdown()
///
/// It runs its own event loops and worker threads. A published manifest is acknowledged only
/// after it is committed to the database, so nothing acknowledged is lost on a crash.
public final class TrackerServer: Sendable {
    /// The limits and settings it runs with.
    public let configuration: TrackerConfiguration
    private let logger: Logger
    private let state = NIOLockedValueBox<State>(.idle)
    private let storedHandler = NIOLockedValueBox<(@Sendable (SignedManifest) -> Void)?>(nil)

    private enum State {
        case idle
        case starting
        case running(Running)
        case stopped
    }

    private struct Running {
        let group: MultiThreadedEventLoopGroup
        let workers: NIOThreadPool
        let channel: any Channel
        let core: TrackerCore
        let sweep: RepeatedTask
    }

    /// Why the server cannot start.
    public enum StartError: Error, Equatable, CustomStringConvertible {
        /// `start` was called twice, or after `shutdown`.
        case alreadyStarted
        /// `shutdown` was called while `start` was binding.
        case shutDown
        /// The TLS certificate chain or key could not be used; the reason in one line.
        case tls(String)

        /// One line.
        public var description: String {
            switch self {
            case .alreadyStarted: "the tracker server was already started"
            case .shutDown: "the tracker server was shut down while starting"
            case .tls(let reason): "TLS: \(reason)"
            }
        }
    }

    /// A server, not yet listening.
    public init(
        configuration: TrackerConfiguration = TrackerConfiguration(),
        logger: Logger = Logger(label: "megatorrent.tracker")
    ) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens the database at `databasePath` (creating or migrating it) and starts listening.
    public func start(host: String, port: Int, databasePath: String) async throws {
        try await start(host: host, port: port, database: try StateDatabase(path: databasePath))
    }

    /// Starts listening on `host:port` (port 0 picks a free one: read ``port``), keeping
    /// manifests in `database`.
    public func start(host: String, port: Int, database: StateDatabase) async throws {
        // Files first: a bad certificate or key fails here, before anything runs.
        let tls = try configuration.tls.map(Self.makeTLSContext)
        try state.withLockedValue { state in
            guard case .idle = state else { throw StartError.alreadyStarted }
            state = .starting
        }
        let threads = configuration.eventLoopThreads > 0 ? configuration.eventLoopThreads : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let workers = NIOThreadPool(numberOfThreads: max(1, configuration.workerThreads))
        workers.start()
        let handler = storedHandler
        let core = TrackerCore(
            configuration: configuration, store: ManifestStore(database: database), workers: workers, logger: logger,
            onStored: { manifest in handler.withLockedValue { $0 }?(manifest) })
        let pending = configuration.maxPendingBytes
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: .init(low: pending / 2, high: pending))
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in TrackerPipeline.configure(channel, core: core, tls: tls) }
                .bind(host: host, port: port)
                .get()
            let sweepEvery = TimeAmount.seconds(Int64(min(60, max(1, configuration.announceInterval / 10))))
            let sweep = group.next().scheduleRepeatedTask(initialDelay: sweepEvery, delay: sweepEvery) { _ in
                core.swarms.expire(now: core.clock())
            }
            let running = Running(group: group, workers: workers, channel: channel, core: core, sweep: sweep)
            let kept = state.withLockedValue { state -> Bool in
                guard case .starting = state else { return false }  // shutdown() came first
                state = .running(running)
                return true
            }
            guard kept else {
                sweep.cancel()
                try? await channel.close()
                throw StartError.shutDown
            }
            logger.info("tracker listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        } catch {
            try? await workers.shutdownGracefully()
            try? await group.shutdownGracefully()
            state.withLockedValue { state in
                if case .starting = state { state = .idle }
            }
            throw error
        }
    }

    /// The server context of `files`, or ``StartError/tls(_:)`` saying which file is wrong and why.
    private static func makeTLSContext(_ files: TrackerTLSFiles) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificateChainFile)
        } catch {
            throw StartError.tls(
                "cannot read the certificate chain \(files.certificateChainFile): \(ClientTLS.describeLoadError(error))")
        }
        guard !chain.isEmpty else { throw StartError.tls("no certificate in \(files.certificateChainFile)") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: files.privateKeyFile, format: .pem)
        } catch {
            throw StartError.tls("cannot read the private key \(files.privateKeyFile): \(ClientTLS.describeLoadError(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            // BoringSSL checks that the key belongs to the first certificate.
            throw StartError.tls(
                "cannot use \(files.certificateChainFile) with \(files.privateKeyFile) (does the key match the first "
                    + "certificate?): \(ClientTLS.describeLoadError(error))")
        }
    }

    /// Calls `handler` with every manifest committed from now on, whichever way it came (a WebSocket publish or
    /// ``publish(_:)``), on a worker thread right after the commit: keep it short. Replaces the handler set before.
    public func onStored(_ handler: (@Sendable (SignedManifest) -> Void)?) {
        storedHandler.withLockedValue { $0 = handler }
    }

    /// Verifies, commits and broadcasts manifest bytes that came another way than a WebSocket (gossip), under the same
    /// rules and limits as a publish. Returns the sequence stored, or throws the ``TrackerFailure`` a publisher would
    /// get. Throws ``StartError/shutDown`` when the server does not run.
    @discardableResult
    public func publish(_ bytes: [UInt8]) async throws -> UInt64 {
        guard let core = runningCore else { throw StartError.shutDown }
        let loop = runningGroup!.next()
        switch try await core.publish(bytes, on: loop).get() {
        case let .stored(key, sequence, held):
            core.metrics.publishStored()
            core.registry.broadcast(key, held)
            return sequence
        case let .refused(failure):
            throw failure
        }
    }

    /// The newest manifest held for the channel `key` (64 hex digits), or nil.
    public func latest(_ key: String) async -> SignedManifest? {
        guard let core = runningCore, let loop = runningGroup?.next() else { return nil }
        return try? await core.loadManifest(key, on: loop).get()
    }

    private var runningCore: TrackerCore? {
        state.withLockedValue { state in
            guard case .running(let running) = state else { return nil }
            return running.core
        }
    }

    private var runningGroup: MultiThreadedEventLoopGroup? {
        state.withLockedValue { state in
            guard case .running(let running) = state else { return nil }
            return running.group
        }
    }

    /// The address it listens on, once started.
    public var localAddress: SocketAddress? {
        state.withLockedValue { state in
            guard case .running(let running) = state else { return nil }
            return running.channel.localAddress
        }
    }

    /// The port it listens on, once started.
    public var port: Int? { localAddress?.port }

    /// Stops gracefully: stops accepting, tells every WebSocket it is going away (close 1001),
    /// waits up to `grace` for sockets to close (then closes the rest), lets publishes in
    /// progress finish their commit, and stops the threads. Safe to call more than once.
    public func shutdown(grace: TimeAmount = .seconds(2)) async throws {
        let running: Running? = state.withLockedValue { state in
            guard case .running(let running) = state else {
                // Idle: never starts now. Starting: start() sees this and undoes itself.
                if case .stopped = state {} else { state = .stopped }
                return nil
            }
            state = .stopped
            return running
        }
        guard let running else { return }
        running.core.stopAccepting()
        running.sweep.cancel()
        try? await running.channel.close()

        let connections = running.core.connections.all
        for connection in connections { connection.pipeline.fireUserInboundEventTriggered(TrackerShutdownEvent()) }
        let loop = running.group.next()
        let closedOrTimedOut = loop.makePromise(of: Void.self)  // a second completion is ignored
        EventLoopFuture.andAllComplete(connections.map(\.closeFuture), on: loop).cascade(to: closedOrTimedOut)
        let timer = loop.scheduleTask(in: grace) { closedOrTimedOut.succeed() }
        try? await closedOrTimedOut.futureResult.get()
        timer.cancel()
        for connection in running.core.connections.all { connection.close(promise: nil) }
        _ = try? await EventLoopFuture.andAllComplete(connections.map(\.closeFuture), on: loop).get()

        // Work items already running finish (their commit included); queued ones are cancelled.
        try await running.workers.shutdownGracefully()
        try await running.group.shutdownGracefully()
        logger.info("tracker stopped")
    }
}
