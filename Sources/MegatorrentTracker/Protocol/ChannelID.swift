import MegatorrentCrypto
import MegatorrentManifest

/// Channel ids as the tracker protocol carries them: 64 lowercase hex digits of the channel's
/// Ed25519 public key. A `magnet:?xs=urn:btpk:` link is accepted on input and normalized.
public enum ChannelID {
    /// The channel id `text` names (64 lowercase hex digits), or nil when `text` is neither a valid
    /// id nor a `magnet:?xs=urn:btpk:` link, or names a weak (low-order or non-canonical) key.
    public static func normalize(_ text: String) -> String? {
        guard text.utf8.count <= 512, let key = try? ChannelAddress.parse(text) else { return nil }
        return key.hex
    }
}
