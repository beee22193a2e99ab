/// Noise's framing over a stream (specification section 13): every Noise message (handshake
/// message or transport record) is sent as a 2-byte big-endian length, then that many bytes.
public enum NoiseFraming {
    /// The length prefix.
    public static let headerLength = 2
    /// The largest frame body a 2-byte length can carry, which is also Noise's message limit.
    public static let maxBodyLength = 65_535

    /// Appends `body` with its length prefix to `output`.
    public static func append(_ body: some Collection<UInt8>, to output: inout [UInt8]) {
        precondition(body.count <= maxBodyLength, "a Noise frame carries at most 65,535 bytes")
        output.append(UInt8(body.count >> 8))
        output.append(UInt8(body.count & 0xff))
        output.append(contentsOf: body)
    }

    /// `body` with its length prefix.
    public static func frame(_ body: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(headerLength + body.count)
        append(body, to: &output)
        return output
    }

    /// Reads frames out of a byte stream: feed bytes with `append`, take frames with `next`.
    /// A zero length or a length over `maxBodyLength` (the caller's limit) is refused before the
    /// body is buffered.
    public struct Parser: Sendable {
        /// The largest body accepted.
        public let maxBodyLength: Int
        private var buffer: [UInt8] = []
        private var start = 0

        /// A parser refusing bodies over `maxBodyLength` bytes.
        public init(maxBodyLength: Int = NoiseFraming.maxBodyLength) {
            self.maxBodyLength = min(maxBodyLength, NoiseFraming.maxBodyLength)
        }

        /// Adds bytes received.
        public mutating func append(_ bytes: some Collection<UInt8>) {
            if start > 0, start == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            buffer.append(contentsOf: bytes)
        }

        /// The next complete frame body, or nil when more bytes are needed.
        public mutating func next() throws(NoiseError) -> [UInt8]? {
            guard buffer.count - start >= headerLength else { return nil }
            let length = Int(buffer[start]) << 8 | Int(buffer[start + 1])
            guard length > 0 else { throw .malformedMessage("empty frame") }
            guard length <= maxBodyLength else { throw .messageTooLarge(length) }
            guard buffer.count - start - headerLength >= length else { return nil }
            let body = Array(buffer[(start + headerLength)..<(start + headerLength + length)])
            start += headerLength + length
            if start > 65_536, start * 2 > buffer.count {
                buffer.removeFirst(start)
                start = 0
            }
            return body
        }

        /// Bytes received but not yet returned as frames.
        public var bufferedCount: Int { buffer.count - start }
    }
}
