import MegatorrentCrypto
import MegatorrentWire

/// What a link opens: a file's name, size, plaintext SHA-256, key and chunk ids (docs/blobs.md, "Descriptor").
///
/// Encoded, it is padded with zeros to exactly one chunk (1 MiB) and sealed like a chunk, under the link's key, so a
/// descriptor blob looks like any other blob to a host.
public struct FileDescriptor: Sendable {
    /// The file's name: one path component (no `/`, no NUL, not `.` or `..`), 1 to 255 UTF-8 bytes.
    public let name: String
    /// The file's size in bytes.
    public let size: UInt64
    /// The SHA-256 of the whole plaintext file.
    public let plaintextSHA256: [UInt8]
    /// The file key that seals every chunk (secret).
    public let key: SecureBytes
    /// The chunks' blob ids, in file order.
    public let chunks: [BlobID]

    /// "MTFD", the magic of encoded descriptors.
    static let magic: [UInt8] = Array("MTFD".utf8)
    /// The version this implementation writes and reads.
    static let version: UInt8 = 1
    /// Bytes before the name: magic, version, size, plaintext SHA-256, key, name length.
    static let fixedHeader = 4 + 1 + 8 + 32 + 32 + 2
    /// Most bytes of a name.
    public static let maxNameBytes = 255
    /// Most chunks one descriptor holds (with the longest name): 32,757, files up to 32,757 MiB.
    public static let maxChunks = (BlobFormat.chunkSize - fixedHeader - maxNameBytes - 4) / 32
    /// The largest file one descriptor describes.
    public static let maxFileSize = UInt64(maxChunks) * UInt64(BlobFormat.chunkSize)

    /// A descriptor; throws when the fields disagree (chunk count and size, name, lengths).
    public init(name: String, size: UInt64, plaintextSHA256: [UInt8], key: SecureBytes, chunks: [BlobID]) throws(BlobError) {
        guard Self.isValidName(Array(name.utf8)) else { throw .malformedDescriptor("invalid file name") }
        guard plaintextSHA256.count == 32, key.count == BlobFormat.keyLength else { throw .malformedDescriptor("bad hash or key length") }
        guard chunks.count <= Self.maxChunks else { throw .fileTooLarge(size: size, limit: Self.maxFileSize) }
        guard UInt64(chunks.count) == BlobFormat.chunkCount(forSize: size) else {
            throw .malformedDescriptor("\(chunks.count) chunks for \(size) bytes")
        }
        self.name = name
        self.size = size
        self.plaintextSHA256 = plaintextSHA256
        self.key = key
        self.chunks = chunks
    }

    /// Whether `name` may name a file: one path component of 1 to 255 UTF-8 bytes, no NUL or `/`, not `.` or `..`.
    static func isValidName(_ bytes: [UInt8]) -> Bool {
        guard (1...maxNameBytes).contains(bytes.count), bytes != [0x2e], bytes != [0x2e, 0x2e],
            !bytes.contains(0), !bytes.contains(0x2f), String(validating: bytes, as: UTF8.self) != nil
        else { return false }
        return true
    }

    /// The exact chunk-sized plaintext (it holds the file key: wipe it after use, as `seal` does).
    public func encoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(BlobFormat.chunkSize)
        out += Self.magic
        out.append(Self.version)
        for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: size >> (8 * UInt64(i)))) }
        out += plaintextSHA256
        key.withUnsafeBytes { out += $0 }
        let nameBytes = Array(name.utf8)
        out.append(UInt8(nameBytes.count >> 8))
        out.append(UInt8(nameBytes.count & 0xff))
        out += nameBytes
        let count = UInt32(chunks.count)
        for i in (0..<4).reversed() { out.append(UInt8(truncatingIfNeeded: count >> (8 * UInt32(i)))) }
        for id in chunks { out += id.bytes }
        out += [UInt8](repeating: 0, count: BlobFormat.chunkSize - out.count)
        return out
    }

    /// The descriptor in `bytes` (a descriptor blob's plaintext). Pure: the fuzz target's subject. Strict: exactly one
    /// chunk long, the known magic and version, a valid name, a chunk count that matches the size, zero padding.
    public static func parse(_ bytes: [UInt8]) throws(BlobError) -> FileDescriptor {
        guard bytes.count == BlobFormat.chunkSize else { throw .malformedDescriptor("\(bytes.count) bytes, not one chunk") }
        guard Array(bytes[0..<4]) == magic else { throw .malformedDescriptor("bad magic") }
        guard bytes[4] == version else { throw .malformedDescriptor("version \(bytes[4])") }
        var size: UInt64 = 0
        for i in 5..<13 { size = size << 8 | UInt64(bytes[i]) }
        let hash = Array(bytes[13..<45])
        let key = SecureBytes(copying: bytes[45..<77])
        let nameLength = Int(bytes[77]) << 8 | Int(bytes[78])
        guard nameLength <= maxNameBytes else { throw .malformedDescriptor("name of \(nameLength) bytes") }
        var offset = fixedHeader
        let name = Array(bytes[offset..<offset + nameLength])
        guard isValidName(name) else { throw .malformedDescriptor("invalid file name") }
        offset += nameLength
        var count = 0
        for i in 0..<4 { count = count << 8 | Int(bytes[offset + i]) }
        offset += 4
        guard count <= (bytes.count - offset) / 32 else { throw .malformedDescriptor("\(count) chunks do not fit") }
        guard UInt64(count) == BlobFormat.chunkCount(forSize: size) else {
            throw .malformedDescriptor("\(count) chunks for \(size) bytes")
        }
        var chunks: [BlobID] = []
        chunks.reserveCapacity(count)
        for i in 0..<count { chunks.append(BlobID(bytes[offset + 32 * i..<offset + 32 * (i + 1)])!) }
        offset += 32 * count
        guard bytes[offset...].allSatisfy({ $0 == 0 }) else { throw .malformedDescriptor("non-zero padding") }
        return try FileDescriptor(name: String(decoding: name, as: UTF8.self), size: size, plaintextSHA256: hash, key: key, chunks: chunks)
    }

    /// The descriptor blob: the encoding sealed under `linkKey`. Returns its id and sealed bytes.
    public func seal(linkKey: SecureBytes) throws -> (id: BlobID, sealed: [UInt8]) {
        var plain = encoded()
        defer { secureWipe(&plain) }
        let sealed = try ChaChaPoly(key: linkKey).seal(nonce: BlobFormat.descriptorNonce, plaintext: plain, aad: BlobFormat.descriptorAAD)
        return (sealed.withUnsafeBytes { BlobFormat.blobID(of: $0) }, sealed)
    }

    /// Opens and parses a descriptor blob with the link's key. Throws `.corruptBlob` when it does not open.
    public static func open(_ sealed: [UInt8], id: BlobID, linkKey: SecureBytes) throws(BlobError) -> FileDescriptor {
        guard sealed.count == BlobFormat.sealedSize else { throw .corruptBlob(id) }
        var plain: [UInt8]
        do {
            plain = try ChaChaPoly(key: linkKey).open(nonce: BlobFormat.descriptorNonce, sealed: sealed, aad: BlobFormat.descriptorAAD)
        } catch {
            throw .corruptBlob(id)
        }
        defer { secureWipe(&plain) }
        return try parse(plain)
    }
}
