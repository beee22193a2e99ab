import MegatorrentCrypto
import MegatorrentJSON
@testable import MegatorrentManifest

/// A valid magnet URI for item `n`.
func magnet(_ n: Int) -> String {
    let hash = Hex.encode(Digest.hash(.sha256, Array("item \(n)".utf8)).prefix(20))
    return "magnet:?xt=urn:btih:\(hash)&dn=Item%20\(n)&tr=udp%3A%2F%2Ftracker.example%3A6969"
}

/// Unsigned input as the CLI takes it.
func unsignedInput(items: Int = 3, extra: String = "") -> [UInt8] {
    let list = (0..<items).map { "\"\(magnet($0))\"" }.joined(separator: ",")
    return Array("{\"collections\":[{\"title\":\"Season 1\",\"items\":[\(list)]}]\(extra)}".utf8)
}

/// A signed manifest's bytes.
func signedBytes(_ key: Ed25519.PrivateKey, sequence: UInt64 = 1, items: Int = 3, extra: String = "") throws -> [UInt8] {
    try ManifestSigner.sign(unsignedJSON: unsignedInput(items: items, extra: extra), with: key, sequence: sequence, timestamp: 1_700_000_000_000).jsonBytes
}

/// Replaces the first occurrence of `old` by `new` in UTF-8 bytes.
func replacing(_ bytes: [UInt8], _ old: String, _ new: String) -> [UInt8] {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let range = text.range(of: old) else { preconditionFailure("\(old) not in \(text)") }
    return Array(text.replacingCharacters(in: range, with: new).utf8)
}

/// The error `ManifestVerifier.verify` throws, or nil.
func refusal(_ bytes: [UInt8], expectedKey: Ed25519.PublicKey? = nil) -> ManifestError? {
    do {
        _ = try ManifestVerifier.verify(bytes, expectedKey: expectedKey)
        return nil
    } catch {
        return error
    }
}

extension String {
    func replacingCharacters(in range: Range<String.Index>, with replacement: String) -> String {
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
