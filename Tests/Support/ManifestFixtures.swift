// Manifests the test targets share.
import MegatorrentCrypto
import MegatorrentManifest

/// A manifest of `key` at `sequence` with one collection titled `title` holding one magnet, signed.
/// Deterministic (Ed25519 and a fixed timestamp): the same arguments give the same bytes.
public func makeSignedManifest(_ key: Ed25519.PrivateKey, _ sequence: UInt64, title: String = "t") throws -> SignedManifest {
    let body = ManifestBody(
        publicKey: key.publicKey, sequence: sequence, timestamp: 1,
        collections: [ManifestCollection(title: title, items: ["magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"])])
    return try ManifestSigner.sign(body, with: key)
}
