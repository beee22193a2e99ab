import COpenSSL

/// An OpenSSL key imported from a raw 32-byte secret, and its raw public key. Shared by Ed25519 and
/// X25519: the import costs a scalar multiplication, so callers keep the result.
struct RawKeyPair {
    let key: OpaquePointer
    let publicKey: [UInt8]

    /// Imports `secret` as a private key of OpenSSL type `type` (`EVP_PKEY_ED25519`, `EVP_PKEY_X25519`).
    init(type: Int32, name: String, secret: SecureBytes) throws(CryptoError) {
        guard secret.count == 32 else { throw CryptoError.invalidLength(what: "\(name) private key", got: secret.count, expected: 32) }
        let key = secret.withUnsafeBytes { bytes in
            EVP_PKEY_new_raw_private_key(type, nil, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        guard let key else { throw CryptoError.drainOpenSSL("EVP_PKEY_new_raw_private_key(\(name))") }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = raw.count
        guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1, length == 32 else {
            EVP_PKEY_free(key)
            throw CryptoError.drainOpenSSL("EVP_PKEY_get_raw_public_key(\(name))")
        }
        self.key = key
        self.publicKey = raw
    }
}
