import NIOCore
import NIOWebSocket

/// One WebSocket of the tracker, after the upgrade: decodes messages, answers them, keeps the
/// socket's subscriptions and sends manifest messages to it.
///
/// Publishes from one socket are handled one at a time, in order (verification and the commit run
/// on worker threads), so their replies come back in the order they were sent. Everything here
/// runs on the socket's event loop.
final class WebSocketConnectionHandler: ChannelInboundHandler, RemovableChannelHandler, ManifestSink {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// A subscribed key and the sequence of the last manifest sent for it on this socket.
    private struct Subscription {
        var lastSent: UInt64?
    }

    private let core: TrackerCore
    private var context: ChannelHandlerContext?
    /// The WebSocket frame encoder's context: a whole frame written there goes straight to the
    /// socket (through TLS when configured), in order with the frames this handler writes through
    /// the encoder. Nil only when the pipeline has no encoder (then frames go through this handler).
    private var frameOutput: ChannelHandlerContext?
    private var subscriber: Subscriber?
    private var subscriptions: [String: Subscription] = [:]
    private var publishQueue = CircularBuffer<[UInt8]>()
    private var publishing = false
    /// Held-manifest lookups in progress for this socket.
    private var lookups = 0
    /// Set once a close frame was sent: nothing else is written.
    private var closing = false
    private var rateLimitName = "unknown"

