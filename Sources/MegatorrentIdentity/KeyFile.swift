#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MegatorrentCrypto

/// Key files: exactly the 32-byte Ed25519 seed, mode 0600.
///
/// Writes are atomic (a temporary file in the same folder, fsync, rename, fsync of the folder), so
/// a crash leaves either the old file or the new one. Reads refuse a file that group or others can
/// read, or whose size is not 32, and read straight into wiped-on-release memory.
public enum KeyFile {
    /// Seed length in bytes.
    public static let seedLength = 32

    /// Reads the key at `path`.
    public static func load(path: String) throws(KeyFileError) -> Ed25519.PrivateKey {
        let seed = try loadSecret(path: path)
        do {
            return try Ed25519.PrivateKey(seed: seed)
        } catch {
            throw .system(path: path, operation: "import key", message: error.description)
        }
    }

    /// Writes `key`'s seed to `path` atomically with mode 0600. Refuses to replace an existing file
    /// unless `overwrite` is true.
    public static func save(_ key: Ed25519.PrivateKey, path: String, overwrite: Bool = false) throws(KeyFileError) {
        try saveSecret(key.seed, path: path, overwrite: overwrite)
    }

    /// Reads a 32-byte secret (an Ed25519 seed, an X25519 private key) from `path` under the same rules: a regular
    /// file, not a symlink, mode 0600 or stricter, exactly 32 bytes.
    public static func loadSecret(path: String) throws(KeyFileError) -> SecureBytes {
        try loadSecret(path: path, sizes: seedLength...seedLength)
    }

    /// Reads a secret whose size is in `sizes` (an I2P private destination) under the same rules.
    public static func loadSecret(path: String, sizes: ClosedRange<Int>) throws(KeyFileError) -> SecureBytes {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            if errno == ENOENT { throw .notFound(path: path) }
            if errno == ELOOP { throw .notARegularFile(path: path) }
            throw systemError(path, "open")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw systemError(path, "stat") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(path: path) }
        guard info.st_mode & 0o077 == 0 else { throw .insecurePermissions(path: path, mode: UInt32(info.st_mode)) }
        guard sizes.contains(Int(info.st_size)) else { throw .corrupt(path: path, size: Int(info.st_size)) }
        let length = Int(info.st_size)
        let seed = try SecureBytes(count: length) { (buffer: UnsafeMutableRawBufferPointer) throws(KeyFileError) in
            var done = 0
            while done < length {
                let n = read(fd, buffer.baseAddress! + done, length - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw n == 0 ? .corrupt(path: path, size: done) : systemError(path, "read") }
                done += n
            }
        }
        return seed
    }

    /// Writes a 32-byte secret to `path` atomically with mode 0600. Refuses to replace an existing file unless
    /// `overwrite` is true.
    public static func saveSecret(_ secret: SecureBytes, path: String, overwrite: Bool = false) throws(KeyFileError) {
        if !overwrite, access(path, F_OK) == 0 { throw .alreadyExists(path: path) }
        let directory = parentDirectory(of: path)
        var template = Array("\(directory)/.megatorrent-key-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw systemError(directory, "create temporary file in") }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var committed = false
        defer {
            if !committed { unlink(temporary) }
        }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw systemError(temporary, "chmod") }
        let written = secret.withUnsafeBytes { bytes -> Bool in
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        guard written, fsync(fd) == 0 else { throw systemError(temporary, "write") }
        if !overwrite {
            // link() fails if the name appeared meanwhile: never replace a key by accident.
            guard link(temporary, path) == 0 else {
                if errno == EEXIST { throw .alreadyExists(path: path) }
                throw systemError(path, "create")
            }
        } else {
            guard rename(temporary, path) == 0 else { throw systemError(path, "rename onto") }
            committed = true
        }
        syncDirectory(directory)
    }

    private static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    private static func systemError(_ path: String, _ operation: String) -> KeyFileError {
        .system(path: path, operation: operation, message: String(cString: strerror(errno)))
    }
}
