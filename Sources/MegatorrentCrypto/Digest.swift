import COpenSSL

/// The hash functions Megatorrent uses, all computed by OpenSSL.
public enum DigestAlgorithm: Sendable {
    /// SHA-1 (BitTorrent v1 info-hashes and piece hashes, BEP 44 immutable targets).
    case sha1
    /// SHA-256 (blob ids, plaintext hashes).
    case sha256
    /// SHA-512 (libtorrent's expanded Ed25519 secret).
    case sha512
    /// BLAKE2s-256 (Noise's hash function).
    case blake2s256

    /// Output length in bytes.
    public var outputLength: Int {
        switch self {
        case .sha1: 20
        case .sha256, .blake2s256: 32
        case .sha512: 64
        }
    }

    /// The OpenSSL name, as EVP_MAC and EVP_KDF parameters want it.
    var openSSLName: String {
        switch self {
        case .sha1: "SHA1"
        case .sha256: "SHA256"
        case .sha512: "SHA512"
        case .blake2s256: "BLAKE2S-256"
        }
    }

    var evp: OpaquePointer {
        switch self {
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        case .sha512: EVP_sha512()
        case .blake2s256: EVP_blake2s256()
        }
    }
}

/// One-shot and streaming message digests.
public struct Digest: ~Copyable {
    private let context: OpaquePointer
    private let algorithm: DigestAlgorithm

    /// Starts a streaming digest.
    public init(_ algorithm: DigestAlgorithm) throws(CryptoError) {
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.drainOpenSSL("EVP_MD_CTX_new") }
        guard EVP_DigestInit_ex(context, algorithm.evp, nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw CryptoError.drainOpenSSL("EVP_DigestInit_ex")
        }
        self.context = context
        self.algorithm = algorithm
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    /// Feeds bytes.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Ends the digest and returns it.
    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.outputLength)
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &out, &length)
        return out
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ algorithm: DigestAlgorithm, _ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.outputLength)
        var length: UInt32 = 0
        let ok = EVP_Digest(bytes.baseAddress, bytes.count, &out, &length, algorithm.evp, nil)
        precondition(ok == 1, "EVP_Digest failed for a built-in digest")
        return out
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ algorithm: DigestAlgorithm, _ bytes: some ContiguousBytes) -> [UInt8] {
        bytes.withUnsafeBytes { hash(algorithm, $0) }
    }
}

/// Contiguous byte storage (arrays, slices, secure bytes through their closure).
public protocol ContiguousBytes {
    /// Calls `body` with the bytes.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousBytes where Element == UInt8 {}
extension ArraySlice: ContiguousBytes where Element == UInt8 {}

/// Runs `body` over the bytes of `bytes`, keeping `body`'s typed error (Array's own
/// `withUnsafeBytes` only rethrows untyped errors).
func withBytes<R, E: Error>(
    _ bytes: some ContiguousBytes, _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
    let result: Result<R, E> = bytes.withUnsafeBytes { buffer in Result { () throws(E) -> R in try body(buffer) } }
    return try result.get()
}
