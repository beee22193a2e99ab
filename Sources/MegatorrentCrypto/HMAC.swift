import COpenSSL

/// HMAC over one of the supported digests, through OpenSSL's EVP_MAC.
public enum HMAC {
    private static let algorithm = FetchedAlgorithm(pointer: EVP_MAC_fetch(nil, "HMAC", nil))

    /// HMAC(key, message); the key stays in secure storage.
    public static func authenticate(
        _ digest: DigestAlgorithm, key: SecureBytes, message: UnsafeRawBufferPointer
    ) throws(CryptoError) -> [UInt8] {
        guard let mac = algorithm.pointer, let context = EVP_MAC_CTX_new(mac) else {
            throw CryptoError.drainOpenSSL("EVP_MAC_CTX_new(HMAC)")
        }
        defer { EVP_MAC_CTX_free(context) }
        var out = [UInt8](repeating: 0, count: digest.outputLength)
        var outLength = 0
        let ok = digest.openSSLName.withCString { name -> Bool in
            var params = [
                OSSL_PARAM_construct_utf8_string(paramName("digest"), UnsafeMutablePointer(mutating: name), 0),
                OSSL_PARAM_construct_end(),
            ]
            return key.withUnsafeBytes { keyBytes in
                EVP_MAC_init(context, keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), keyBytes.count, &params) == 1
                    && EVP_MAC_update(context, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
                    && EVP_MAC_final(context, &out, &outLength, out.count) == 1
            }
        }
        guard ok, outLength == digest.outputLength else { throw CryptoError.drainOpenSSL("HMAC") }
        return out
    }

    /// HMAC(key, message) for byte arrays.
    public static func authenticate(
        _ digest: DigestAlgorithm, key: SecureBytes, message: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        try withBytes(message) { (bytes) throws(CryptoError) in try authenticate(digest, key: key, message: bytes) }
    }
}

/// An OpenSSL algorithm object fetched once and shared (EVP_MAC and EVP_KDF objects are
/// reference-counted and safe to use from several threads).
final class FetchedAlgorithm: @unchecked Sendable {
    let pointer: OpaquePointer?
    init(pointer: OpaquePointer?) { self.pointer = pointer }
}

/// A parameter name that outlives the OSSL_PARAM array holding it. (OpenSSL's name macros import
/// into Swift as `String`, whose bridged pointer dies as soon as the constructing call returns.)
func paramName(_ name: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
}
