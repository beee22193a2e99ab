import MegatorrentNoise
import NIOCore

/// What the socket asks the record handler to send.
enum SecureOutbound: Sendable {
    /// An application message (cut into cells).
    case message([UInt8])
    /// A rekey cell (the sending key changes after it).
    case rekey
    /// The close cell; the connection closes once it is written.
    case close
}

/// Seals outgoing messages into fixed-size records and opens incoming ones (one frame body per
/// record). Passes whole messages on; any failure fires an error (and the inbox closes the
/// connection). The peer's close record ends the stream cleanly: this side answers with its own
/// close record and closes.
final class RecordHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = [UInt8]
    typealias OutboundIn = SecureOutbound
    typealias OutboundOut = ByteBuffer

    /// Fired inbound when the peer's close record arrived.
    struct PeerClosed {}

    private let records: RecordLayer
    private var sentClose = false
    private var failed = false
    private var scratch: [UInt8] = []  // rekey and close records

    init(records: RecordLayer) {
        self.records = records
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let buffer = Self.unwrapInboundIn(data)
        do throws(NoiseError) {
            let event = try buffer.withUnsafeReadableBytes { (bytes) -> Result<RecordLayer.Event, NoiseError> in
                Result { () throws(NoiseError) in try records.open(record: bytes) }
            }.get()
            switch event {
            case let .message(message): context.fireChannelRead(Self.wrapInboundOut(message))
            case .partial, .rekeyed: break
            case .closed:
                context.fireUserInboundEventTriggered(PeerClosed())
                sendClose(context: context, promise: nil)
            }
        } catch {
            failed = true
            context.fireErrorCaught(SecureTransportError.recordFailed(error))
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Self.unwrapOutboundIn(data) {
        case let .message(message):
            // Seal straight into the buffer that goes to the socket: no intermediate copies.
            guard message.count <= records.maxMessageSize else {
                promise?.fail(SecureTransportError.messageTooLarge(message.count))
                return
            }
            let length = RecordLayer.sealedLength(messageLength: message.count)
            var buffer = context.channel.allocator.buffer(capacity: length)
            var failure: NoiseError?
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { output in
                message.withUnsafeBytes { bytes in
                    do throws(NoiseError) { return try records.sealMessage(bytes, into: output) } catch {
                        failure = error
                        return 0
                    }
                }
            }
            if let failure {
                // The sending side cannot go on (nonce exhausted): close the connection.
                promise?.fail(SecureTransportError.recordFailed(failure))
                context.fireErrorCaught(SecureTransportError.recordFailed(failure))
            } else {
                context.write(Self.wrapOutboundOut(buffer), promise: promise)
            }
        case .rekey:
            scratch.removeAll(keepingCapacity: true)
            do throws(NoiseError) {
                try records.sealRekey(into: &scratch)
            } catch {
                promise?.fail(SecureTransportError.recordFailed(error))
                return
            }
            context.write(Self.wrapOutboundOut(ByteBuffer(bytes: scratch)), promise: promise)
        case .close:
            sendClose(context: context, promise: promise)
        }
    }

    /// Writes the close record once, then closes the connection.
    private func sendClose(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard !sentClose else {
            context.close(promise: promise)
            return
        }
        sentClose = true
        var framed: [UInt8] = []
        if (try? records.sealClose(into: &framed)) != nil {
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: framed)), promise: nil)
        }
        context.close(promise: promise)
    }
}
