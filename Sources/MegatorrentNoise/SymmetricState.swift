import MegatorrentCrypto

/// Noise's SymmetricState (specification section 5.2): the chaining key `ck`, the handshake hash
/// `h` and the CipherState of the handshake.
final class SymmetricState {
    let hash: NoiseHash
    private var chainingKey: SecureBytes
    private(set) var handshakeHash: [UInt8]
    let cipher: CipherState

    /// `InitializeSymmetric(protocol_name)`: `h` is the name padded with zeros when it fits in
    /// `HASHLEN` bytes, else its hash; `ck = h`; no key.
    init(protocolName: NoiseProtocolName) throws(NoiseError) {
        hash = protocolName.hash
        let name = Array(protocolName.description.utf8)
        handshakeHash = name.count <= hash.length
            ? name + [UInt8](repeating: 0, count: hash.length - name.count)
            : Digest.hash(hash.digest, name)
        chainingKey = SecureBytes(copying: handshakeHash)
        cipher = try CipherState(key: nil)
    }

    /// `MixKey(input_key_material)`: `ck, temp_k = HKDF(ck, ikm, 2)`; `InitializeKey(temp_k)`.
    func mixKey(_ inputKeyMaterial: SecureBytes) throws(NoiseError) {
        let outputs: [SecureBytes]
        do { outputs = try HKDF.noise(hash.digest, chainingKey: chainingKey, inputKeyMaterial: inputKeyMaterial, outputs: 2) } catch {
            throw NoiseError(error)
        }
        chainingKey = outputs[0]
        try cipher.initializeKey(outputs[1])  // HASHLEN is 32: no truncation needed
    }

    /// `MixHash(data)`: `h = HASH(h || data)`.
    func mixHash(_ data: [UInt8]) {
        var digest: Digest
        do { digest = try Digest(hash.digest) } catch { preconditionFailure("built-in digest \(hash) unavailable: \(error)") }
        digest.update(handshakeHash)
        digest.update(data)
        handshakeHash = digest.finalize()
    }

    /// `EncryptAndHash(plaintext)`: `ciphertext = EncryptWithAd(h, plaintext)`; `MixHash(ciphertext)`.
    func encryptAndHash(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let ciphertext = try cipher.encrypt(associatedData: handshakeHash, plaintext: plaintext)
        mixHash(ciphertext)
        return ciphertext
    }

    /// `DecryptAndHash(ciphertext)`: `plaintext = DecryptWithAd(h, ciphertext)`; `MixHash(ciphertext)`.
    func decryptAndHash(_ ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let plaintext = try cipher.decrypt(associatedData: handshakeHash, ciphertext: ciphertext)
        mixHash(ciphertext)
        return plaintext
    }

    /// `Split()`: `temp_k1, temp_k2 = HKDF(ck, zerolen, 2)`; the initiator sends with the first.
    func split() throws(NoiseError) -> (first: CipherState, second: CipherState) {
        let outputs: [SecureBytes]
        do { outputs = try HKDF.noise(hash.digest, chainingKey: chainingKey, inputKeyMaterial: SecureBytes(copying: []), outputs: 2) } catch {
            throw NoiseError(error)
        }
        return (try CipherState(key: outputs[0]), try CipherState(key: outputs[1]))
    }
}
