import MegatorrentNoise
import NIOCore

/// Splits the TCP stream into Noise frames (2-byte big-endian length, then the body) and passes
/// each body on as a `ByteBuffer` slice of what was read. A zero length or one over
/// `maxBodyLength` fires an error before any body byte is buffered, and nothing is read after.
///
/// Unlike NIO's `ByteToMessageHandler`, which appends every read to its cumulation buffer when a
/// frame straddles two reads (nearly always, for a stream of 16 KiB records), this copies only the
/// straddling frame: bulk data is sliced, not copied.
final class NoiseFrameDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The largest frame body: a transport record (16,400 bytes); handshake messages are smaller.
    static let maxBodyLength = max(RecordLayer.recordLength, SecureProfile.initiationLength)

    /// The start of a frame that the last read cut short (less than one frame).
    private var partial: ByteBuffer?
    private var failed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var buffer = Self.unwrapInboundIn(data)
        do {
            if var started = partial {
                partial = nil
                // Complete the straddling frame from the front of this read.
                while true {
                    let needed = try Self.frameLength(started).map { $0 - started.readableBytes } ?? (NoiseFraming.headerLength - started.readableBytes)
                    guard needed > 0 else { break }
                    guard buffer.readableBytes > 0 else {
                        partial = started
                        return
                    }
                    var piece = buffer.readSlice(length: min(needed, buffer.readableBytes))!
                    started.writeBuffer(&piece)
                }
                try emit(&started, context: context)
            }
            while let length = try Self.frameLength(buffer), buffer.readableBytes >= length {
                try emit(&buffer, context: context)
            }
            if buffer.readableBytes > 0 {
                // Keep only the cut frame, in a buffer of its own (the read buffer is not retained).
                var rest = context.channel.allocator.buffer(capacity: Self.maxBodyLength + NoiseFraming.headerLength)
                rest.writeBuffer(&buffer)
                partial = rest
            }
        } catch {
            failed = true
            partial = nil
            context.fireErrorCaught(error)
        }
    }

    /// The whole frame's length (header included) once the header is there; throws for an empty or
    /// oversized frame.
    private static func frameLength(_ buffer: ByteBuffer) throws -> Int? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) else { return nil }
        guard length > 0 else { throw SecureTransportError.emptyFrame }
        guard Int(length) <= maxBodyLength else { throw SecureTransportError.frameTooLarge(Int(length)) }
        return NoiseFraming.headerLength + Int(length)
    }

    /// Passes on the frame body at the front of `buffer` (which holds the whole frame).
    private func emit(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) throws {
        let length = Int(buffer.readInteger(as: UInt16.self)!)
        context.fireChannelRead(Self.wrapInboundOut(buffer.readSlice(length: length)!))
    }
}
