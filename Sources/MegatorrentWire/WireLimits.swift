/// The protocol's constants and bounds (docs/wire.md, "Limits"). A message over a bound is malformed.
public enum WireLimits {
    /// The protocol version this implementation speaks.
    public static let version: UInt16 = 1
    /// Most channels in one FOLLOW.
    public static let maxFollowed = 1024
    /// Most peer records in one PEERS.
    public static let maxPeerRecords = 64
    /// Most bytes of a pushed manifest (the manifest format's own limit).
    public static let maxManifestBytes = 65_536
    /// Most bytes of a GOODBYE reason.
    public static let maxReasonBytes = 256
    /// Most bytes of any wire message but BLOB_DATA (a FOLLOW of 1024 keys and its header fit).
    public static let maxMessageBytes = 1 + 2 + 32 * maxFollowed
    /// Most blob ids in one BLOB_QUERY or BLOB_HAVE.
    public static let maxBlobIds = 1024
    /// Most sealed bytes of one blob: a 1 MiB chunk and its 16-byte tag (docs/blobs.md).
    public static let maxBlobBytes = (1 << 20) + 16
    /// Most bytes of a BLOB_DATA message: type, id, blob. Under the transport's 4 MiB message limit.
    public static let maxBlobDataMessageBytes = 1 + 32 + maxBlobBytes
}

/// The type bytes (docs/wire.md, "Messages"). 0x10-0x2f are reserved for blobs and DHT-over-TCP.
public enum WireType {
    public static let hello: UInt8 = 0x01
    public static let follow: UInt8 = 0x02
    public static let manifest: UInt8 = 0x03
    public static let getPeers: UInt8 = 0x04
    public static let peers: UInt8 = 0x05
    public static let goodbye: UInt8 = 0x06
    public static let blobQuery: UInt8 = 0x10
    public static let blobHave: UInt8 = 0x11
    public static let blobGet: UInt8 = 0x12
    public static let blobData: UInt8 = 0x13
    public static let blobMissing: UInt8 = 0x14
}

/// GOODBYE codes.
public enum GoodbyeCode {
    /// No common protocol version.
    public static let unsupportedVersion: UInt16 = 1
    /// A malformed message was received.
    public static let malformed: UInt16 = 2
    /// The peer sent too many bad or unwanted manifests and is refused for a while.
    public static let penalised: UInt16 = 3
    /// The node is shutting down.
    public static let shutdown: UInt16 = 4
    /// Too many peers.
    public static let busy: UInt16 = 5
}
