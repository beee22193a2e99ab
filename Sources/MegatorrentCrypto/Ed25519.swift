import COpenSSL

/// Ed25519 signatures (RFC 8032) through OpenSSL, with libsodium's strict verification rules.
public enum Ed25519 {
    /// Seed, public key and scalar length.
    public static let keyLength = 32
    /// Signature length.
    public static let signatureLength = 64

    /// An Ed25519 signing key: the 32-byte seed (kept in secure storage) and OpenSSL's key object,
    /// imported once because the import costs a scalar multiplication.
    public final class PrivateKey: @unchecked Sendable {
        /// The 32-byte seed, wiped when the key goes away.
        public let seed: SecureBytes
        /// The matching public key.
        public let publicKey: PublicKey
        private let key: OpaquePointer

        /// A key from its seed.
        public init(seed: SecureBytes) throws(CryptoError) {
            let pair = try RawKeyPair(type: EVP_PKEY_ED25519, name: "Ed25519", secret: seed)
            self.seed = seed
            self.key = pair.key
            self.publicKey = PublicKey(unchecked: pair.publicKey)
        }

        /// A fresh key from OpenSSL's CSPRNG.
        public static func generate() throws(CryptoError) -> PrivateKey {
            try PrivateKey(seed: SecureBytes.random(count: keyLength))
        }

        deinit { EVP_PKEY_free(key) }  // OpenSSL wipes the private key material it holds.

        /// The 64-byte signature of `message`.
        public func sign(_ message: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
            guard let context = EVP_MD_CTX_new() else { throw CryptoError.drainOpenSSL("EVP_MD_CTX_new") }
            defer { EVP_MD_CTX_free(context) }
            var signature = [UInt8](repeating: 0, count: signatureLength)
            var length = signatureLength
            guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1,
                EVP_DigestSign(context, &signature, &length, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1,
                length == signatureLength
            else { throw CryptoError.drainOpenSSL("Ed25519 sign") }
            return signature
        }

        /// The 64-byte signature of `message`.
        public func sign(_ message: some ContiguousBytes) throws(CryptoError) -> [UInt8] {
            try withBytes(message) { (bytes) throws(CryptoError) in try sign(bytes) }
        }
    }

    /// An Ed25519 public key. Made only through `init(bytes:)`, which refuses what strict
    /// verification refuses (low-order points, non-canonical encodings), so every value is usable.
    public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
        /// The 32-byte encoding.
        public let bytes: [UInt8]

        /// A strict public key, or `CryptoError.weakPublicKey` / `.invalidLength`.
        public init(bytes: some Collection<UInt8>) throws(CryptoError) {
            let array = Array(bytes)
            guard array.count == keyLength else {
                throw CryptoError.invalidLength(what: "Ed25519 public key", got: array.count, expected: keyLength)
            }
            guard Ed25519Strict.isCanonicalPoint(array), !Ed25519Strict.hasSmallOrder(array) else {
                throw CryptoError.weakPublicKey
            }
            self.bytes = array
        }

        init(unchecked bytes: [UInt8]) { self.bytes = bytes }

        /// Lowercase hex: a channel id.
        public var hex: String { Hex.encode(bytes) }
        /// Lowercase hex.
        public var description: String { hex }

        /// Strict verification: refuses S >= L, a low-order or non-canonical R, and (at
        /// construction) a low-order or non-canonical A, then runs OpenSSL's cofactorless check.
        public func isValidSignature(_ signature: some Collection<UInt8>, for message: UnsafeRawBufferPointer) -> Bool {
            let signature = Array(signature)
            guard signature.count == signatureLength else { return false }
            let r = signature[0..<32], s = signature[32..<64]
            guard Ed25519Strict.isCanonicalScalar(s), Ed25519Strict.isCanonicalPoint(r), !Ed25519Strict.hasSmallOrder(r) else {
                return false
            }
            return Ed25519.openSSLVerify(publicKey: bytes, signature: signature, message: message)
        }

        /// Strict verification of a signature over `message`.
        public func isValidSignature(_ signature: some Collection<UInt8>, for message: some ContiguousBytes) -> Bool {
            message.withUnsafeBytes { isValidSignature(signature, for: $0) }
        }
    }

    /// OpenSSL's own verification, without the strict checks (exposed for benchmarks and for the
    /// tests that show what OpenSSL alone accepts).
    public static func openSSLVerify(publicKey: [UInt8], signature: [UInt8], message: UnsafeRawBufferPointer) -> Bool {
        guard publicKey.count == keyLength, signature.count == signatureLength,
            let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, publicKey.count)
        else {
            ERR_clear_error()
            return false
        }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        let ok = EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1
            && EVP_DigestVerify(context, signature, signature.count, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
        if !ok { ERR_clear_error() }
        return ok
    }
}
