import MegatorrentCrypto

/// A public I2P destination: 256 bytes of encryption key, 128 of signing key (both padded as the
/// key certificate says), then a certificate (type, BE16 length, payload). Peers are reached by it.
public struct I2PDestination: Sendable, Hashable, CustomStringConvertible {
    /// The binary destination.
    public let bytes: [UInt8]

    /// Bytes before the certificate's payload: 256 + 128 + 1 (type) + 2 (length).
    public static let fixedLength = 387

    /// Checks `bytes` is exactly one destination (its certificate's length included).
    public init(bytes: [UInt8]) throws(I2PAddressError) {
        guard let length = Self.publicLength(of: bytes), length == bytes.count else {
            throw .invalidDestination("\(bytes.count) bytes are not one destination")
        }
        self.bytes = bytes
    }

    /// A destination from its I2P Base64 text.
    public init(base64 text: some StringProtocol) throws(I2PAddressError) {
        guard let bytes = I2PBase64.decode(text) else { throw .invalidDestination("not I2P Base64") }
        try self.init(bytes: bytes)
    }

    /// The I2P Base64 text SAM takes.
    public var base64: String { I2PBase64.encode(bytes) }

    /// The 52-character name before `.b32.i2p`: lowercase unpadded Base32 of SHA-256 of the bytes.
    public var base32Name: String { I2PBase32.encode(Digest.hash(.sha256, bytes)) }

    /// `NAME.b32.i2p`.
    public var b32Address: String { base32Name + ".b32.i2p" }

    public var description: String { b32Address }

    /// The length of the destination that starts `bytes` (387 + its certificate's length), or nil
    /// when `bytes` is too short to hold it.
    static func publicLength(of bytes: some Collection<UInt8>) -> Int? {
        let array = Array(bytes.prefix(fixedLength))
        guard array.count == fixedLength else { return nil }
        let length = fixedLength + Int(array[385]) << 8 + Int(array[386])
        return bytes.count >= length ? length : nil
    }
}

/// A destination's private keys as SAM gives them (`DEST REPLY PRIV=`, `SESSION STATUS
/// DESTINATION=`): the public destination followed by the private encryption and signing keys.
/// Held in wiped-on-release memory.
public struct I2PPrivateDestination: Sendable {
    /// The binary private destination.
    public let secret: SecureBytes
    /// Its public part.
    public let destination: I2PDestination

    /// Checks `secret` starts with one destination and holds keys after it.
    public init(secret: SecureBytes) throws(I2PAddressError) {
        let parsed: Result<I2PDestination, I2PAddressError> = secret.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<I2PDestination, I2PAddressError> in
            let bytes = Array(raw)
            guard let length = I2PDestination.publicLength(of: bytes), bytes.count > length else {
                return .failure(.invalidDestination("\(bytes.count) bytes are not a private destination"))
            }
            return Result { () throws(I2PAddressError) in try I2PDestination(bytes: Array(bytes[..<length])) }
        }
        self.secret = secret
        self.destination = try parsed.get()
    }

    /// From SAM's Base64 text; the decoded bytes are wiped after copying into secure memory.
    public init(base64 text: [UInt8]) throws(I2PAddressError) {
        guard var bytes = I2PBase64.decode(bytes: text) else { throw .invalidDestination("private key is not I2P Base64") }
        defer { secureWipe(&bytes) }
        try self.init(secret: SecureBytes(copying: bytes))
    }

    /// The Base64 text for `SESSION CREATE DESTINATION=` (wipe it after use).
    public func base64Bytes() -> [UInt8] {
        secret.withUnsafeBytes { I2PBase64.encodeBytes($0) }
    }
}

/// Why an I2P address or destination was refused.
public enum I2PAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a destination (bad Base64, wrong length, truncated certificate).
    case invalidDestination(String)
    /// Not `NAME.b32.i2p` with a 52-character Base32 name.
    case invalidB32(String)

    public var description: String {
        switch self {
        case let .invalidDestination(why): "invalid I2P destination: \(why)"
        case let .invalidB32(text): "invalid .b32.i2p address \(text): expected 52 Base32 characters then .b32.i2p"
        }
    }
}

/// Where to reach a peer on I2P: a full destination, or a `.b32.i2p` name to look up first.
public enum I2PPeerAddress: Sendable, Hashable, CustomStringConvertible {
    case destination(I2PDestination)
    case b32(String)

    /// `NAME.b32.i2p` (52 Base32 characters, any case) or a full Base64 destination.
    public init(parsing text: String) throws(I2PAddressError) {
        let lower = text.lowercased()
        if lower.hasSuffix(".b32.i2p") {
            let name = lower.dropLast(".b32.i2p".count)
            guard name.count == 52, let hash = I2PBase32.decode(name), hash.count == 32 else { throw .invalidB32(text) }
            self = .b32(lower)
        } else {
            self = .destination(try I2PDestination(base64: text))
        }
    }

    /// The `.b32.i2p` address either way.
    public var b32Address: String {
        switch self {
        case let .destination(destination): destination.b32Address
        case let .b32(name): name
        }
    }

    public var description: String { b32Address }
}
