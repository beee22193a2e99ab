#if canImport(Glibc)
import Glibc
#endif
import MegatorrentCrypto
import MegatorrentWire
import Synchronization

/// A file being reassembled: `OUT.mtpart` receives each chunk's plaintext at its offset, and `OUT.mtpart.state` (a
/// bitmap, rewritten atomically after the data was synced) says which chunks are there, so a download killed at any
/// point resumes where it stopped (docs/blobs.md, "Download"). The file is moved to `OUT` only once whole and checked.
public final class PartialDownload: Sendable {
    /// Where the finished file goes.
    public let outputPath: String
    /// The partial file.
    public var partPath: String { outputPath + ".mtpart" }
    /// The sidecar of done chunks.
    public var statePath: String { outputPath + ".mtpart.state" }
    /// The file being reassembled.
    public let descriptor: FileDescriptor
    /// Its descriptor blob's id (the sidecar names it: another file's sidecar is ignored).
    public let descriptorID: BlobID

    private let file: PosixFile
    private struct Progress {
        var done: [Bool]
        var doneCount = 0
        var sinceCheckpoint = 0
    }
    private let progress: Mutex<Progress>
    /// The plaintext SHA-256 of the done prefix, advanced as chunks are written.
    private let hasher: PrefixHasher
    private let checkpointing = Mutex(())
    /// Chunks written between two checkpoints (a checkpoint syncs the data, then the sidecar).
    static let checkpointEvery = 32

    /// Opens (or resumes) the download of `descriptor` to `outputPath`.
    public init(outputPath: String, descriptorID: BlobID, descriptor: FileDescriptor) throws(BlobError) {
        self.outputPath = outputPath
        self.descriptor = descriptor
        self.descriptorID = descriptorID
        var done = [Bool](repeating: false, count: descriptor.chunks.count)
        let resumed = Self.loadState(outputPath + ".mtpart.state", descriptorID: descriptorID, count: done.count)
        if let resumed, PosixFile.exists(outputPath + ".mtpart") {
            done = resumed
            file = try PosixFile(outputPath + ".mtpart", flags: O_RDWR)
        } else {
            file = try PosixFile(outputPath + ".mtpart", flags: O_RDWR | O_CREAT | O_TRUNC, mode: 0o644)
        }
        try file.truncate(to: descriptor.size)
        progress = Mutex(Progress(done: done, doneCount: done.filter { $0 }.count))
        hasher = try PrefixHasher(file: file, size: descriptor.size, chunkCount: done.count)
        hasher.advance(isDone)  // the chunks a resumed download already has
    }

    /// Whether chunk `index` is written (for the hasher).
    private var isDone: @Sendable (Int) -> Bool { { index in self.progress.withLock { $0.done[index] } } }

    /// The chunks not written yet, in file order.
    public var missing: [Int] { progress.withLock { p in p.done.indices.filter { !p.done[$0] } } }

    /// Chunks written so far.
    public var doneCount: Int { progress.withLock { $0.doneCount } }

    /// Writes chunk `index`'s plaintext (a whole chunk; the padding past the file's end is dropped) and marks it
    /// done; checkpoints every `checkpointEvery` chunks. Safe from several threads.
    public func write(index: Int, plaintext: UnsafeRawBufferPointer) throws(BlobError) {
        let offset = UInt64(index) * UInt64(BlobFormat.chunkSize)
        let length = Int(min(UInt64(BlobFormat.chunkSize), descriptor.size - offset))
        try file.write(UnsafeRawBufferPointer(rebasing: plaintext[0..<length]), at: offset)
        let due = progress.withLock { p -> Bool in
            if !p.done[index] {
                p.done[index] = true
                p.doneCount += 1
                p.sinceCheckpoint += 1
            }
            return p.sinceCheckpoint >= Self.checkpointEvery
        }
        hasher.written(index, plaintext: plaintext, isDone: isDone)
        if due { try checkpoint() }
    }

    /// Syncs the partial file, then records the chunks written so far in the sidecar (atomically).
    public func checkpoint() throws(BlobError) {
        try checkpointing.withLock { _ throws(BlobError) in
            let snapshot = progress.withLock { p -> [Bool] in
                p.sinceCheckpoint = 0
                return p.done
            }
            try file.sync()
            try PosixFile.writeAtomically(Self.encodeState(snapshot, descriptorID: descriptorID), to: statePath)
        }
    }

