import MegatorrentCrypto
import NIOCore

/// Runs ``SAMClientStateMachine`` on a fresh TCP connection to the SAM bridge, before the
/// application's handlers exist. When the request finishes it calls `install` (for a stream: the
/// application's handlers go after it, the channel already active), succeeds `finished`, and:
/// for a stream, passes on the bytes that came after the last SAM line and removes itself, so the
/// same channel carries the raw I2P stream; for a session, stays and watches the control
/// connection (its closing ends the session). On failure it fails `finished` with a ``SAMError``
/// and closes the connection.
public final class SAMClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var machine: SAMClientStateMachine
    private let finished: EventLoopPromise<SAMOutcome>
    private let install: (ChannelHandlerContext, SAMOutcome) throws -> Void
    private let timeout: TimeAmount?
    private var timer: Scheduled<Void>?
    private var started = false
    private var done = false

    /// `timeout` bounds the exchange from the TCP connect to the outcome (for `STREAM ACCEPT`, pass
    /// nil: it waits for a peer).
    public init(
        machine: SAMClientStateMachine, timeout: TimeAmount?, finished: EventLoopPromise<SAMOutcome>,
        install: @escaping (ChannelHandlerContext, SAMOutcome) throws -> Void = { _, _ in }
    ) {
        self.machine = machine
        self.timeout = timeout
        self.finished = finished
        self.install = install
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        if !done { fail(.closedByBridge(step: machine.stage), context: nil) }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if !done { fail(machine.connectionClosed(), context: nil) }
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !done else { return context.fireErrorCaught(error) }
        fail((error as? SAMError) ?? .closedByBridge(step: "\(machine.stage): \(error)"), context: context)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }  // a session's control connection: later lines are not acted on
        let buffer = Self.unwrapInboundIn(data)
        switch machine.receive(buffer.readableBytesView) {
        case .needMoreData:
            break
        case .send(var bytes):
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
            secureWipe(&bytes)
        case .failed(let error):
            fail(error, context: context)
        case let .finished(outcome, leftover):
            done = true
            timer?.cancel()
            do {
                try install(context, outcome)
            } catch {
                finished.fail(error)
                context.close(promise: nil)
                return
            }
            finished.succeed(outcome)
            switch outcome {
            case .streamConnected, .streamAccepted:
                if !leftover.isEmpty {
                    context.fireChannelRead(Self.wrapInboundOut(ByteBuffer(bytes: leftover)))
                    context.fireChannelReadComplete()
                }
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            case .sessionCreated:
                break
            case .destinationGenerated, .lookedUp:
                context.close(promise: nil)
            }
        }
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        if let timeout {
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) {
                let handler = loopBoundSelf.value
                handler.fail(.timedOut(step: handler.machine.stage), context: loopBoundContext.value)
            }
        }
        context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: machine.start())), promise: nil)
    }

    private func fail(_ error: SAMError, context: ChannelHandlerContext?) {
        guard !done else { return }
        done = true
        timer?.cancel()
        finished.fail(error)
        context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension SAMClientHandler: Sendable {}
