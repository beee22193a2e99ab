import NIOCore

/// A whole WebSocket text frame as a server sends it (RFC 6455 §5.2: FIN set, opcode 1, not
/// masked), header and payload in one buffer, so that one frame made once can be written as it is
/// to any number of sockets.
enum ServerTextFrame {
    /// The frame header's length for a payload of `count` bytes: 2, 4 (up to 65,535) or 10.
    static func headerLength(payload count: Int) -> Int {
        switch count {
        case ...125: 2
        case ...0xFFFF: 4
        default: 10
        }
    }

    /// The header length of `frame`, a frame made by ``encode(_:)``.
    static func headerLength(of frame: ByteBuffer) -> Int {
        switch frame.getInteger(at: frame.readerIndex + 1, as: UInt8.self)! & 0x7F {
        case 126: 4
        case 127: 10
        default: 2
        }
    }

    /// The frame carrying `payload`, in a buffer of exactly header plus payload bytes.
    static func encode(_ payload: [UInt8]) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.reserveCapacity(headerLength(payload: payload.count) + payload.count)
        frame.writeInteger(UInt8(0x81))  // FIN, text
        switch payload.count {
        case ...125:
            frame.writeInteger(UInt8(payload.count))
        case ...0xFFFF:
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(payload.count))  // network byte order
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(payload.count))
        }
        frame.writeBytes(payload)
        return frame
    }
}
