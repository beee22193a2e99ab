import Logging
import MegatorrentManifest
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import NIOWebSocket

/// The client's link to one tracker: connects, reconnects with bounded, jittered exponential
/// backoff, subscribes again to every key after a reconnect, and matches publish replies to
/// requests (the server answers one socket's publishes in order).
final class TrackerConnection: Sendable {
    /// The tracker.
    let endpoint: TrackerEndpoint
    /// Where it logs.
    let logger: Logger
    private let configuration: TrackerClientConfiguration
    private let group: any EventLoopGroup
    private let feed: SubscriptionFeed
    /// For `wss://`: the TLS context, or why there is none.
    private let tls: Result<NIOSSLContext, TrackerClientError>?
    private let state = NIOLockedValueBox(State())

    private typealias Reply = CheckedContinuation<Result<PublishReceipt, TrackerClientError>, Never>
    private typealias Waiter = CheckedContinuation<Result<any Channel, TrackerClientError>, Never>

    /// A publish sent and not answered yet. An abandoned one (timed out, cancelled) stays as a
    /// placeholder without `reply` so later replies still match their requests.
    private struct PendingPublish {
        let id: UInt64
        let key: String
        let sequence: UInt64
        var reply: Reply?
    }

    private struct State {
        var channel: (any Channel)?
        var pending = CircularBuffer<PendingPublish>()
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
        var closed = false
        var task: Task<Void, Never>?
        var connections = 0
        /// Why the last attempt failed in TLS (until one succeeds): waiting for a socket fails
        /// with it at once rather than at the timeout.
        var tlsFailure: TrackerClientError?
        var lastError: String?
    }

