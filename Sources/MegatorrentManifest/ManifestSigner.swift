import MegatorrentCrypto
import MegatorrentJSON

/// Makes signed manifests from unsigned input.
public enum ManifestSigner {
    /// Signs `body` with `key`. Throws `.keyMismatch` when the body names another public key.
    public static func sign(_ body: ManifestBody, with key: Ed25519.PrivateKey) throws -> SignedManifest {
        guard body.publicKey == key.publicKey else {
            throw ManifestError.keyMismatch(expected: body.publicKey.hex, got: key.publicKey.hex)
        }
        try validate(body)
        let canonical = body.canonicalBytes
        // The signed form adds `,"signature":"<128 hex>"`: 143 bytes.
        guard canonical.count + 143 <= ManifestLimits.maxBytes else { throw ManifestError.tooLarge(bytes: canonical.count + 143) }
        let signature = try key.sign(canonical)
        return SignedManifest(body: body, signature: signature)
    }

    /// Signs unsigned input: a JSON object with `collections` (and any other fields, kept). Input
    /// fields `publicKey`, `sequence`, `timestamp` and `signature` are replaced by the arguments.
    public static func sign(
        unsignedJSON bytes: [UInt8], with key: Ed25519.PrivateKey, sequence: UInt64, timestamp: UInt64
    ) throws -> SignedManifest {
        let members: [JSONMember] = try bytes.withUnsafeBytes { buffer throws(ManifestError) in try ManifestDecoder.parseObject(buffer) }
        let collections = try ManifestDecoder.collections(ManifestDecoder.field(members, "collections"))
        let body = ManifestBody(
            publicKey: key.publicKey, sequence: sequence, timestamp: timestamp, collections: collections,
            extraFields: ManifestDecoder.extraFields(members))
        return try sign(body, with: key)
    }

    /// The checks a receiver makes that a hand-built body could fail.
    static func validate(_ body: ManifestBody) throws(ManifestError) {
        guard body.sequence <= ManifestLimits.maxInteger else { throw .sequenceOutOfRange }
        guard body.timestamp <= ManifestLimits.maxInteger else { throw .timestampOutOfRange }
        _ = try ManifestDecoder.collections(.array(body.collections.map(\.json)))
    }
}
