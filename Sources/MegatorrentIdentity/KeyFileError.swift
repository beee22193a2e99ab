/// Why a key file could not be read or written.
public enum KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file at the path.
    case notFound(path: String)
    /// The file can be read by group or others (its mode, octal).
    case insecurePermissions(path: String, mode: UInt32)
    /// Not a regular file (a directory, a device, a symbolic link).
    case notARegularFile(path: String)
    /// Wrong size: a key file holds exactly the 32-byte seed.
    case corrupt(path: String, size: Int)
    /// Refused to replace an existing file.
    case alreadyExists(path: String)
    /// A system call failed (which, errno's text).
    case system(path: String, operation: String, message: String)

    /// One clear line, with what to do about it.
    public var description: String {
        switch self {
        case let .notFound(path): "key file \(path) does not exist"
        case let .insecurePermissions(path, mode):
            "key file \(path) is readable by group or others (mode \(String(mode & 0o777, radix: 8))); run: chmod 600 \(path)"
        case let .notARegularFile(path): "key file \(path) is not a regular file"
        case let .corrupt(path, size): "key file \(path) is corrupt: \(size) bytes, a key file holds exactly 32"
        case let .alreadyExists(path): "\(path) already exists; refusing to overwrite a key"
        case let .system(path, operation, message): "\(operation) \(path): \(message)"
        }
    }
}
