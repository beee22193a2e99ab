#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor with whole-buffer positional reads and writes, closed on deinit.
final class PosixFile: @unchecked Sendable {
    let fd: Int32
    let path: String

    /// Opens `path` with `flags` (and `mode` when creating). Throws `.io`.
    init(_ path: String, flags: Int32, mode: mode_t = 0o600) throws(BlobError) {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw PosixFile.error("cannot open", path) }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// The current error number as a `BlobError.io`.
    static func error(_ what: String, _ path: String) -> BlobError {
        .io(what, path: path, message: String(cString: strerror(errno)))
    }

    /// The file's size.
    func size() throws(BlobError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.error("cannot stat", path) }
        return UInt64(info.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset`, stopping early only at the end of the file; returns the count.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BlobError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.error("cannot read", path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes all of `buffer` at `offset`.
    func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(BlobError) {
        var done = 0
        while done < buffer.count {
            let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.error("cannot write", path)
            }
            done += n
        }
    }

    /// Sets the size.
    func truncate(to size: UInt64) throws(BlobError) {
        guard ftruncate(fd, off_t(size)) == 0 else { throw Self.error("cannot resize", path) }
    }

    /// Flushes data and metadata to the disk.
    func sync() throws(BlobError) {
        guard fsync(fd) == 0 else { throw Self.error("cannot sync", path) }
    }

    /// Flushes the folder holding `path`, so that a rename in it survives a crash.
    static func syncFolder(of path: String) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Renames `from` to `to` (atomic within one file system).
    static func rename(_ from: String, _ to: String) throws(BlobError) {
        guard Glibc.rename(from, to) == 0 else { throw error("cannot rename to", to) }
    }

    /// Removes `path`, ignoring a missing file.
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Whether `path` exists.
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Writes `bytes` to `path` atomically: a temporary file beside it, synced, then renamed over it.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(BlobError) {
        let temporary = path + ".tmp-\(getpid())"
        do {
            let file = try PosixFile(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
            try withRawBytes(bytes) { (buffer) throws(BlobError) in try file.write(buffer, at: 0) }
            try file.sync()
        }
        try rename(temporary, path)
        syncFolder(of: path)
    }
}

/// `syncfs(2)`: Glibc's module does not export it (it needs `_GNU_SOURCE`).
@_silgen_name("syncfs") func systemSyncfs(_ fd: Int32) -> Int32

/// Calls `body` with the bytes of `bytes`, keeping its typed error.
func withRawBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(BlobError) -> R) throws(BlobError) -> R {
    let result: Result<R, BlobError> = bytes.withUnsafeBytes { b in Result { () throws(BlobError) -> R in try body(b) } }
    return try result.get()
}

/// Calls `body` with the mutable bytes of `bytes`, keeping its typed error.
func withMutableRawBytes<R>(_ bytes: inout [UInt8], _ body: (UnsafeMutableRawBufferPointer) throws(BlobError) -> R) throws(BlobError) -> R {
    let result: Result<R, BlobError> = bytes.withUnsafeMutableBytes { b in Result { () throws(BlobError) -> R in try body(b) } }
    return try result.get()
}