    /// Checks the whole file against the descriptor's SHA-256 (hashed as the download went: `PrefixHasher`) and moves
    /// it to `outputPath`; removes the sidecar.
    /// On a mismatch the partial file and sidecar are removed (a later run starts again) and `.plaintextMismatch` thrown.
    public func finish() throws(BlobError) {
        guard doneCount == descriptor.chunks.count else { throw .unavailable(missing: missing.count, of: descriptor.chunks.count) }
        try file.sync()
        // Most of the file was hashed while it was downloaded (`PrefixHasher`): this hashes the rest and compares.
        guard try hasher.finish(isDone) == descriptor.plaintextSHA256 else {
            PosixFile.remove(statePath)
            PosixFile.remove(partPath)
            throw .plaintextMismatch
        }
        try PosixFile.rename(partPath, outputPath)
        PosixFile.syncFolder(of: outputPath)
        PosixFile.remove(statePath)
    }

    // MARK: - The sidecar: "MTPS", version 1, descriptor id (32), chunk count u32, bitmap (bit i = chunk i, LSB first).

    static func encodeState(_ done: [Bool], descriptorID: BlobID) -> [UInt8] {
        var out = Array("MTPS".utf8) + [1] + descriptorID.bytes
        let count = UInt32(done.count)
        for i in (0..<4).reversed() { out.append(UInt8(truncatingIfNeeded: count >> (8 * UInt32(i)))) }
        var bitmap = [UInt8](repeating: 0, count: (done.count + 7) / 8)
        for (i, isDone) in done.enumerated() where isDone { bitmap[i / 8] |= 1 << UInt8(i % 8) }
        return out + bitmap
    }

    /// The done chunks of a sidecar for `descriptorID` with `count` chunks; nil when missing or another file's.
    static func decodeState(_ bytes: [UInt8], descriptorID: BlobID, count: Int) -> [Bool]? {
        let header = 4 + 1 + 32 + 4
        guard bytes.count == header + (count + 7) / 8, Array(bytes[0..<5]) == Array("MTPS".utf8) + [1],
            Array(bytes[5..<37]) == descriptorID.bytes
        else { return nil }
        let stored = bytes[37..<41].reduce(0) { $0 << 8 | Int($1) }
        guard stored == count else { return nil }
        return (0..<count).map { bytes[header + $0 / 8] & (1 << UInt8($0 % 8)) != 0 }
    }

    private static func loadState(_ path: String, descriptorID: BlobID, count: Int) -> [Bool]? {
        guard let file = try? PosixFile(path, flags: O_RDONLY), let size = try? file.size(), size < 1 << 20 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        guard let read = try? withMutableRawBytes(&bytes, { (b) throws(BlobError) in try file.read(into: b, at: 0) }), read == Int(size)
        else { return nil }
        return decodeState(bytes, descriptorID: descriptorID, count: count)
    }
}

/// Opens the sealed chunks of one file into a reusable buffer. One per thread (it holds a cipher context).
final class ChunkOpener {
    private let cipher: ChaChaPoly
    let plaintext: UnsafeMutableRawBufferPointer

    init(key: SecureBytes) throws {
        cipher = try ChaChaPoly(key: key)
        plaintext = .allocate(byteCount: BlobFormat.chunkSize, alignment: 64)
    }

    deinit {
        plaintext.initializeMemory(as: UInt8.self, repeating: 0)
        plaintext.deallocate()
    }

    /// Opens chunk `index` (sealed bytes of one blob) into `plaintext`. Throws `.corruptBlob(id)` when it does not open.
    func open(index: Int, sealed: UnsafeRawBufferPointer, id: BlobID) throws(BlobError) {
        guard sealed.count == BlobFormat.sealedSize else { throw .corruptBlob(id) }
        do {
            try BlobFormat.chunkAAD.withUnsafeBytes { aad in
                try cipher.open(nonce: BlobFormat.chunkNonce(UInt64(index)), sealed: sealed, aad: aad, into: plaintext)
            }
        } catch {
            throw .corruptBlob(id)
        }
    }
}
