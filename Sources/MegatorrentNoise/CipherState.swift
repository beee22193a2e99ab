import MegatorrentCrypto

/// Noise's CipherState (specification section 5.1): a ChaCha20-Poly1305 key `k` and a 64-bit
/// nonce counter `n`.
///
/// Not `Sendable`: one state belongs to one direction of one session, used from one thread.
public final class CipherState {
    /// The value of `n` at which the state refuses to encrypt or decrypt: 2^64-1 is reserved for
    /// `REKEY` (section 5.1).
    public static let exhaustedNonce = UInt64.max

    private var cipher: ChaChaPoly?
    /// The next nonce.
    public private(set) var nonce: UInt64 = 0

    /// A state with key `key` (nil: no key yet, so encryption passes plaintext through, as the
    /// handshake needs before its first DH) and `n = 0`.
    public init(key: SecureBytes?) throws(NoiseError) {
        try initializeKey(key)
    }

    /// Whether a key is set.
    public var hasKey: Bool { cipher != nil }

    /// `InitializeKey(k)`: sets the key and resets `n` to zero.
    func initializeKey(_ key: SecureBytes?) throws(NoiseError) {
        if let key {
            do { cipher = try ChaChaPoly(key: key) } catch { throw NoiseError(error) }
        } else {
            cipher = nil
        }
        nonce = 0
    }

    /// `EncryptWithAd(ad, plaintext)`: ciphertext || tag, and `n += 1`. Without a key, returns the
    /// plaintext.
    public func encrypt(associatedData: [UInt8], plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard hasKey else { return plaintext }
        return try withBytes(plaintext) { (p) throws(NoiseError) in
            try withBytes(associatedData) { (a) throws(NoiseError) in try encrypt(associatedData: a, plaintext: p) }
        }
    }

    /// `DecryptWithAd(ad, ciphertext)`: the plaintext, and `n += 1` only when it authenticates.
    /// Without a key, returns the ciphertext.
    public func decrypt(associatedData: [UInt8], ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard hasKey else { return ciphertext }
        return try withBytes(ciphertext) { (c) throws(NoiseError) in
            try withBytes(associatedData) { (a) throws(NoiseError) in try decrypt(associatedData: a, ciphertext: c) }
        }
    }

    /// `EncryptWithAd` over raw buffers (a key must be set).
    func encrypt(associatedData: UnsafeRawBufferPointer, plaintext: UnsafeRawBufferPointer) throws(NoiseError) -> [UInt8] {
        guard let cipher else { throw .missingKey("cipher") }
        guard nonce != Self.exhaustedNonce else { throw .nonceExhausted }
        let sealed: [UInt8]
        do { sealed = try cipher.seal(nonce: ChaChaPoly.noiseNonce(nonce), plaintext: plaintext, aad: associatedData) } catch {
            throw NoiseError(error)
        }
        nonce += 1
        return sealed
    }

    /// `DecryptWithAd` over raw buffers (a key must be set).
    func decrypt(associatedData: UnsafeRawBufferPointer, ciphertext: UnsafeRawBufferPointer) throws(NoiseError) -> [UInt8] {
        guard let cipher else { throw .missingKey("cipher") }
        guard nonce != Self.exhaustedNonce else { throw .nonceExhausted }
        let plaintext: [UInt8]
        do { plaintext = try cipher.open(nonce: ChaChaPoly.noiseNonce(nonce), sealed: ciphertext, aad: associatedData) } catch {
            throw NoiseError(error)
        }
        nonce += 1
        return plaintext
    }

    /// `EncryptWithAd(empty, concatenation of parts)` written into `out` (parts' total + 16 bytes),
    /// without joining the parts or allocating.
    func encrypt(plaintextParts: [UnsafeRawBufferPointer], into out: UnsafeMutableRawBufferPointer) throws(NoiseError) {
        guard let cipher else { throw .missingKey("cipher") }
        guard nonce != Self.exhaustedNonce else { throw .nonceExhausted }
        do { try cipher.seal(nonce: ChaChaPoly.noiseNonce(nonce), plaintextParts: plaintextParts, aad: UnsafeRawBufferPointer(start: nil, count: 0), into: out) } catch {
            throw NoiseError(error)
        }
        nonce += 1
    }

    /// `DecryptWithAd(empty, ciphertext)` written into `out` (ciphertext length − 16 bytes).
    func decrypt(ciphertext: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(NoiseError) {
        guard let cipher else { throw .missingKey("cipher") }
        guard nonce != Self.exhaustedNonce else { throw .nonceExhausted }
        do { try cipher.open(nonce: ChaChaPoly.noiseNonce(nonce), sealed: ciphertext, aad: UnsafeRawBufferPointer(start: nil, count: 0), into: out) } catch {
            throw NoiseError(error)
        }
        nonce += 1
    }

    /// `Rekey()` (section 4.2 and 11.3): `k = first 32 bytes of ENCRYPT(k, 2^64-1, zerolen,
    /// zeros[32])`. `n` is unchanged.
    public func rekey() throws(NoiseError) {
        guard let cipher else { throw .missingKey("cipher") }
        var sealed: [UInt8]
        do { sealed = try cipher.seal(nonce: ChaChaPoly.noiseNonce(Self.exhaustedNonce), plaintext: [UInt8](repeating: 0, count: 32), aad: []) } catch {
            throw NoiseError(error)
        }
        let newKey = SecureBytes(copying: sealed.prefix(32))
        secureWipe(&sealed)
        let keep = nonce
        try initializeKey(newKey)
        nonce = keep
    }

    /// `SetNonce(n)`, for tests of exhaustion and for recovering a counter.
    public func setNonce(_ n: UInt64) { nonce = n }
}
