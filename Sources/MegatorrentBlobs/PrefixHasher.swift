import Dispatch
import MegatorrentCrypto

/// The SHA-256 of a file being reassembled, computed while the download goes on: a serial queue of its own reads back
/// and hashes the chunks of the file's done prefix in file order as soon as they are written, so the check at the end
/// (docs/blobs.md, "Download", step 6) only hashes what is left instead of reading and hashing the whole file then,
/// on one core, after the network is done.
///
/// Every byte hashed is read from the partial file after it was written there, as the check at the end did. Memory:
/// one chunk buffer.
final class PrefixHasher: @unchecked Sendable {
    private let queue = DispatchQueue(label: "megatorrent.fetch.plaintext-hash")
    private let file: PosixFile
    private let size: UInt64
    private let chunkCount: Int
    // Touched only on `queue`.
    private var digest: Digest?
    private var hashed = 0
    private var outcome: Result<Void, BlobError> = .success(())
    private var short = false
    private var finished = false
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

    /// Hashes, in the background, the chunks after the prefix hashed so far that `isDone` says are written.
    func advance(_ isDone: @escaping @Sendable (Int) -> Bool) {
        queue.async { self.hashReady(isDone) }
    }

    /// Waits for the background work, hashes the rest (every chunk must be written by now) and returns the file's
    /// SHA-256; nil when the file is shorter than its size. Throws a read error (here or in the background).
    func finish(_ isDone: @escaping @Sendable (Int) -> Bool) throws(BlobError) -> [UInt8]? {
        let result = queue.sync { () -> Result<[UInt8]?, BlobError> in
            hashReady(isDone)
            if case let .failure(error) = outcome { return .failure(error) }
            guard hashed == chunkCount, !short, !finished else { return .success(nil) }
            finished = true
            return .success(digest.take()!.finalize())
        }
        return try result.get()
    }

    /// On the queue: hashes the done chunks that continue the prefix.
    private func hashReady(_ isDone: (Int) -> Bool) {
        while case .success = outcome, !short, !finished, hashed < chunkCount, isDone(hashed) {
            let offset = UInt64(hashed) * UInt64(BlobFormat.chunkSize)
            let length = Int(min(UInt64(BlobFormat.chunkSize), size - offset))
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
            do {
                let count = try file.read(into: chunk, at: offset)
                guard count == length else {
                    short = true
                    return
                }
            } catch {
                outcome = .failure(error)
                return
            }
            digest!.update(UnsafeRawBufferPointer(chunk))
            hashed += 1
        }
    }
}
