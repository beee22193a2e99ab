#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import MegatorrentCrypto
import Synchronization

/// The SHA-256 of a file being reassembled, computed while the download goes on, so that the check at the end
/// (docs/blobs.md, "Download", step 6) only hashes what is left instead of reading and hashing the whole file then, on
/// one core, after the network is done.
///
/// Chunks are hashed in file order. A chunk written when it is the next one and nothing else is being hashed is hashed
/// at once from the buffer that was just written to the file (no read-back); the others are read back from the file
/// by a serial queue of its own once the chunks before them are hashed. Either way, the bytes hashed are the bytes
/// written to the file. Memory: one chunk buffer for the read-back.
final class PrefixHasher: @unchecked Sendable {
    private struct State {
        /// Chunks hashed: the prefix 0..<hashed.
        var hashed = 0
        /// Someone (a writer in place, or the queue) is hashing chunk `hashed`: only they touch `digest` and `buffer`.
        var busy = false
        var failure: BlobError?
        /// The file was shorter than its size.
        var short = false
        var finished = false
    }

    private let queue = DispatchQueue(label: "megatorrent.fetch.plaintext-hash")
    private let file: PosixFile
    private let size: UInt64
    private let chunkCount: Int
    private let state = Mutex(State())
    // Touched only by whoever set `busy` (this is what makes the class Sendable).
    private var digest: Digest?
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobFormat.chunkSize, alignment: 64)

    /// A hasher of `file`, `size` bytes in `chunkCount` chunks.
    init(file: PosixFile, size: UInt64, chunkCount: Int) throws(BlobError) {
        self.file = file
        self.size = size
        self.chunkCount = chunkCount
        do { digest = try Digest(.sha256) } catch { throw .io("cannot start SHA-256", path: file.path, message: "\(error)") }
    }

    deinit {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        buffer.deallocate()
    }

    /// Chunk `index` was written from `plaintext` (a whole chunk; the bytes past the file's end are not hashed): hashes
    /// it now when it is the next one, then the done chunks after it in the background. `isDone` says which are
    /// written.
    func written(_ index: Int, plaintext: UnsafeRawBufferPointer, isDone: @escaping @Sendable (Int) -> Bool) {
        if claim(index) {
            digest!.update(UnsafeRawBufferPointer(rebasing: plaintext[0..<length(of: index)]))
            release(hashed: true)
        }
        advance(isDone)
    }

    /// Hashes, in the background, the chunks after the prefix hashed so far that `isDone` says are written.
    func advance(_ isDone: @escaping @Sendable (Int) -> Bool) {
        queue.async { self.readBack(isDone) }
    }

    /// Waits for the background work, hashes the rest (every chunk must be written by now) and returns the file's
    /// SHA-256; nil when the file is shorter than its size. Throws a read error (here or in the background).
    func finish(_ isDone: @escaping @Sendable (Int) -> Bool) throws(BlobError) -> [UInt8]? {
        let result = queue.sync { () -> Result<[UInt8]?, BlobError> in
            // A writer may still be hashing its chunk in place (its `written` call not returned yet): wait for it, at
            // most one chunk's hash.
            while state.withLock({ $0.busy }) { usleep(100) }
            readBack(isDone)
            return state.withLock { s -> Result<[UInt8]?, BlobError> in
                if let failure = s.failure { return .failure(failure) }
                guard s.hashed == chunkCount, !s.short, !s.busy, !s.finished else { return .success(nil) }
                s.finished = true
                return .success(digest.take()!.finalize())
            }
        }
        return try result.get()
    }

    /// On the queue: reads back and hashes the written chunks that continue the prefix, while nobody else hashes.
    private func readBack(_ isDone: (Int) -> Bool) {
        while true {
            let next = state.withLock { $0.hashed }
            guard next < chunkCount, isDone(next), claim(next) else { return }
            let offset = UInt64(next) * UInt64(BlobFormat.chunkSize)
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length(of: next)])
            do {
                guard try file.read(into: chunk, at: offset) == chunk.count else {
                    state.withLock { $0.short = true }
                    release(hashed: false)
                    return
                }
            } catch {
                state.withLock { $0.failure = $0.failure ?? error }
                release(hashed: false)
                return
            }
            digest!.update(UnsafeRawBufferPointer(chunk))
            release(hashed: true)
        }
    }

    /// Takes the right to hash chunk `index`: only when it is the next one, nobody is hashing, and nothing failed.
    private func claim(_ index: Int) -> Bool {
        state.withLock { s in
            guard !s.busy, !s.finished, !s.short, s.failure == nil, s.hashed == index, index < chunkCount else { return false }
            s.busy = true
            return true
        }
    }

    /// Gives the right back, the chunk hashed or not.
    private func release(hashed: Bool) {
        state.withLock { s in
            if hashed { s.hashed += 1 }
            s.busy = false
        }
    }

    /// The plaintext bytes of chunk `index` (the last one may be short).
    private func length(of index: Int) -> Int {
        Int(min(UInt64(BlobFormat.chunkSize), size - UInt64(index) * UInt64(BlobFormat.chunkSize)))
    }
}
