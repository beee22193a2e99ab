import NIOCore

/// Runs ``SOCKS5ClientStateMachine`` on a fresh connection to the proxy, before the application's
/// handlers exist. Once the tunnel is open it calls `install` (which adds the application's handlers
/// after it, on the event loop, with the channel already active), passes on any bytes of the target
/// that arrived with the reply, removes itself and succeeds `established`. On any failure it fails
/// `established` with a ``SOCKS5Error`` and closes the connection. Nothing the application writes
/// can reach the proxy before the tunnel is open, because the application is not in the pipeline yet.
public final class SOCKS5ClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var machine: SOCKS5ClientStateMachine
    private let established: EventLoopPromise<Void>
    private let install: (ChannelHandlerContext) throws -> Void
    private let timeout: TimeAmount?
    private var timer: Scheduled<Void>?
    private var started = false
    private var finished = false

    /// A handler for one connection. `timeout` bounds the whole exchange from the TCP connect.
    public init(
        machine: SOCKS5ClientStateMachine, timeout: TimeAmount?, established: EventLoopPromise<Void>,
        install: @escaping (ChannelHandlerContext) throws -> Void
    ) {
        self.machine = machine
        self.timeout = timeout
        self.established = established
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
        if !finished { fail(.closedByProxy(stage: machine.stage), context: nil) }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if !finished { fail(machine.connectionClosed(), context: nil) }
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !finished else { return context.fireErrorCaught(error) }
        fail((error as? SOCKS5Error) ?? .closedByProxy(stage: "\(machine.stage): \(error)"), context: context)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        let buffer = Self.unwrapInboundIn(data)
        switch machine.receive(buffer.readableBytesView) {
        case .needMoreData:
            break
        case .send(let bytes):
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
        case .failed(let error):
            fail(error, context: context)
        case .established(_, _, let leftover):
            finished = true
            timer?.cancel()
            do {
                try install(context)
            } catch {
                established.fail(error)
                context.close(promise: nil)
                return
            }
            established.succeed(())
            if !leftover.isEmpty {
                context.fireChannelRead(Self.wrapInboundOut(ByteBuffer(bytes: leftover)))
                context.fireChannelReadComplete()
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
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
                handler.fail(.timedOut(stage: handler.machine.stage), context: loopBoundContext.value)
            }
        }
        context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: machine.start())), promise: nil)
    }

    private func fail(_ error: SOCKS5Error, context: ChannelHandlerContext?) {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        established.fail(error)
        context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension SOCKS5ClientHandler: Sendable {}
