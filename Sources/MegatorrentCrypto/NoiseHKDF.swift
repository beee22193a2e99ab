/// Noise's `HKDF(chaining_key, input_key_material, num_outputs)` (Noise specification section 4.3).
extension HKDF {
    /// Two or three outputs of `HASHLEN` bytes each, in secure storage. Noise's HKDF is RFC 5869
    /// HKDF with salt = `chainingKey` and empty info, cut into `outputs` pieces (measured equal to
    /// OpenSSL's EVP_KDF "HKDF"); `inputKeyMaterial` may be empty (Noise's `Split()`).
    public static func noise(
        _ digest: DigestAlgorithm, chainingKey: SecureBytes, inputKeyMaterial: SecureBytes, outputs: Int
    ) throws(CryptoError) -> [SecureBytes] {
        precondition(outputs == 2 || outputs == 3, "Noise's HKDF returns two or three outputs")
        let length = digest.outputLength
        let all = try derive(digest, salt: chainingKey, ikm: inputKeyMaterial, info: [], length: length * outputs)
        return all.withUnsafeBytes { bytes in
            (0..<outputs).map { index in SecureBytes(copying: bytes[(index * length)..<((index + 1) * length)]) }
        }
    }
}