    init(core: TrackerCore) { self.core = core }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        frameOutput = try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        subscriber = Subscriber(id: core.registry.makeID(), sink: self, eventLoop: context.eventLoop)
        rateLimitName = PeerAddress(context.channel.remoteAddress)?.rateLimitName ?? "unknown"
        core.metrics.webSockets.wrappingAdd(1, ordering: .relaxed)
    }

    func handlerRemoved(context: ChannelHandlerContext) { tearDown() }

    func channelInactive(context: ChannelHandlerContext) {
        tearDown()
        context.fireChannelInactive()
    }

    /// Leaves the registry; breaks the handler-subscriber cycle.
    private func tearDown() {
        guard let subscriber else { return }
        for key in subscriptions.keys { core.registry.unsubscribe(key, id: subscriber.id) }
        subscriptions = [:]
        publishQueue.removeAll()
        self.subscriber = nil
        context = nil
        frameOutput = nil
        core.metrics.webSockets.wrappingSubtract(1, ordering: .relaxed)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            guard !closing else { return }
            handleMessage(frame.unmaskedData)
        case .ping:
            guard !closing else { return }
            context.writeAndFlush(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            if closing {
                context.close(promise: nil)
            } else {
                // Echo the peer's status code, then close.
                var data = frame.unmaskedData
                let code = data.readableBytes >= 2 ? data.readSlice(length: 2) : nil
                close(context, data: code ?? context.channel.allocator.buffer(capacity: 0))
            }
        default:
            break  // pongs; continuations were joined by the aggregator
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            core.metrics.closed(.idle)
            close(context, code: .goingAway)
        } else if event is TrackerShutdownEvent {
            core.metrics.closed(.shutdown)
            close(context, code: .goingAway)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case NIOWebSocketError.invalidFrameLength:
            // WebSocketProtocolErrorHandler already sent close 1009 and closes the socket.
            closing = true
            core.metrics.closed(.oversized)
        case is NIOWebSocketError:
            closing = true
            core.metrics.closed(.protocolError)
        case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge:
            core.metrics.closed(.oversized)
            close(context, code: .messageTooLarge)
        case is NIOWebSocketFrameAggregator.Error:
            core.metrics.closed(.protocolError)
            close(context, code: .protocolError)
        default:
            context.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Past the high water mark (maxPendingBytes): a reader this slow is dropped rather than
        // buffered for.
        if !context.channel.isWritable {
            core.metrics.closed(.slowReader)
            closing = true
            context.close(promise: nil)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Messages

    private func handleMessage(_ buffer: ByteBuffer) {
        let decoded = buffer.withUnsafeReadableBytes { raw in
            Result { () throws(TrackerProtocolError) in try TrackerCodec.decodeClientMessage(raw) }
        }
        switch decoded {
        case .failure(let error): refuse(TrackerFailure(error))
        case .success(.publish(let manifest)): enqueuePublish(manifest)
        case .success(.subscribe(let key)): subscribe(key)
        case .success(.unsubscribe(let key)): unsubscribe(key)
        }
    }

    private func enqueuePublish(_ manifest: [UInt8]) {
        guard core.addressLimiter.take(rateLimitName, now: core.clock()) else {
            return refuse(
                TrackerFailure(
                    code: TrackerFailureCode.rateLimited, reason: "rate limited: too many publishes from this address",
                    action: "publish"))
        }
        guard publishQueue.count < core.configuration.maxQueuedPublishesPerSocket else {
            return refuse(
                TrackerFailure(
                    code: TrackerFailureCode.rateLimited,
                    reason: "rate limited: too many publishes waiting on this socket", action: "publish"))
        }
        publishQueue.append(manifest)
        startNextPublish()
    }

    private func startNextPublish() {
        guard !publishing, let context, let manifest = publishQueue.popFirst() else { return }
        publishing = true
        core.publish(manifest, on: context.eventLoop).assumeIsolated().whenSuccess { outcome in
            self.publishing = false
            self.finishPublish(outcome)
            self.startNextPublish()
        }
    }

    /// Acknowledges (the manifest is committed by now), then broadcasts.
    private func finishPublish(_ outcome: PublishOutcome) {
        switch outcome {
        case .stored(let key, let sequence, let held):
            core.metrics.publishStored()
            send(.stored(key: key, sequence: sequence))
            core.registry.broadcast(key, held)
        case .refused(let failure):
            refuse(failure)
        }
    }

    private func subscribe(_ key: String) {
        guard let subscriber, let context else { return }
        if subscriptions[key] != nil { return send(.subscribed(key: key)) }
        guard subscriptions.count < core.configuration.maxSubscriptionsPerSocket else {
            return refuse(
                TrackerFailure(
                    code: TrackerFailureCode.tooManySubscriptions,
                    reason:
                        "too many subscriptions on this socket (limit \(core.configuration.maxSubscriptionsPerSocket))",
                    action: "subscribe", key: key))
        }
        guard lookups < core.configuration.maxLookupsPerSocket else {
            return refuse(
                TrackerFailure(
                    code: TrackerFailureCode.serverBusy, reason: "server busy: too many subscribes in progress",
                    action: "subscribe", key: key))
        }
        subscriptions[key] = Subscription()
        // Registered before the held manifest is looked up, so no newer commit can fall between.
        let held = core.registry.subscribe(key, subscriber)
        send(.subscribed(key: key))
        if let held {
            deliverCounted(key: key, held: held)
        } else {
            lookups += 1
            core.loadHeld(key, on: context.eventLoop).assumeIsolated().whenSuccess { held in
                self.lookups -= 1
                if let held { self.deliverCounted(key: key, held: held) }
            }
        }
    }

    private func unsubscribe(_ key: String) {
        if subscriptions.removeValue(forKey: key) != nil, let subscriber {
            core.registry.unsubscribe(key, id: subscriber.id)
        }
        send(.unsubscribed(key: key))
    }

    /// Sends a manifest message unless this socket is no longer subscribed to `key` or already got
    /// one as new for it; returns whether it did (the caller counts it in the metrics).
    ///
    /// The broadcast path: the frame made once for every socket is written below the frame
    /// encoder, so a delivery costs one write and one flush of a shared buffer (one syscall).
    func deliver(key: String, held: SubscriptionRegistry.Held) -> Bool {
        guard let context, !closing, let index = subscriptions.index(forKey: key) else { return false }
        if let last = subscriptions.values[index].lastSent, held.sequence <= last { return false }
        subscriptions.values[index].lastSent = held.sequence
        if let frameOutput {
            frameOutput.writeAndFlush(NIOAny(held.frame), promise: nil)
        } else {
            context.writeAndFlush(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: held.message)), promise: nil)
        }
        return true
    }

    /// ``deliver(key:held:)`` for one socket, counted in the metrics.
    private func deliverCounted(key: String, held: SubscriptionRegistry.Held) {
        if deliver(key: key, held: held) { core.metrics.manifestsSent.wrappingAdd(1, ordering: .relaxed) }
    }

    private func refuse(_ failure: TrackerFailure) {
        core.metrics.refused(code: failure.code)
        send(.failure(failure))
    }

    private func send(_ message: ServerMessage) {
        guard let context, !closing else { return }
        let buffer = context.channel.allocator.buffer(bytes: TrackerCodec.encode(message))
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    // MARK: Closing

    private func close(_ context: ChannelHandlerContext, code: WebSocketErrorCode) {
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        close(context, data: data)
    }

    /// Sends a close frame, then closes the socket once it is written.
    private func close(_ context: ChannelHandlerContext, data: ByteBuffer) {
        guard !closing else { return }
        closing = true
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