    init(
        endpoint: TrackerEndpoint, configuration: TrackerClientConfiguration, group: any EventLoopGroup,
        feed: SubscriptionFeed, logger: Logger
    ) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.group = group
        self.feed = feed
        tls = endpoint.isSecure ? ClientTLS.makeContext(configuration) : nil
        var logger = logger
        logger[metadataKey: "tracker"] = "\(endpoint)"
        self.logger = logger
    }

    // MARK: Lifecycle

    /// Starts the connect-and-reconnect loop (once).
    func start() {
        state.withLockedValue { state in
            guard state.task == nil, !state.closed else { return }
            state.task = Task { await self.run() }
        }
    }

    /// Whether a WebSocket to the tracker is open.
    var isConnected: Bool { state.withLockedValue { $0.channel != nil } }

    /// How many times a WebSocket to the tracker was opened.
    var connectionCount: Int { state.withLockedValue { $0.connections } }

    /// Why the last connection attempt failed (nil after a success).
    var lastConnectionError: String? { state.withLockedValue { $0.lastError } }

    /// Closes the socket, stops reconnecting, and fails what waits with `.closed`.
    func close() async {
        let (task, channel, waiters, replies) = state.withLockedValue { state in
            state.closed = true
            defer {
                state.waiters = [:]
                state.pending.removeAll()
                state.channel = nil
            }
            return (state.task, state.channel, Array(state.waiters.values), state.pending.compactMap(\.reply))
        }
        task?.cancel()
        channel?.close(promise: nil)
        for waiter in waiters { waiter.resume(returning: .failure(.closed)) }
        for reply in replies { reply.resume(returning: .failure(.closed)) }
        await task?.value
    }

    private var isClosed: Bool { state.withLockedValue { $0.closed } }

    private func run() async {
        var context: NIOSSLContext?
        switch tls {
        case .failure(let error):
            // A configuration error (an unreadable trust roots file): no attempt can succeed.
            logger.warning("cannot connect to tracker: \(error)")
            return failTLS(error)
        case .success(let made): context = made
        case nil: context = nil
        }
        var attempt = 0
        var lastTLSFailure: TrackerClientError?
        while !isClosed, !Task.isCancelled {
            do {
                let channel = try await WebSocketDialer.connect(
                    to: endpoint, tls: context, group: group, maxFrameSize: configuration.maxFrameSize,
                    timeout: configuration.connectTimeout, proxy: configuration.proxy
                ) { channel in
                    let pipeline = channel.pipeline.syncOperations
                    // Behind TLS when there is TLS: it times the WebSocket's traffic.
                    let position: ChannelPipeline.SynchronousOperations.Position =
                        (try? pipeline.handler(type: NIOSSLClientHandler.self)).map { .after($0) } ?? .first
                    try pipeline.addHandler(
                        IdleStateHandler(
                            readTimeout: self.configuration.deadAfter, writeTimeout: self.configuration.pingInterval),
                        position: position)
                    try pipeline.addHandler(
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 1024,
                            maxAccumulatedFrameSize: self.configuration.maxFrameSize))
                    try pipeline.addHandler(ClientFrameHandler(connection: self))
                }
                attempt = 0
                lastTLSFailure = nil
                state.withLockedValue { $0.lastError = nil }
                if becomeConnected(channel) {
                    logger.debug("connected to tracker")
                    try? await channel.closeFuture.get()
                } else {
                    try? await channel.close()
                }
                becomeDisconnected(channel)
            } catch {
                if let reason = ClientTLS.failure(
                    error, endpoint: endpoint, trustRootsFile: configuration.trustRootsFile)
                {
                    let failure = TrackerClientError.tls(reason)
                    // Once per distinct reason, not at every retry.
                    if failure != lastTLSFailure { logger.warning("cannot connect to tracker (retrying): \(failure)") }
                    lastTLSFailure = failure
                    failTLS(failure)
                } else {
                    logger.debug("cannot connect to tracker", metadata: ["error": "\(error)"])
                }
                state.withLockedValue { $0.lastError = "\(error)" }
            }
            guard !isClosed, !Task.isCancelled else { break }
            let delay = configuration.backoff.delay(attempt: attempt)
            attempt += 1
            try? await Task.sleep(nanoseconds: UInt64(max(0, delay.nanoseconds)))
        }
    }

    /// Records the new socket, wakes what waited for one and subscribes again to every key.
    /// False when the client was closed meanwhile.
    private func becomeConnected(_ channel: any Channel) -> Bool {
        let waiters: [Waiter]? = state.withLockedValue { state in
            guard !state.closed else { return nil }
            state.channel = channel
            state.connections += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        guard let waiters else { return false }
        state.withLockedValue { $0.tlsFailure = nil }
        for waiter in waiters { waiter.resume(returning: .success(channel)) }
        // Keys added from here on are sent by `send`, which sees the channel set above.
        for key in feed.keys { Self.write(.subscribe(key: key), on: channel) }
        return true
    }

    /// Records a TLS failure and fails what waits for a socket with it: retrying goes on (the
    /// tracker's certificate may be fixed), but a caller learns now why there is no connection.
    private func failTLS(_ failure: TrackerClientError) {
        let waiters: [Waiter] = state.withLockedValue { state in
            state.tlsFailure = failure
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: .failure(failure)) }
    }

    /// Forgets the socket and fails the publishes that waited on it.
    private func becomeDisconnected(_ channel: any Channel) {
        let replies: [Reply] = state.withLockedValue { state in
            guard let current = state.channel, current === channel else { return [] }
            state.channel = nil
            defer { state.pending.removeAll() }
            return state.pending.compactMap(\.reply)
        }
        for reply in replies { reply.resume(returning: .failure(.connectionLost)) }
        if !isClosed { logger.info("tracker connection lost, reconnecting") }
    }

    // MARK: Requests

    /// Sends a subscribe or unsubscribe now if connected (else the reconnect does).
    func send(_ message: ClientMessage) {
        state.withLockedValue { state in
            if let channel = state.channel { Self.write(message, on: channel) }
        }
    }

    /// Publishes and waits for the tracker's reply (stored, or refused with its code).
    func publish(_ manifest: SignedManifest) async -> Result<PublishReceipt, TrackerClientError> {
        let deadline = NIODeadline.now() + configuration.requestTimeout
        let channel: any Channel
        switch await waitForChannel(until: deadline) {
        case .success(let open): channel = open
        case .failure(let error): return .failure(error)
        }
        let message = ClientMessage.publish(manifest: manifest.jsonBytes)
        let id = makeID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (reply: Reply) in
                let queued = state.withLockedValue { state -> Bool in
                    guard !state.closed, let current = state.channel, current === channel else { return false }
                    // Queued and written under one lock: the queue's order is the wire's order.
                    state.pending.append(
                        PendingPublish(id: id, key: manifest.channelID, sequence: manifest.sequence, reply: reply))
                    Self.write(message, on: channel)
                    return true
                }
                guard queued else { return reply.resume(returning: .failure(.connectionLost)) }
                group.next().scheduleTask(deadline: deadline) { self.abandon(id, with: .timedOut) }
            }
        } onCancel: {
            self.abandon(id, with: .cancelled)
        }
    }

    /// Waits until a socket is open, up to `deadline`.
    func waitForChannel(until deadline: NIODeadline) async -> Result<any Channel, TrackerClientError> {
        let id = makeID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: Waiter) in
                let now: Result<any Channel, TrackerClientError>? = state.withLockedValue { state in
                    if state.closed { return .failure(.closed) }
                    if let channel = state.channel { return .success(channel) }
                    if let failure = state.tlsFailure { return .failure(failure) }
                    state.waiters[id] = waiter
                    return nil
                }
                if let now { return waiter.resume(returning: now) }
                group.next().scheduleTask(deadline: deadline) { self.stopWaiting(id, with: .timedOut) }
            }
        } onCancel: {
            self.stopWaiting(id, with: .cancelled)
        }
    }

    private func makeID() -> UInt64 {
        state.withLockedValue { state in
            state.nextID += 1
            return state.nextID
        }
    }

    private func abandon(_ id: UInt64, with error: TrackerClientError) {
        let reply: Reply? = state.withLockedValue { state in
            guard let index = state.pending.firstIndex(where: { $0.id == id }) else { return nil }
            defer { state.pending[index].reply = nil }
            return state.pending[index].reply
        }
        reply?.resume(returning: .failure(error))
    }

    private func stopWaiting(_ id: UInt64, with error: TrackerClientError) {
        state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume(returning: .failure(error))
    }

    // MARK: Replies

    /// A message from the tracker on `channel` (called on its event loop).
    func received(_ message: ServerMessage, on channel: any Channel) {
        switch message {
        case .stored(let key, let sequence):
            resolvePublish(on: channel) { pending in
                pending.key == key && pending.sequence == sequence
                    ? .success(PublishReceipt(key: key, sequence: sequence))
                    : .failure(
                        .unexpectedReply(
                            "stored \(key) #\(sequence) for a publish of \(pending.key) #\(pending.sequence)"))
            }
        case .failure(let failure) where failure.action == "publish":
            resolvePublish(on: channel) { _ in .failure(.refused(failure)) }
        case .failure(let failure):
            logger.warning("tracker refused", metadata: ["code": "\(failure.code)", "reason": "\(failure.reason)"])
        case .manifest(let key, let bytes):
            switch feed.receive(key: key, manifest: bytes) {
            case .invalid(let error):
                logger.warning("invalid manifest from tracker", metadata: ["key": "\(key)", "error": "\(error)"])
            case .equivocation:
                logger.error("two different manifests with one sequence (equivocation)", metadata: ["key": "\(key)"])
            case .delivered, .stale, .notSubscribed:
                break
            }
        case .subscribed, .unsubscribed:
            break
        }
    }

    private func resolvePublish(
        on channel: any Channel, _ result: (PendingPublish) -> Result<PublishReceipt, TrackerClientError>
    ) {
        let resolved: (Reply, Result<PublishReceipt, TrackerClientError>)? = state.withLockedValue { state in
            guard let current = state.channel, current === channel, let pending = state.pending.popFirst() else {
                return nil
            }
            guard let reply = pending.reply else { return nil }
            return (reply, result(pending))
        }
        if let (reply, result) = resolved { reply.resume(returning: result) }
    }

    private static func write(_ message: ClientMessage, on channel: any Channel) {
        let bytes = TrackerCodec.encode(message)
        // Always through the loop's queue, never inline: writes keep the order of the calls and
        // nothing runs under the caller's lock.
        channel.eventLoop.execute {
            let frame = WebSocketFrame(
                fin: true, opcode: .text, maskKey: .random(), data: channel.allocator.buffer(bytes: bytes))
            channel.writeAndFlush(frame, promise: nil)
        }
    }
}
