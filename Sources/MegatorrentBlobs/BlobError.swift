import MegatorrentWire

/// Why a blob operation failed. Descriptions are one line and never contain a key.
public enum BlobError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Bytes that are not a valid descriptor (what is wrong).
    case malformedDescriptor(String)
    /// A blob whose bytes do not hash to its id, or that does not open under its key.
    case corruptBlob(BlobID)
    /// A file too large for one descriptor.
    case fileTooLarge(size: UInt64, limit: UInt64)
    /// A file changed size while it was being read.
    case fileChanged(String)
    /// A system call failed (what, the path, errno's text).
    case io(String, path: String, message: String)
    /// The whole file does not hash to the descriptor's plaintext SHA-256.
    case plaintextMismatch
    /// Blobs that no source (the local store or a peer) could provide.
    case unavailable(missing: Int, of: Int)
    /// The descriptor could not be found in the store or at any peer.
    case descriptorUnavailable
    /// The output file exists and was not to be replaced.
    case outputExists(String)
    /// A failure of the download while some holder sources (trackers) could not be asked: the failure and, one line
    /// each, why those sources failed.
    indirect case withSourceFailures(BlobError, [String])

    /// One line.
    public var description: String {
        switch self {
        case let .malformedDescriptor(what): "not a blob descriptor: \(what)"
        case let .corruptBlob(id): "blob \(id.hex) is corrupt"
        case let .fileTooLarge(size, limit): "file of \(size) bytes is over the descriptor limit of \(limit) bytes"
        case let .fileChanged(path): "\(path) changed while it was read"
        case let .io(what, path, message): "\(what) \(path): \(message)"
        case .plaintextMismatch: "the reassembled file does not match the descriptor's SHA-256"
        case let .unavailable(missing, total): "\(missing) of \(total) chunks could not be fetched from any source"
        case .descriptorUnavailable: "the descriptor was found neither in the local store nor at any peer"
        case let .outputExists(path): "\(path) exists (--force replaces it)"
        case let .withSourceFailures(error, reasons): "\(error); \(reasons.joined(separator: "; "))"
        }
    }
}
