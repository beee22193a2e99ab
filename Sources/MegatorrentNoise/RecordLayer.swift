import MegatorrentCrypto

/// The transport after Megatorrent's handshake: application messages travel in fixed-size cells,
/// each sealed as one Noise transport message (a "record") and framed with a 2-byte length, so
/// every record on the wire has the same length (docs/transport.md).
///
/// Plaintext cell (`cellSize` bytes): `type` (1) | `length` (2, big-endian) | `data` (`length`) |
/// zero padding. A message longer than `cellDataCapacity` is cut into `messageMore` cells, each
/// full, and a final `messageEnd` cell. Each direction rekeys (Noise `REKEY`) after every
/// `rekeyInterval` records, and right after a `rekey` cell. Any error is final: the record layer
/// refuses everything after, and the connection must close. Not `Sendable`: one connection's.
public final class RecordLayer {
    /// Plaintext bytes per cell: 16 KiB, TLS's largest record. Every record pays a fixed cost
    /// (AEAD set-up, framing, a handler pass): with 4 KiB cells (protocol version 1) a bulk stream
    /// took 15-30 % more CPU per MiB than TLS 1.3 with the same cipher, with 16 KiB cells it takes
    /// less (bench/run.sh --only secure-goodput). A small control message now costs one 16 KiB
    /// record on the wire, which the few messages of the wire protocol afford.
    public static let cellSize = 16_384
    /// The cell header: type and length.
    public static let cellHeaderLength = 3
    /// Data bytes per cell.
    public static let cellDataCapacity = cellSize - cellHeaderLength
    /// A sealed cell: plaintext plus the 16-byte tag.
    public static let recordLength = cellSize + 16
    /// A record on the wire, with its length prefix: 16,402 bytes, always.
    public static let frameLength = NoiseFraming.headerLength + recordLength
    /// Records per direction between automatic rekeys (2^20, 16 GiB of cells).
    public static let defaultRekeyInterval: UInt64 = 1 << 20
    /// The default largest application message (4 MiB).
    public static let defaultMaxMessageSize = 4 << 20

    /// The type byte of a cell.
    public enum CellType: UInt8, Sendable {
        /// The last (or only) piece of an application message.
        case messageEnd = 0x01
        /// A piece of an application message that continues in the next cell; always full.
        case messageMore = 0x02
        /// The sender rekeys its sending key right after this cell; no data.
        case rekey = 0x03
        /// The sender will send nothing more (an authenticated end, so that a truncated stream
        /// is told apart from a finished one); no data.
        case close = 0x04
    }

    /// What opening a record produced.
    public enum Event: Equatable, Sendable {
        /// A whole application message.
        case message([UInt8])
        /// A piece of a message; more cells follow.
        case partial
        /// The peer rekeyed (this side's receiving key followed).
        case rekeyed
        /// The peer closed.
        case closed
    }

    private let send: CipherState
    private let receive: CipherState
    /// The handshake hash, for binding higher-level signatures to this session.
    public let handshakeHash: [UInt8]
    /// The largest application message accepted or sent.
    public let maxMessageSize: Int
    /// Records per direction between automatic rekeys.
    public let rekeyInterval: UInt64
    private var sentSinceRekey: UInt64 = 0
    private var receivedSinceRekey: UInt64 = 0
    private var pending: [UInt8] = []
    /// The size of the last message that took several cells: the next one reserves that much at
    /// once instead of growing (and copying) its buffer step by step.
    private var lastLongMessage = 0
    private var sentClose = false
    private var receivedClose = false
    private var failed = false
    private var cell = [UInt8](repeating: 0, count: RecordLayer.cellSize)

    /// A record layer over the handshake's transport CipherStates.
    public init(
        send: CipherState, receive: CipherState, handshakeHash: [UInt8],
        maxMessageSize: Int = RecordLayer.defaultMaxMessageSize, rekeyInterval: UInt64 = RecordLayer.defaultRekeyInterval
    ) {
        precondition(rekeyInterval > 0)
        self.send = send
        self.receive = receive
        self.handshakeHash = handshakeHash
        self.maxMessageSize = maxMessageSize
        self.rekeyInterval = rekeyInterval
    }

    deinit { secureWipe(&cell) }

