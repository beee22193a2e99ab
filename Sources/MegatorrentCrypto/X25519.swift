import COpenSSL

/// X25519 Diffie-Hellman (RFC 7748) through OpenSSL's raw EVP_PKEY keys and EVP_PKEY_derive.
public enum X25519 {
    /// Key and shared-secret length.
    public static let keyLength = 32

    /// An X25519 private key, imported into OpenSSL once (the import computes the public key).
    public final class PrivateKey: @unchecked Sendable {
        /// The 32-byte private scalar (before clamping), wiped when the key goes away.
        public let rawRepresentation: SecureBytes
        /// The matching 32-byte public key.
        public let publicKey: [UInt8]
        private let key: OpaquePointer

        /// A key from 32 secret bytes.
        public init(rawRepresentation: SecureBytes) throws(CryptoError) {
            let pair = try RawKeyPair(type: EVP_PKEY_X25519, name: "X25519", secret: rawRepresentation)
            self.rawRepresentation = rawRepresentation
            self.publicKey = pair.publicKey
            self.key = pair.key
        }

        /// A fresh key from OpenSSL's CSPRNG.
        public static func generate() throws(CryptoError) -> PrivateKey {
            try PrivateKey(rawRepresentation: SecureBytes.random(count: keyLength))
        }

        deinit { EVP_PKEY_free(key) }

        /// The shared secret with `peerPublicKey`. Throws `.lowOrderSharedSecret` when the peer's key
        /// is of small order (OpenSSL refuses the all-zero result).
        public func sharedSecret(with peerPublicKey: some Collection<UInt8>) throws(CryptoError) -> SecureBytes {
            let peerBytes = Array(peerPublicKey)
            guard peerBytes.count == keyLength else {
                throw CryptoError.invalidLength(what: "X25519 public key", got: peerBytes.count, expected: keyLength)
            }
            guard let peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, peerBytes, peerBytes.count) else {
                throw CryptoError.drainOpenSSL("EVP_PKEY_new_raw_public_key(X25519)")
            }
            defer { EVP_PKEY_free(peer) }
            guard let context = EVP_PKEY_CTX_new(key, nil) else { throw CryptoError.drainOpenSSL("EVP_PKEY_CTX_new") }
            defer { EVP_PKEY_CTX_free(context) }
            return try SecureBytes(count: keyLength) { (out: UnsafeMutableRawBufferPointer) throws(CryptoError) in
                var length = keyLength
                guard EVP_PKEY_derive_init(context) == 1, EVP_PKEY_derive_set_peer(context, peer) == 1 else {
                    throw CryptoError.drainOpenSSL("EVP_PKEY_derive_init")
                }
                guard EVP_PKEY_derive(context, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1,
                    length == keyLength
                else {
                    ERR_clear_error()
                    throw CryptoError.lowOrderSharedSecret
                }
            }
        }
    }
}
