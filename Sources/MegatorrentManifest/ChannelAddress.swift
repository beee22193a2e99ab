import MegatorrentCrypto

/// A channel's address as users write it: the 64-hex public key, or a
/// `magnet:?xs=urn:btpk:<64 hex>` link (BEP 46).
public enum ChannelAddress {
    /// The strict public key `text` names, or `ManifestError.invalidPublicKey` / `.weakPublicKey`.
    public static func parse(_ text: String) throws(ManifestError) -> Ed25519.PublicKey {
        var hex = Substring(text)
        if text.lowercased().hasPrefix("magnet:?") {
            let parameters = text.dropFirst("magnet:?".count).split(separator: "&")
            guard let xs = parameters.first(where: { $0.lowercased().hasPrefix("xs=urn:btpk:") }) else {
                throw .invalidPublicKey
            }
            hex = xs.dropFirst("xs=urn:btpk:".count)
        }
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { throw .invalidPublicKey }
        do {
            return try Ed25519.PublicKey(bytes: bytes)
        } catch {
            throw .weakPublicKey
        }
    }

    /// The `magnet:?xs=urn:btpk:` link of a key.
    public static func magnet(_ key: Ed25519.PublicKey) -> String { "magnet:?xs=urn:btpk:\(key.hex)" }
}
