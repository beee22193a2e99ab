import COpenSSL

/// HKDF (RFC 5869) through OpenSSL's EVP_KDF "HKDF".
///
/// Noise's `HKDF(chaining_key, input_key_material, n)` is `derive(salt: ck, ikm: ikm, info: [],
/// length: n * HASHLEN)` split into `n` outputs.
public enum HKDF {
    private static let algorithm = FetchedAlgorithm(pointer: EVP_KDF_fetch(nil, "HKDF", nil))

    /// Extract-then-expand: `length` bytes of output keying material, in secure storage.
    public static func derive(
        _ digest: DigestAlgorithm, salt: SecureBytes, ikm: SecureBytes, info: [UInt8], length: Int
    ) throws(CryptoError) -> SecureBytes {
        guard let kdf = algorithm.pointer, let context = EVP_KDF_CTX_new(kdf) else {
            throw CryptoError.drainOpenSSL("EVP_KDF_CTX_new(HKDF)")
        }
        defer { EVP_KDF_CTX_free(context) }
        return try SecureBytes(count: length) { (out: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            let ok = digest.openSSLName.withCString { name in
                salt.withUnsafeBytes { saltBytes in
                    ikm.withUnsafeBytes { ikmBytes in
                        info.withUnsafeBytes { infoBytes in
                            // OSSL_PARAM octet strings need a non-NULL pointer even when empty.
                            var empty: UInt8 = 0
                            return withUnsafeMutablePointer(to: &empty) { emptyPointer in
                                func octets(_ key: StaticString, _ b: UnsafeRawBufferPointer) -> OSSL_PARAM {
                                    OSSL_PARAM_construct_octet_string(
                                        paramName(key), UnsafeMutableRawPointer(mutating: b.baseAddress) ?? UnsafeMutableRawPointer(emptyPointer), b.count)
                                }
                                var params = [
                                    OSSL_PARAM_construct_utf8_string(paramName("digest"), UnsafeMutablePointer(mutating: name), 0),
                                    octets("salt", saltBytes),
                                    octets("key", ikmBytes),
                                    octets("info", infoBytes),
                                    OSSL_PARAM_construct_end(),
                                ]
                                return EVP_KDF_derive(context, out.baseAddress?.assumingMemoryBound(to: UInt8.self), out.count, &params) == 1
                            }
                        }
                    }
                }
            }
            guard ok else { throw CryptoError.drainOpenSSL("HKDF") }
        }
    }
}
