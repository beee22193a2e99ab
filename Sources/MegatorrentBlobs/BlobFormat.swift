import MegatorrentCrypto
import MegatorrentWire

/// The constants of the encrypted blob format (docs/blobs.md).
public enum BlobFormat {
    /// Plaintext bytes per chunk: 1 MiB. The last chunk of a file is padded with zeros to this size.
    public static let chunkSize = 1 << 20
    /// Bytes of every sealed blob, chunk or descriptor: a chunk and its Poly1305 tag.
    public static let sealedSize = chunkSize + ChaChaPoly.tagLength
    /// Key length of file keys and link keys.
    public static let keyLength = ChaChaPoly.keyLength

    /// The associated data of every chunk: separates chunks from descriptors under any key.
    static let chunkAAD = Array("megatorrent blob chunk v1".utf8)
    /// The associated data of a descriptor.
    static let descriptorAAD = Array("megatorrent blob descriptor v1".utf8)

    /// The nonce of chunk `index`: 4 zero bytes, then the index as 64-bit big-endian. Every file has a fresh key,
    /// so a (key, nonce) pair is never reused.
    public static func chunkNonce(_ index: UInt64) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: ChaChaPoly.nonceLength)
        for i in 0..<8 { nonce[4 + i] = UInt8(truncatingIfNeeded: index >> (8 * UInt64(7 - i))) }
        return nonce
    }

    /// The nonce of a descriptor: all zeros (its link key seals nothing else).
    public static let descriptorNonce = [UInt8](repeating: 0, count: ChaChaPoly.nonceLength)

    /// A blob's id: the SHA-256 of its sealed bytes.
    public static func blobID(of sealed: UnsafeRawBufferPointer) -> BlobID {
        BlobID(Digest.hash(.sha256, sealed))!
    }

    /// The number of chunks of a file of `size` bytes (0 for an empty file).
    public static func chunkCount(forSize size: UInt64) -> UInt64 {
        // Not (size + chunkSize - 1) / chunkSize: that overflows for sizes near UInt64.max (a forged descriptor).
        size / UInt64(chunkSize) + (size % UInt64(chunkSize) == 0 ? 0 : 1)
    }
}
