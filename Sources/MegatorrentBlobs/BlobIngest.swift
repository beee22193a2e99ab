#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentWire
import Synchronization

/// Cuts a file into sealed 1 MiB blobs in a store and makes its descriptor and link (docs/blobs.md, "Ingest").
///
/// Streams in bounded memory: one plaintext chunk and one sealed chunk at a time, whatever the file's size.
public enum BlobIngest {
    /// Chunks in flight at once (each holds a 1 MiB plaintext and a sealed buffer).
    static let slotCount = 4

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
        // This thread reads each chunk into a free slot; a serial queue hashes the plaintext in file order while other
        // threads seal, hash the sealed bytes and write (a few chunks in flight, each in a slot of its own), so the
        // work spreads over the cores. Memory: `slotCount` plaintext and sealed buffers, whatever the file's size.
        let slots = try (0..<slotCount).map { _ in try IngestSlot(key: fileKey) }
        let free = DispatchSemaphore(value: slotCount)
        let freeSlots = SlotQueue(slots)
        let group = DispatchGroup()
        let count = BlobFormat.chunkCount(forSize: size)
        let ids = IngestResults(count: Int(count))
        let hasher = PlainHasher(try Digest(.sha256))
        let hashQueue = DispatchQueue(label: "megatorrent.ingest.hash")
        var failure: (any Error)?
        for index in 0..<count {
            free.wait()
            let slot = freeSlots.take()
            let offset = index * UInt64(BlobFormat.chunkSize)
            let expected = Int(min(UInt64(BlobFormat.chunkSize), size - offset))
            do {
                let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: slot.plain[0..<expected]), at: offset)
                guard got == expected else { throw BlobError.fileChanged(path) }
            } catch {
                failure = error
                freeSlots.give(slot)
                free.signal()
                break
            }
            if expected < BlobFormat.chunkSize { slot.plain[expected...].initializeMemory(as: UInt8.self, repeating: 0) }
            // Two jobs read the slot at once: the plaintext hash (in file order, on a serial queue) and the seal. The
            // slot is free again when both are done.
            slot.pendingJobs.withLock { $0 = 2 }
            let release: @Sendable () -> Void = {
                if slot.pendingJobs.withLock({ pending -> Bool in
                    pending -= 1
                    return pending == 0
                }) {
                    freeSlots.give(slot)
                    free.signal()
                }
            }
            hashQueue.async(group: group) {
                hasher.update(UnsafeRawBufferPointer(rebasing: slot.plain[0..<expected]))
                release()
            }
            DispatchQueue.global().async(group: group) {
                do {
                    ids.set(Int(index), try slot.sealAndStore(index: index, into: store))
                } catch {
                    ids.fail(error)
                }
                release()
            }
            progress?(offset + UInt64(expected), size)
            if ids.failure != nil { break }
        }
        group.wait()
        for slot in slots { slot.wipe() }
        if let failure { throw failure }
        let chunkIDs = try ids.all()
        guard try file.size() == size else { throw BlobError.fileChanged(path) }
        let descriptor = try FileDescriptor(name: name, size: size, plaintextSHA256: hasher.finalize(), key: fileKey, chunks: chunkIDs)
        let linkKey = try SecureBytes.random(count: BlobFormat.keyLength)
        let (descriptorID, descriptorBlob) = try descriptor.seal(linkKey: linkKey)
        try withRawBytes(descriptorBlob) { (buffer) throws(BlobError) in try store.put(descriptorID, sealed: buffer) }
        store.sync()
        return Result(link: BlobLink(descriptor: descriptorID, key: linkKey), size: size, chunks: chunkIDs.count, name: name)
    }
}

/// One chunk's buffers and cipher, used by one thread at a time.
final class IngestSlot: @unchecked Sendable {
    let plain = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobFormat.chunkSize, alignment: 64)
    private let sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobFormat.sealedSize, alignment: 64)
    private let cipher: ChaChaPoly
    /// Jobs still reading `plain`.
    let pendingJobs = Mutex(0)

    init(key: SecureBytes) throws {
        cipher = try ChaChaPoly(key: key)
    }

    deinit {
        wipe()
        plain.deallocate()
        sealed.deallocate()
    }

    /// Seals `plain` as chunk `index`, stores it and returns its id.
    func sealAndStore(index: UInt64, into store: BlobStore) throws -> BlobID {
        try BlobFormat.chunkAAD.withUnsafeBytes { aad in
            try cipher.seal(nonce: BlobFormat.chunkNonce(index), plaintextParts: [UnsafeRawBufferPointer(plain)], aad: aad, into: sealed)
        }
        let id = BlobFormat.blobID(of: UnsafeRawBufferPointer(sealed))
        try store.put(id, sealed: UnsafeRawBufferPointer(sealed))
        return id
    }

    /// Overwrites the plaintext.
    func wipe() { plain.initializeMemory(as: UInt8.self, repeating: 0) }
}

/// The streaming plaintext hash, updated only on the serial hash queue.
final class PlainHasher: @unchecked Sendable {
    private var digest: Digest?
    init(_ digest: consuming Digest) { self.digest = consume digest }
    func update(_ bytes: UnsafeRawBufferPointer) { digest!.update(bytes) }
    func finalize() -> [UInt8] { digest.take()!.finalize() }
}

/// The free slots.
final class SlotQueue: Sendable {
    private let slots: Mutex<[IngestSlot]>
    init(_ slots: [IngestSlot]) { self.slots = Mutex(slots) }
    func take() -> IngestSlot { slots.withLock { $0.removeLast() } }
    func give(_ slot: IngestSlot) { slots.withLock { $0.append(slot) } }
}

/// The chunk ids, filled in by the sealing threads, and the first error.
final class IngestResults: Sendable {
    private struct State {
        var ids: [BlobID?]
        var failure: (any Error)?
    }
    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(ids: Array(repeating: nil, count: count))) }

    func set(_ index: Int, _ id: BlobID) { state.withLock { $0.ids[index] = id } }
    func fail(_ error: any Error) { state.withLock { if $0.failure == nil { $0.failure = error } } }
    var failure: (any Error)? { state.withLock { $0.failure } }

    /// Every id, or the first error.
    func all() throws -> [BlobID] {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            return state.ids.map { $0! }
        }
    }
}
