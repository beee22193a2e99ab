import MegatorrentCrypto
import MegatorrentJSON

/// Parses, validates and verifies signed manifests. Pure: the replay check against the last
/// accepted sequence is the sequence store's job (MegatorrentState).
public enum ManifestVerifier {
    /// The verified manifest in `bytes`, or the first reason it is refused.
    ///
    /// Steps, in order: size limit; strict JSON (UTF-8, no duplicate keys, no lone surrogates);
    /// required fields and their types; public key encoding and strictness; sequence and
    /// timestamp range; collection and item limits; magnet URI validity; signature encoding;
    /// strict Ed25519 verification over the RFC 8785 form of the object without `signature`.
    public static func verify(_ bytes: UnsafeRawBufferPointer, expectedKey: Ed25519.PublicKey? = nil) throws(ManifestError) -> SignedManifest {
        let members = try ManifestDecoder.parseObject(bytes)
        let publicKey = try ManifestDecoder.publicKey(ManifestDecoder.field(members, "publicKey"))
        if let expectedKey, expectedKey != publicKey {
            throw .keyMismatch(expected: expectedKey.hex, got: publicKey.hex)
        }
        let sequence = try ManifestDecoder.integer(ManifestDecoder.field(members, "sequence"), .sequenceOutOfRange)
        let timestamp = try ManifestDecoder.integer(ManifestDecoder.field(members, "timestamp"), .timestampOutOfRange)
        let collections = try ManifestDecoder.collections(ManifestDecoder.field(members, "collections"))
        let signature = try ManifestDecoder.signature(ManifestDecoder.field(members, "signature"))

        let unsigned = members.filter { !$0.hasKey("signature") }
        let canonical = CanonicalJSON.serialize(.object(unsigned))
        guard publicKey.isValidSignature(signature, for: canonical) else { throw .badSignature }

        let body = ManifestBody(
            publicKey: publicKey, sequence: sequence, timestamp: timestamp, collections: collections,
            extraFields: ManifestDecoder.extraFields(members))
        return SignedManifest(body: body, signature: signature)
    }

    /// Verifies a manifest held in an array or string's bytes.
    public static func verify(_ bytes: [UInt8], expectedKey: Ed25519.PublicKey? = nil) throws(ManifestError) -> SignedManifest {
        let result: Result<SignedManifest, ManifestError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(ManifestError) in try verify(buffer, expectedKey: expectedKey) }
        }
        return try result.get()
    }
}
