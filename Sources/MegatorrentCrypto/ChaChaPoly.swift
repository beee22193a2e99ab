import COpenSSL

/// ChaCha20-Poly1305 AEAD (RFC 8439) with a 32-byte key, 12-byte nonce and 16-byte tag.
///
/// One instance keeps one OpenSSL cipher context and reuses it (about twice as fast for small
/// records), so an instance must be used by one thread at a time; it is not `Sendable`.
public final class ChaChaPoly {
    /// Key length.
    public static let keyLength = 32
    /// Nonce length.
    public static let nonceLength = 12
    /// Tag length, appended to the ciphertext.
    public static let tagLength = 16

    private let key: SecureBytes
    private let context: OpaquePointer
    /// Which direction the context holds the key schedule for: re-initialising it with only a
    /// new nonce skips OpenSSL 3's cipher lookup and key set-up (a third of a 4 KiB record's cost when measured).
    private var keyedFor: Direction?
    private enum Direction { case encrypt, decrypt }

    /// A cipher for `key`.
    public init(key: SecureBytes) throws(CryptoError) {
        guard key.count == Self.keyLength else {
            throw CryptoError.invalidLength(what: "ChaCha20-Poly1305 key", got: key.count, expected: Self.keyLength)
        }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.drainOpenSSL("EVP_CIPHER_CTX_new") }
        self.key = key
        self.context = context
    }

    deinit { EVP_CIPHER_CTX_free(context) }  // frees and cleanses the key schedule

    /// Encrypts `plaintext` and returns ciphertext || tag.
    public func seal(nonce: [UInt8], plaintext: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        try checkNonce(nonce)
        var out = [UInt8](repeating: 0, count: plaintext.count + Self.tagLength)
        let ok = key.withUnsafeBytes { keyBytes in
            out.withUnsafeMutableBufferPointer { outBuffer -> Bool in
                var length: Int32 = 0, finalLength: Int32 = 0
                guard start(.encrypt, keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), nonce),
                    aad.count == 0 || EVP_EncryptUpdate(context, nil, &length, aad.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(aad.count)) == 1,
                    plaintext.count == 0 || EVP_EncryptUpdate(context, outBuffer.baseAddress, &length, plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(plaintext.count)) == 1,
                    EVP_EncryptFinal_ex(context, outBuffer.baseAddress! + Int(length), &finalLength) == 1
                else { return false }
                return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagLength), outBuffer.baseAddress! + plaintext.count) == 1
            }
        }
        guard ok else { throw CryptoError.drainOpenSSL("ChaCha20-Poly1305 seal") }
        return out
    }

    /// Decrypts ciphertext || tag. Throws `.authenticationFailed` (and returns no plaintext) when
    /// anything was altered.
    public func open(nonce: [UInt8], sealed: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        try checkNonce(nonce)
        guard sealed.count >= Self.tagLength else { throw CryptoError.authenticationFailed }
        let ciphertextLength = sealed.count - Self.tagLength
        var out = [UInt8](repeating: 0, count: max(ciphertextLength, 1))
        let ok = key.withUnsafeBytes { keyBytes in
            out.withUnsafeMutableBufferPointer { outBuffer -> Bool in
                var length: Int32 = 0, finalLength: Int32 = 0
                let input = sealed.baseAddress?.assumingMemoryBound(to: UInt8.self)
                let tag = UnsafeMutableRawPointer(mutating: sealed.baseAddress! + ciphertextLength)
                guard start(.decrypt, keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), nonce),
                    aad.count == 0 || EVP_DecryptUpdate(context, nil, &length, aad.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(aad.count)) == 1,
                    ciphertextLength == 0 || EVP_DecryptUpdate(context, outBuffer.baseAddress, &length, input, Int32(ciphertextLength)) == 1,
                    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagLength), tag) == 1
                else { return false }
                return EVP_DecryptFinal_ex(context, outBuffer.baseAddress! + Int(length), &finalLength) == 1
            }
        }
        guard ok else {
            out.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
            ERR_clear_error()
            keyedFor = nil  // start afresh after a failure
            throw CryptoError.authenticationFailed
        }
        out.removeLast(out.count - ciphertextLength)
        return out
    }

    /// Encrypts a byte array; see `seal(nonce:plaintext:aad:)`.
    public func seal(nonce: [UInt8], plaintext: [UInt8], aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try withBytes(plaintext) { (p) throws(CryptoError) in
            try withBytes(aad) { (a) throws(CryptoError) in try seal(nonce: nonce, plaintext: p, aad: a) }
        }
    }

    /// Decrypts a byte array; see `open(nonce:sealed:aad:)`.
    public func open(nonce: [UInt8], sealed: [UInt8], aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        try withBytes(sealed) { (s) throws(CryptoError) in
            try withBytes(aad) { (a) throws(CryptoError) in try open(nonce: nonce, sealed: s, aad: a) }
        }
    }

    /// Starts one seal or open with `nonce`: a full initialisation the first time in a direction,
    /// only the nonce afterwards (OpenSSL keeps the cipher and key; a new IV resets Poly1305).
    private func start(_ direction: Direction, _ key: UnsafePointer<UInt8>?, _ nonce: [UInt8]) -> Bool {
        let ok: Bool
        switch (direction, keyedFor == direction) {
        case (.encrypt, true): ok = EVP_EncryptInit_ex(context, nil, nil, nil, nonce) == 1
        case (.decrypt, true): ok = EVP_DecryptInit_ex(context, nil, nil, nil, nonce) == 1
        case (.encrypt, false): ok = EVP_EncryptInit_ex(context, EVP_chacha20_poly1305(), nil, key, nonce) == 1
        case (.decrypt, false): ok = EVP_DecryptInit_ex(context, EVP_chacha20_poly1305(), nil, key, nonce) == 1
        }
        keyedFor = ok ? direction : nil
        return ok
    }

    /// Calls `body` with the raw key bytes.
    func withKeyBytes<R>(_ body: (UnsafePointer<UInt8>?) -> R) -> R {
        key.withUnsafeBytes { body($0.baseAddress?.assumingMemoryBound(to: UInt8.self)) }
    }

    func checkNonceLength(_ nonce: [UInt8]) throws(CryptoError) { try checkNonce(nonce) }

    private func checkNonce(_ nonce: [UInt8]) throws(CryptoError) {
        guard nonce.count == Self.nonceLength else {
            throw CryptoError.invalidLength(what: "ChaCha20-Poly1305 nonce", got: nonce.count, expected: Self.nonceLength)
        }
    }
}

