#if canImport(Glibc)
import Glibc
#endif
import MegatorrentCrypto
import MegatorrentWire

/// Cuts a file into sealed 1 MiB blobs in a store and makes its descriptor and link (docs/blobs.md, "Ingest").
///
/// Streams in bounded memory: one plaintext chunk and one sealed chunk at a time, whatever the file's size.
public enum BlobIngest {
    /// What an ingest made.
    public struct Result: Sendable {
        /// The link that opens the file (holds the link key: print it only where asked).
        public let link: BlobLink
        /// The file's size.
        public let size: UInt64
        /// Chunk blobs written (the descriptor not counted).
        public let chunks: Int
        /// The name recorded in the descriptor.
        public let name: String
    }

    /// Ingests the file at `path` into `store` under `name` (default: the path's last component). `progress` hears
    /// the plaintext bytes done after each chunk. Syncs the store before returning.
    public static func ingest(
        path: String, name: String? = nil, store: BlobStore, progress: ((UInt64, UInt64) -> Void)? = nil
    ) throws -> Result {
        let name = name ?? String(path.split(separator: "/").last ?? "file")
        guard FileDescriptor.isValidName(Array(name.utf8)) else { throw BlobError.malformedDescriptor("invalid file name \"\(name)\"") }
        let file = try PosixFile(path, flags: O_RDONLY)
        let size = try file.size()
        guard size <= FileDescriptor.maxFileSize else { throw BlobError.fileTooLarge(size: size, limit: FileDescriptor.maxFileSize) }
        _ = posix_fadvise(file.fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        let fileKey = try SecureBytes.random(count: BlobFormat.keyLength)
        let cipher = try ChaChaPoly(key: fileKey)
        let plain = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobFormat.chunkSize, alignment: 64)
        let sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobFormat.sealedSize, alignment: 64)
        defer {
            plain.initializeMemory(as: UInt8.self, repeating: 0)
            plain.deallocate()
            sealed.deallocate()
        }
        var fileHash = try Digest(.sha256)
        let count = BlobFormat.chunkCount(forSize: size)
        var ids: [BlobID] = []
        ids.reserveCapacity(Int(count))
        let aad = BlobFormat.chunkAAD
        for index in 0..<count {
            let offset = index * UInt64(BlobFormat.chunkSize)
            let expected = Int(min(UInt64(BlobFormat.chunkSize), size - offset))
            let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: plain[0..<expected]), at: offset)
            guard got == expected else { throw BlobError.fileChanged(path) }
            if expected < BlobFormat.chunkSize { plain[expected...].initializeMemory(as: UInt8.self, repeating: 0) }
            fileHash.update(UnsafeRawBufferPointer(rebasing: plain[0..<expected]))
            try aad.withUnsafeBytes { aadBytes in
                try cipher.seal(
                    nonce: BlobFormat.chunkNonce(index), plaintextParts: [UnsafeRawBufferPointer(plain)], aad: aadBytes, into: sealed)
            }
            let id = BlobFormat.blobID(of: UnsafeRawBufferPointer(sealed))
            try store.put(id, sealed: UnsafeRawBufferPointer(sealed))
            ids.append(id)
            progress?(offset + UInt64(expected), size)
        }
        guard try file.size() == size else { throw BlobError.fileChanged(path) }
        let descriptor = try FileDescriptor(name: name, size: size, plaintextSHA256: fileHash.finalize(), key: fileKey, chunks: ids)
        let linkKey = try SecureBytes.random(count: BlobFormat.keyLength)
        let (descriptorID, descriptorBlob) = try descriptor.seal(linkKey: linkKey)
        try withRawBytes(descriptorBlob) { (buffer) throws(BlobError) in try store.put(descriptorID, sealed: buffer) }
        store.sync()
        return Result(link: BlobLink(descriptor: descriptorID, key: linkKey), size: size, chunks: ids.count, name: name)
    }
}
