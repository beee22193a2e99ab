import COpenSSL

/// Why a cryptographic operation failed.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An input had the wrong length (what it is, how long it was, how long it must be).
    case invalidLength(what: String, got: Int, expected: Int)
    /// A public key that strict verification refuses: low order, or not canonically encoded.
    case weakPublicKey
    /// A Diffie-Hellman result that is all zero (the peer sent a low-order point).
    case lowOrderSharedSecret
    /// Authenticated decryption failed: the ciphertext, tag, nonce or associated data was changed.
    case authenticationFailed
    /// OpenSSL reported an error (the operation and OpenSSL's own message).
    case openSSL(operation: String, message: String)

    /// One clear line.
    public var description: String {
        switch self {
        case let .invalidLength(what, got, expected): "\(what) must be \(expected) bytes, got \(got)"
        case .weakPublicKey: "public key is low-order or not canonically encoded"
        case .lowOrderSharedSecret: "X25519 shared secret is zero (low-order peer key)"
        case .authenticationFailed: "authentication failed: data was altered or the key is wrong"
        case let .openSSL(operation, message): "OpenSSL \(operation) failed: \(message)"
        }
    }

    /// Drains OpenSSL's per-thread error queue into one error.
    static func drainOpenSSL(_ operation: String) -> CryptoError {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return .openSSL(operation: operation, message: messages.isEmpty ? "unknown error" : messages.joined(separator: "; "))
    }
}

/// OpenSSL's CSPRNG.
public enum CryptoRandom {
    /// Fills `buffer` with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard buffer.count > 0 else { return }
        guard RAND_bytes(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1 else {
            throw CryptoError.drainOpenSSL("RAND_bytes")
        }
    }

    /// `count` random bytes in an ordinary array (for nonces and other non-secret values).
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let result: Result<Void, CryptoError> = out.withUnsafeMutableBytes { buffer in
            Result { () throws(CryptoError) in try fill(buffer) }
        }
        try result.get()
        return out
    }
}

/// The OpenSSL library this process runs with.
public enum OpenSSLVersion {
    /// For example "OpenSSL 3.0.17 1 Jul 2025".
    public static var text: String { String(cString: OpenSSL_version(OPENSSL_VERSION)) }
}