extension ChaChaPoly {
    /// The nonce Noise's `ChaChaPoly` cipher functions use for counter `n`: 4 zero bytes, then `n`
    /// as 64-bit little-endian (Noise specification section 12.3).
    public static func noiseNonce(_ n: UInt64) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: nonceLength)
        for i in 0..<8 { nonce[4 + i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
        return nonce
    }
}

extension ChaChaPoly {
    /// Encrypts the concatenation of `plaintextParts` into `out` (ciphertext || tag), without
    /// joining the parts or allocating: `out.count` must be the parts' total plus `tagLength`.
    public func seal(
        nonce: [UInt8], plaintextParts: [UnsafeRawBufferPointer], aad: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try checkNonceLength(nonce)
        let total = plaintextParts.reduce(0) { $0 + $1.count }
        guard out.count == total + Self.tagLength else {
            throw CryptoError.invalidLength(what: "ChaCha20-Poly1305 output", got: out.count, expected: total + Self.tagLength)
        }
        let ok = withKeyBytes { keyBytes -> Bool in
            var length: Int32 = 0, finalLength: Int32 = 0
            guard let base = out.baseAddress?.assumingMemoryBound(to: UInt8.self),
                start(.encrypt, keyBytes, nonce),
                aad.count == 0 || EVP_EncryptUpdate(context, nil, &length, aad.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(aad.count)) == 1
            else { return false }
            var offset = 0
            for part in plaintextParts where part.count > 0 {
                guard EVP_EncryptUpdate(context, base + offset, &length, part.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(part.count)) == 1 else { return false }
                offset += Int(length)
            }
            guard EVP_EncryptFinal_ex(context, base + offset, &finalLength) == 1 else { return false }
            return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagLength), base + total) == 1
        }
        guard ok else { throw CryptoError.drainOpenSSL("ChaCha20-Poly1305 seal") }
    }

    /// Decrypts ciphertext || tag into `out` (`out.count` = `sealed.count - tagLength`). Throws
    /// `.authenticationFailed` when anything was altered, and then wipes `out`.
    public func open(
        nonce: [UInt8], sealed: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try checkNonceLength(nonce)
        guard sealed.count >= Self.tagLength else { throw CryptoError.authenticationFailed }
        let ciphertextLength = sealed.count - Self.tagLength
        guard out.count == ciphertextLength else {
            throw CryptoError.invalidLength(what: "ChaCha20-Poly1305 output", got: out.count, expected: ciphertextLength)
        }
        var scratch: UInt8 = 0
        let ok = withKeyBytes { keyBytes -> Bool in
            withUnsafeMutablePointer(to: &scratch) { scratchPointer -> Bool in
                var length: Int32 = 0, finalLength: Int32 = 0
                let base = out.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? scratchPointer
                let tag = UnsafeMutableRawPointer(mutating: sealed.baseAddress! + ciphertextLength)
                guard start(.decrypt, keyBytes, nonce),
                    aad.count == 0 || EVP_DecryptUpdate(context, nil, &length, aad.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(aad.count)) == 1,
                    ciphertextLength == 0 || EVP_DecryptUpdate(context, base, &length, sealed.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(ciphertextLength)) == 1,
                    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagLength), tag) == 1
                else { return false }
                return EVP_DecryptFinal_ex(context, base + Int(length), &finalLength) == 1
            }
        }
        guard ok else {
            if out.count > 0 { OPENSSL_cleanse(out.baseAddress, out.count) }
            ERR_clear_error()
            keyedFor = nil  // start afresh after a failure
            throw CryptoError.authenticationFailed
        }
    }
}
