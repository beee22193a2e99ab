/// One message of the peer wire protocol (docs/wire.md), carried as one message of the secure transport.
///
/// The first byte is the type; the body is fixed-layout binary, integers big-endian. A version is agreed in
/// ``hello``; unknown types are skipped (a later minor extension), malformed known ones close the connection.
public enum WireMessage: Sendable, Equatable {
    /// The first message each side sends: the versions it speaks, the port its listener accepts peers on (0: none)
    /// and its flags.
    case hello(Hello)
    /// The channels (Ed25519 public keys) the sender follows, replacing the set it sent before. The receiver pushes
    /// the newest manifest it holds of each, and every newer one it accepts later.
    case follow([ChannelKey])
    /// A signed manifest (RFC 8785 JSON bytes), pushed to a peer that follows its channel.
    case manifest([UInt8])
    /// Asks for peer records.
    case getPeers
    /// Peer records: where other nodes accept the secure transport, with their static keys.
    case peers([PeerRecord])
    /// Says why the sender closes the connection; nothing follows it.
    case goodbye(code: UInt16, reason: String)
    /// Asks which of these blobs (32-byte ids, at most ``WireLimits/maxBlobIds``) the receiver holds; answered by
    /// ``blobHave(_:)``.
    case blobQuery([BlobID])
    /// The blobs among those queried that the sender holds (possibly none), in the order asked.
    case blobHave([BlobID])
    /// Asks for one blob; answered by ``blobData(_:_:)`` or ``blobMissing(_:)``.
    case blobGet(BlobID)
    /// One blob: its id and its sealed bytes (at most ``WireLimits/maxBlobBytes``). The receiver checks that the
    /// SHA-256 of the bytes is the id before any use.
    case blobData(BlobID, [UInt8])
    /// The sender does not hold this blob (or refuses it now: over its per-peer limit).
    case blobMissing(BlobID)
    /// A type this version does not know: kept as its type byte and skipped by the receiver.
    case unknown(type: UInt8)

    /// The HELLO body.
    public struct Hello: Sendable, Equatable {
        /// The lowest and highest protocol versions the sender speaks.
        public var minVersion: UInt16
        public var maxVersion: UInt16
        /// The TCP port the sender accepts secure-transport peers on, 0 for none.
        public var listenPort: UInt16
        /// Bit 0: a relay, which wants every manifest its peer accepts (a tracker or hub); other bits zero.
        public var flags: UInt8

        /// A hello for the versions this implementation speaks.
        public init(minVersion: UInt16 = WireLimits.version, maxVersion: UInt16 = WireLimits.version, listenPort: UInt16 = 0, flags: UInt8 = 0) {
            self.minVersion = minVersion
            self.maxVersion = maxVersion
            self.listenPort = listenPort
            self.flags = flags
        }

        /// The relay flag (bit 0).
        public static let relayFlag: UInt8 = 1

        /// Whether the sender wants every manifest (``relayFlag``).
        public var isRelay: Bool { flags & Self.relayFlag != 0 }

        /// The version both sides speak (the highest in both ranges), or `nil` when the ranges do not meet.
        public func agreedVersion(with other: Hello) -> UInt16? {
            let high = min(maxVersion, other.maxVersion)
            return high >= max(minVersion, other.minVersion) ? high : nil
        }
    }
}

/// A channel's address on the wire: a 32-byte Ed25519 public key (not checked here: the manifest verifier is).
public struct ChannelKey: Sendable, Hashable {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// `nil` unless `bytes` is 32 bytes long.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.bytes = Array(bytes)
    }

    /// 64 lowercase hex digits, the channel id of the manifest format.
    public var hex: String { bytes.map { String($0, radix: 16).leftPadded }.joined() }
}

/// A blob's id on the wire: the SHA-256 of its sealed bytes (32 bytes; docs/blobs.md).
public struct BlobID: Sendable, Hashable {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// `nil` unless `bytes` is 32 bytes long.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.bytes = Array(bytes)
    }

    /// 64 lowercase hex digits: the blob's file name in a store.
    public var hex: String { bytes.map { String($0, radix: 16).leftPadded }.joined() }
}

/// Where a node accepts the secure transport: an IPv4 or IPv6 address, a TCP port and its X25519 static key.
public struct PeerRecord: Sendable, Hashable {
    /// 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    public let address: [UInt8]
    /// The TCP port (1...65535).
    public let port: UInt16
    /// The node's Noise static public key (32 bytes).
    public let staticKey: [UInt8]

    /// `nil` unless the address is 4 or 16 bytes, the port is not 0 and the key is 32 bytes.
    public init?(address: [UInt8], port: UInt16, staticKey: [UInt8]) {
        guard address.count == 4 || address.count == 16, port != 0, staticKey.count == 32 else { return nil }
        self.address = address
        self.port = port
        self.staticKey = staticKey
    }

    /// The address as text: dotted IPv4, or IPv6 as eight hex groups.
    public var host: String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}

extension String {
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
