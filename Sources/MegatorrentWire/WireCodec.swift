/// Encodes and decodes ``WireMessage``s: pure functions over bytes, the fuzz target's subject.
public enum WireCodec {
    /// Why bytes are not a wire message.
    public enum Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        /// No bytes at all.
        case empty
        /// The body is shorter or longer than its type's layout says.
        case length(type: UInt8)
        /// A count or size over the limits of ``WireLimits``.
        case overLimit(type: UInt8)
        /// A field's value is not allowed (a zero port, an unknown address family, reason not UTF-8).
        case invalidField(type: UInt8, String)

        /// One phrase.
        public var description: String {
            switch self {
            case .empty: "an empty message"
            case let .length(type): "message type \(type): wrong length"
            case let .overLimit(type): "message type \(type): over the limits"
            case let .invalidField(type, what): "message type \(type): \(what)"
            }
        }
    }

    /// The bytes of `message`. Throws ``Malformed/overLimit(type:)`` for a message this side must not send.
    public static func encode(_ message: WireMessage) throws(Malformed) -> [UInt8] {
        var out: [UInt8] = []
        switch message {
        case let .hello(hello):
            out = [WireType.hello]
            out.appendBigEndian(hello.minVersion)
            out.appendBigEndian(hello.maxVersion)
            out.appendBigEndian(hello.listenPort)
            out.append(hello.flags)
        case let .follow(keys):
            guard keys.count <= WireLimits.maxFollowed else { throw .overLimit(type: WireType.follow) }
            out = [WireType.follow]
            out.appendBigEndian(UInt16(keys.count))
            for key in keys { out += key.bytes }
        case let .manifest(bytes):
            guard !bytes.isEmpty, bytes.count <= WireLimits.maxManifestBytes else { throw .overLimit(type: WireType.manifest) }
            out = [WireType.manifest] + bytes
        case .getPeers:
            out = [WireType.getPeers]
        case let .peers(records):
            guard records.count <= WireLimits.maxPeerRecords else { throw .overLimit(type: WireType.peers) }
            out = [WireType.peers, UInt8(records.count)]
            for record in records {
                out.append(record.address.count == 4 ? 4 : 6)
                out += record.address
                out.appendBigEndian(record.port)
                out += record.staticKey
            }
        case let .goodbye(code, reason):
            let text = Array(reason.utf8.prefix(WireLimits.maxReasonBytes))
            out = [WireType.goodbye]
            out.appendBigEndian(code)
            out += text
        case let .blobQuery(ids), let .blobHave(ids):
            let type = if case .blobQuery = message { WireType.blobQuery } else { WireType.blobHave }
            guard ids.count <= WireLimits.maxBlobIds else { throw .overLimit(type: type) }
            out = [type]
            out.reserveCapacity(3 + 32 * ids.count)
            out.appendBigEndian(UInt16(ids.count))
            for id in ids { out += id.bytes }
        case let .blobGet(id):
            out = [WireType.blobGet] + id.bytes
        case let .blobData(id, blob):
            guard blob.count <= WireLimits.maxBlobBytes else { throw .overLimit(type: WireType.blobData) }
            out.reserveCapacity(33 + blob.count)
            out.append(WireType.blobData)
            out += id.bytes
            out += blob
        case let .blobMissing(id):
            out = [WireType.blobMissing] + id.bytes
        case let .unknown(type):
            out = [type]
        }
        return out
    }

    /// The id and the blob of a BLOB_DATA message, the blob as a slice of `bytes` (no copy: a downloader checks and
    /// stores the 1 MiB in place); nil when `bytes` is not a BLOB_DATA message (type 0x13, 33 to
    /// ``WireLimits/maxBlobDataMessageBytes`` bytes). ``decode(_:)`` gives the same id and bytes.
    public static func blobDataParts<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> (id: BlobID, blob: Bytes.SubSequence)? {
        guard bytes.first == WireType.blobData, bytes.count >= 33, bytes.count <= WireLimits.maxBlobDataMessageBytes else { return nil }
        let start = bytes.index(after: bytes.startIndex), blobStart = bytes.index(start, offsetBy: 32)
        return (BlobID(bytes[start..<blobStart])!, bytes[blobStart...])
    }

    /// The message in `bytes`. Unknown types decode as ``WireMessage/unknown(type:)``; a known type with a body that
    /// does not fit its layout throws ``Malformed``.
    public static func decode(_ bytes: some Collection<UInt8>) throws(Malformed) -> WireMessage {
        // A blob (up to 1 MiB) is sliced out directly rather than copied twice through the reader.
        if let (id, blob) = blobDataParts(bytes) { return .blobData(id, Array(blob)) }
        var reader = ByteReader(Array(bytes))
        guard let type = reader.byte() else { throw .empty }
        let limit = type == WireType.blobData ? WireLimits.maxBlobDataMessageBytes : WireLimits.maxMessageBytes
        guard bytes.count <= limit else { throw .overLimit(type: type) }
        switch type {
        case WireType.hello:
            guard let minVersion = reader.uint16(), let maxVersion = reader.uint16(), let port = reader.uint16(),
                let flags = reader.byte(), reader.isAtEnd
            else { throw .length(type: type) }
            guard minVersion <= maxVersion else { throw .invalidField(type: type, "minVersion above maxVersion") }
            return .hello(.init(minVersion: minVersion, maxVersion: maxVersion, listenPort: port, flags: flags))
        case WireType.follow:
            guard let count = reader.uint16() else { throw .length(type: type) }
            guard Int(count) <= WireLimits.maxFollowed else { throw .overLimit(type: type) }
            guard reader.remaining == Int(count) * 32 else { throw .length(type: type) }
            var keys: [ChannelKey] = []
            keys.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let key = reader.bytes(32).flatMap(ChannelKey.init) else { throw .length(type: type) }
                keys.append(key)
            }
            return .follow(keys)
        case WireType.manifest:
            let body = reader.rest()
            guard !body.isEmpty else { throw .length(type: type) }
            guard body.count <= WireLimits.maxManifestBytes else { throw .overLimit(type: type) }
            return .manifest(body)
        case WireType.getPeers:
            guard reader.isAtEnd else { throw .length(type: type) }
            return .getPeers
        case WireType.peers:
            guard let count = reader.byte() else { throw .length(type: type) }
            guard Int(count) <= WireLimits.maxPeerRecords else { throw .overLimit(type: type) }
            var records: [PeerRecord] = []
            for _ in 0..<count {
                guard let family = reader.byte() else { throw .length(type: type) }
                guard family == 4 || family == 6 else { throw .invalidField(type: type, "address family \(family)") }
                guard let address = reader.bytes(family == 4 ? 4 : 16), let port = reader.uint16(), let key = reader.bytes(32)
                else { throw .length(type: type) }
                guard let record = PeerRecord(address: address, port: port, staticKey: key) else {
                    throw .invalidField(type: type, "port 0")
                }
                records.append(record)
            }
            guard reader.isAtEnd else { throw .length(type: type) }
            return .peers(records)
        case WireType.goodbye:
            guard let code = reader.uint16() else { throw .length(type: type) }
            let text = reader.rest()
            guard text.count <= WireLimits.maxReasonBytes else { throw .overLimit(type: type) }
            guard let reason = String(validating: text, as: UTF8.self) else {
                throw .invalidField(type: type, "the reason is not UTF-8")
            }
            return .goodbye(code: code, reason: reason)
        case WireType.blobQuery, WireType.blobHave:
            guard let count = reader.uint16() else { throw .length(type: type) }
            guard Int(count) <= WireLimits.maxBlobIds else { throw .overLimit(type: type) }
            guard reader.remaining == Int(count) * 32 else { throw .length(type: type) }
            var ids: [BlobID] = []
            ids.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let id = reader.bytes(32).flatMap(BlobID.init) else { throw .length(type: type) }
                ids.append(id)
            }
            return type == WireType.blobQuery ? .blobQuery(ids) : .blobHave(ids)
        case WireType.blobGet, WireType.blobMissing:
            guard reader.remaining == 32, let id = reader.bytes(32).flatMap(BlobID.init) else { throw .length(type: type) }
            return type == WireType.blobGet ? .blobGet(id) : .blobMissing(id)
        case WireType.blobData:
            guard let id = reader.bytes(32).flatMap(BlobID.init) else { throw .length(type: type) }
            return .blobData(id, reader.rest())
        default:
            return .unknown(type: type)
        }
    }
}

/// Reads big-endian fields from the front of a byte array.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard remaining >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xff))
    }
}
