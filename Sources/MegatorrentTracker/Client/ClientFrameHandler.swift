import Logging
import NIOCore
import NIOWebSocket

/// The client side of one WebSocket to a tracker: decodes server messages and hands them to the
/// connection, answers pings, sends pings when quiet, and drops a connection that went silent.
final class ClientFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let connection: TrackerConnection
    private var closing = false

    init(connection: TrackerConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            let decoded = frame.unmaskedData.withUnsafeReadableBytes { raw in
                Result { () throws(TrackerProtocolError) in try TrackerCodec.decodeServerMessage(raw) }
            }
            switch decoded {
            case .success(let message): connection.received(message, on: context.channel)
            case .failure(let error):
                connection.logger.warning("undecodable message from tracker", metadata: ["error": "\(error)"])
            }
        case .ping:
            send(context, .pong, frame.unmaskedData)
        case .connectionClose:
            if !closing {
                closing = true
                var data = frame.unmaskedData
                let code =
                    data.readableBytes >= 2 ? data.readSlice(length: 2)! : context.channel.allocator.buffer(capacity: 0)
                let written = context.writeAndFlush(
                    wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: code))
                )
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        default:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent else {
            return context.fireUserInboundEventTriggered(event)
        }
        switch idle {
        case .write: send(context, .ping, context.channel.allocator.buffer(capacity: 0))
        case .read:
            connection.logger.info("tracker silent, reconnecting", metadata: ["tracker": "\(connection.endpoint)"])
            context.close(promise: nil)
        case .all: break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.logger.debug("tracker connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func send(_ context: ChannelHandlerContext, _ opcode: WebSocketOpcode, _ data: ByteBuffer) {
        guard !closing else { return }
        context.writeAndFlush(
            wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)), promise: nil)
    }
}
