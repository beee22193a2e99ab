import MegatorrentCrypto
import MegatorrentNoise
import NIOCore

/// What a finished handshake tells the socket.
struct HandshakeOutcome: Sendable {
    let remoteStatic: [UInt8]
    let handshakeHash: [UInt8]
}

/// Runs Megatorrent's IK handshake on a fresh connection, as initiator or responder, under a
/// deadline. On success it calls `install` (which adds the record handlers after it), removes
/// itself and succeeds `outcome`; on any failure it fails `outcome` and closes the connection.
/// Nothing received is acted on before the handshake completes.
final class HandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Side {
        case initiator(InitiatorHandshake, remoteStatic: [UInt8])
        case responder(ResponderHandshake, authorize: (@Sendable ([UInt8]) -> Bool)?)
    }

    private var side: Side
    private let configuration: SecureTransportConfiguration
    private let install: (ChannelHandlerContext, RecordLayer) throws -> Void
    private let outcome: EventLoopPromise<HandshakeOutcome>
    private var timeout: Scheduled<Void>?
    private var started = false
    private var finished = false

    init(
        side: Side, configuration: SecureTransportConfiguration, outcome: EventLoopPromise<HandshakeOutcome>,
        install: @escaping (ChannelHandlerContext, RecordLayer) throws -> Void
    ) {
        self.side = side
        self.configuration = configuration
        self.outcome = outcome
        self.install = install
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        if !finished { fail(.closedDuringHandshake, context: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closedDuringHandshake, context: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(.from(error), context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        var buffer = Self.unwrapInboundIn(data)
        let message = buffer.readBytes(length: buffer.readableBytes) ?? []
        do throws(NoiseError) {
            let records: RecordLayer, remoteStatic: [UInt8]
            switch side {
            case let .initiator(handshake, expected):
                // <- e, ee, se (empty payload)
                records = try handshake.consumeResponse(message, maxMessageSize: configuration.maxMessageSize)
                remoteStatic = expected
            case let .responder(handshake, authorize):
                // -> e, es, s, ss (timestamp payload; replay-checked)
                let (initiatorStatic, _) = try handshake.consumeInitiation(message)
                if let authorize, !authorize(initiatorStatic) {
                    fail(.peerRefused, context: context)
                    return
                }
                // <- e, ee, se
                let (response, layer) = try handshake.response(maxMessageSize: configuration.maxMessageSize)
                context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: NoiseFraming.frame(response))), promise: nil)
                records = layer
                remoteStatic = initiatorStatic
            }
            complete(context: context, records: records, outcome: HandshakeOutcome(remoteStatic: remoteStatic, handshakeHash: records.handshakeHash))
        } catch {
            fail(.handshakeFailed(error), context: context)
        }
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: configuration.handshakeTimeout) {
            loopBoundSelf.value.fail(.handshakeTimeout, context: loopBoundContext.value)
        }
        if case let .initiator(handshake, _) = side {
            do throws(NoiseError) {
                // -> e, es, s, ss with the TAI64N timestamp
                let initiation = try handshake.initiation()
                context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: NoiseFraming.frame(initiation))), promise: nil)
            } catch {
                fail(.handshakeFailed(error), context: context)
            }
        }
    }

    private func complete(context: ChannelHandlerContext, records: RecordLayer, outcome value: HandshakeOutcome) {
        finished = true
        timeout?.cancel()
        do {
            try install(context, records)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            outcome.succeed(value)
        } catch {
            outcome.fail(error)
            context.close(promise: nil)
        }
    }

    private func fail(_ error: SecureTransportError, context: ChannelHandlerContext?) {
        guard !finished else { return }
        finished = true
        timeout?.cancel()
        outcome.fail(error)
        context?.close(promise: nil)
    }
}