    /// The bytes `sealMessage` writes for a message of `length` bytes: one frame per cell.
    public static func sealedLength(messageLength length: Int) -> Int {
        max(1, (length + cellDataCapacity - 1) / cellDataCapacity) * frameLength
    }

    /// Seals `message` into framed records written at the start of `output`, which must hold
    /// `sealedLength(messageLength: message.count)` bytes; returns that length.
    @discardableResult
    public func sealMessage(_ message: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(NoiseError) -> Int {
        guard message.count <= maxMessageSize else { throw .applicationMessageTooLarge(message.count) }
        let total = Self.sealedLength(messageLength: message.count)
        precondition(output.count >= total, "output too small for the sealed message")
        var offset = 0, written = 0
        repeat {
            let length = min(Self.cellDataCapacity, message.count - offset)
            let last = offset + length == message.count
            try sealCell(
                last ? .messageEnd : .messageMore, UnsafeRawBufferPointer(rebasing: message[offset..<(offset + length)]),
                into: UnsafeMutableRawBufferPointer(rebasing: output[written..<(written + Self.frameLength)]))
            offset += length
            written += Self.frameLength
        } while offset < message.count
        return total
    }

    /// Seals `message` into framed records appended to `output`.
    public func sealMessage(_ message: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(NoiseError) {
        guard message.count <= maxMessageSize else { throw .applicationMessageTooLarge(message.count) }
        let start = output.count
        output += repeatElement(0, count: Self.sealedLength(messageLength: message.count))
        _ = try withMutableBytes(&output) { (buffer) throws(NoiseError) in
            try sealMessage(message, into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Seals `message` into framed records appended to `output`.
    public func sealMessage(_ message: [UInt8], into output: inout [UInt8]) throws(NoiseError) {
        try withBytes(message) { (bytes) throws(NoiseError) in try sealMessage(bytes, into: &output) }
    }

    /// Seals a `rekey` cell (appended to `output`), then rekeys the sending key.
    public func sealRekey(into output: inout [UInt8]) throws(NoiseError) {
        try sealEmptyCell(.rekey, into: &output)
    }

    /// Seals a `close` cell (appended to `output`); nothing can be sealed after it.
    public func sealClose(into output: inout [UInt8]) throws(NoiseError) {
        try sealEmptyCell(.close, into: &output)
        sentClose = true
    }

    private func sealEmptyCell(_ type: CellType, into output: inout [UInt8]) throws(NoiseError) {
        let start = output.count
        output += repeatElement(0, count: Self.frameLength)
        try withMutableBytes(&output) { (buffer) throws(NoiseError) in
            try sealCell(type, UnsafeRawBufferPointer(start: nil, count: 0), into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Opens one record (a frame body). Throws on a record of the wrong length, one that does
    /// not authenticate, or a cell that breaks the format.
    public func open(record: UnsafeRawBufferPointer) throws(NoiseError) -> Event {
        guard !failed else { throw .failedEarlier }
        do throws(NoiseError) {
            return try openRecord(record)
        } catch {
            failed = true
            pending.removeAll()
            throw error
        }
    }

    /// Opens one record; see `open(record:)`.
    public func open(record: [UInt8]) throws(NoiseError) -> Event {
        try withBytes(record) { (bytes) throws(NoiseError) in try open(record: bytes) }
    }

    /// Nonce of the next record sent and received (for tests and diagnostics).
    public var nonces: (send: UInt64, receive: UInt64) { (send.nonce, receive.nonce) }

    private func openRecord(_ record: UnsafeRawBufferPointer) throws(NoiseError) -> Event {
        guard !receivedClose else { throw .recordAfterClose }
        guard record.count == Self.recordLength else {
            throw .invalidCell("record must be \(Self.recordLength) bytes, got \(record.count)")
        }
        try withMutableBytes(&cell) { (buffer) throws(NoiseError) in try receive.decrypt(ciphertext: record, into: buffer) }
        receivedSinceRekey += 1
        let plaintext = cell
        let rawType = plaintext[0]
        let length = Int(plaintext[1]) << 8 | Int(plaintext[2])
        guard let type = CellType(rawValue: rawType) else { throw .invalidCell("unknown type \(rawType)") }
        guard length <= Self.cellDataCapacity else { throw .invalidCell("length \(length) over the cell") }
        let paddingIsZero = plaintext.withUnsafeBytes { bytes in
            UnsafeRawBufferPointer(rebasing: bytes[(Self.cellHeaderLength + length)...]).allSatisfy { $0 == 0 }
        }
        guard paddingIsZero else { throw .invalidCell("padding not zero") }
        let data = plaintext[Self.cellHeaderLength..<(Self.cellHeaderLength + length)]

        let event: Event
        switch type {
        case .messageMore:
            guard length == Self.cellDataCapacity else { throw .invalidCell("a continued cell must be full") }
            guard pending.count + length <= maxMessageSize else { throw .applicationMessageTooLarge(pending.count + length) }
            if pending.isEmpty { pending.reserveCapacity(max(lastLongMessage, 4 * Self.cellDataCapacity)) }
            pending.append(contentsOf: data)
            event = .partial
        case .messageEnd:
            guard pending.count + length <= maxMessageSize else { throw .applicationMessageTooLarge(pending.count + length) }
            if pending.isEmpty {
                event = .message(Array(data))  // the common case: a one-cell message
            } else {
                pending.append(contentsOf: data)
                lastLongMessage = pending.count
                // A reservation much larger than the message is not handed to the application.
                event = .message(pending.capacity > 2 * pending.count ? Array(pending) : pending)
                pending = []
            }
        case .rekey:
            guard length == 0 else { throw .invalidCell("rekey cell carries data") }
            try receive.rekey()
            receivedSinceRekey = 0
            return .rekeyed
        case .close:
            guard length == 0 else { throw .invalidCell("close cell carries data") }
            guard pending.isEmpty else { throw .invalidCell("close inside a message") }
            receivedClose = true
            event = .closed
        }
        if receivedSinceRekey == rekeyInterval {
            try receive.rekey()
            receivedSinceRekey = 0
        }
        return event
    }

    /// The cipher's block: the first one of each cell is assembled in place.
    private static let firstBlockLength = 64

    /// All zeros, for cell padding.
    nonisolated(unsafe) private static let zeros: UnsafeRawBufferPointer = {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: cellSize, alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        return UnsafeRawBufferPointer(buffer)
    }()

    /// Seals one cell (header, `data`, zero padding) as a framed record into `out`
    /// (`frameLength` bytes), without assembling the plaintext cell in memory.
    private func sealCell(_ type: CellType, _ data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(NoiseError) {
        guard !failed else { throw .failedEarlier }
        guard !sentClose else { throw .invalidCell("nothing can be sent after close") }
        precondition(data.count <= Self.cellDataCapacity && out.count >= Self.frameLength)
        do throws(NoiseError) {
            out[0] = UInt8(Self.recordLength >> 8)
            out[1] = UInt8(Self.recordLength & 0xff)
            // The cipher runs at full speed only on 64-byte-aligned updates (measured: three
            // unaligned parts cost 45 %), so the first block is assembled here: header and the
            // first 61 data bytes; the rest of the data then starts at a block boundary.
            var firstBlock: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
            let head = min(data.count, Self.firstBlockLength - Self.cellHeaderLength)
            let padding = UnsafeRawBufferPointer(rebasing: Self.zeros[0..<(Self.cellDataCapacity - max(data.count, Self.firstBlockLength - Self.cellHeaderLength))])
            let record = UnsafeMutableRawBufferPointer(rebasing: out[NoiseFraming.headerLength..<Self.frameLength])
            let sealed: Result<Void, NoiseError> = withUnsafeMutableBytes(of: &firstBlock) { block in
                block[0] = type.rawValue
                block[1] = UInt8(data.count >> 8)
                block[2] = UInt8(data.count & 0xff)
                if head > 0 { (block.baseAddress! + Self.cellHeaderLength).copyMemory(from: data.baseAddress!, byteCount: head) }
                let rest = UnsafeRawBufferPointer(rebasing: data[head...])
                return Result { () throws(NoiseError) in
                    try send.encrypt(plaintextParts: [UnsafeRawBufferPointer(block), rest, padding], into: record)
                }
            }
            try sealed.get()
            sentSinceRekey += 1
            if type == .rekey || sentSinceRekey == rekeyInterval {
                try send.rekey()
                sentSinceRekey = 0
            }
        } catch {
            failed = true
            throw error
        }
    }
}
