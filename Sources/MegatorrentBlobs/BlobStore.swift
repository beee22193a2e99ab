#if canImport(Glibc)
import Glibc
#endif
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentWire

/// A folder of sealed blobs, one file per blob named by its id in hex (docs/blobs.md, "Store").
///
/// Blobs are written to a temporary file and renamed into place, so a reader never sees half a blob; every read
/// checks the bytes against the id, so a blob damaged on disk is detected (and reported, never served or used).
/// Nothing in the folder says which blobs form one file. Safe to use from several threads and processes.
public final class BlobStore: Sendable {
    /// The folder.
    public let path: String

    /// The store in `path`, made (mode 0700) when missing.
    public init(path: String) throws(BlobError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw PosixFile.error("cannot create blob store", path) }
        self.path = path
    }

    /// The file of blob `id`.
    public func filePath(_ id: BlobID) -> String { path + "/" + id.hex }

    /// Whether the store has a file for `id` (not checked: `read` checks).
    public func contains(_ id: BlobID) -> Bool { PosixFile.exists(filePath(id)) }

    /// Stores a sealed blob under `id` (the caller computed the id from these bytes). Not synced to disk: call `sync()`
    /// before relying on the store after a crash; a blob damaged by a crash is detected on read.
    public func put(_ id: BlobID, sealed: UnsafeRawBufferPointer) throws(BlobError) {
        let final = filePath(id)
        if PosixFile.exists(final) { return }
        let temporary = path + "/.tmp-\(id.hex)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            let file = try PosixFile(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            try file.write(sealed, at: 0)
        } catch {
            PosixFile.remove(temporary)
            throw error
        }
        try PosixFile.rename(temporary, final)
    }

    /// Stores a sealed blob, computing its id; returns the id.
    @discardableResult
    public func put(sealed: [UInt8]) throws(BlobError) -> BlobID {
        try withRawBytes(sealed) { (buffer) throws(BlobError) in
            let id = BlobFormat.blobID(of: buffer)
            try put(id, sealed: buffer)
            return id
        }
    }

    /// Reads blob `id` into `buffer` (at least `BlobFormat.sealedSize` bytes) and returns its length, or nil when the
    /// store does not hold it. Throws `.corruptBlob` when the file does not hash to `id`.
    public func read(_ id: BlobID, into buffer: UnsafeMutableRawBufferPointer) throws(BlobError) -> Int? {
        let file: PosixFile
        do { file = try PosixFile(filePath(id), flags: O_RDONLY) } catch { return nil }
        let size = try file.size()
        guard size <= UInt64(buffer.count) else { throw .corruptBlob(id) }
        let count = try file.read(into: buffer, at: 0)
        guard BlobFormat.blobID(of: UnsafeRawBufferPointer(rebasing: buffer[0..<count])) == id else { throw .corruptBlob(id) }
        return count
    }

    /// Blob `id`'s sealed bytes, checked against the id; nil when not held. Throws `.corruptBlob`.
    public func get(_ id: BlobID) throws(BlobError) -> [UInt8]? {
        var outcome: Result<Int?, BlobError> = .success(nil)
        let bytes = [UInt8](unsafeUninitializedCapacity: BlobFormat.sealedSize) { buffer, count in
            outcome = Result { () throws(BlobError) in try read(id, into: UnsafeMutableRawBufferPointer(buffer)) }
            count = (try? outcome.get()) ?? 0
        }
        guard try outcome.get() != nil else { return nil }
        return bytes
    }

    /// Removes blob `id` (a corrupt one, so that it can be fetched again).
    public func remove(_ id: BlobID) { PosixFile.remove(filePath(id)) }

    /// The ids of every blob file in the store (not checked).
    public func ids() -> [BlobID] {
        guard let folder = opendir(path) else { return [] }
        defer { closedir(folder) }
        var ids: [BlobID] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let id = BlobID(hex: name) { ids.append(id) }
        }
        return ids
    }

    /// Checks every blob; returns the ids of those whose bytes do not hash to their name.
    public func corruptBlobs() -> [BlobID] {
        var buffer = [UInt8](repeating: 0, count: BlobFormat.sealedSize)
        return ids().filter { id in
            do {
                _ = try withMutableRawBytes(&buffer) { (b) throws(BlobError) in try read(id, into: b) }
                return false
            } catch { return true }
        }
    }

    /// Flushes every blob written so far to the disk (`syncfs` of the store's file system).
    public func sync() {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = systemSyncfs(fd)
        close(fd)
    }
}
