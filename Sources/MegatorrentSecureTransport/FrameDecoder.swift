import MegatorrentNoise
import NIOCore

/// Splits the TCP stream into Noise frames (2-byte big-endian length, then the body) and passes
/// each body on as a `ByteBuffer`. A zero length or one over `maxBodyLength` is an error before
/// any body byte is buffered.
struct NoiseFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// The largest frame body: a transport record (4,112 bytes); handshake messages are smaller.
    static let maxBodyLength = max(RecordLayer.recordLength, SecureProfile.initiationLength)

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) else { return .needMoreData }
        guard length > 0 else { throw SecureTransportError.emptyFrame }
        guard Int(length) <= Self.maxBodyLength else { throw SecureTransportError.frameTooLarge(Int(length)) }
        guard buffer.readableBytes >= NoiseFraming.headerLength + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: NoiseFraming.headerLength)
        context.fireChannelRead(Self.wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
