import CLibtorrentShim

/// An error reported by the libtorrent shim: what kind of failure, and libtorrent's or the shim's own words.
public struct TorrentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure: one of the shim's negative `MTLT_E*` return codes.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The shim's return code (negative).
        public let rawValue: Int32

        /// Wraps a shim return code; codes this version does not know are kept as they are.
        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        /// An argument was missing, out of range or not understood, such as an unparsable listen interface.
        public static let invalidArgument = Code(rawValue: MTLT_EINVAL)
        /// An allocation failed inside the shim or libtorrent.
        public static let outOfMemory = Code(rawValue: MTLT_ENOMEM)
        /// libtorrent, Boost or the system beneath them reported an error.
        public static let libtorrent = Code(rawValue: MTLT_ELIBTORRENT)
        /// The loaded libtorrent is not the major.minor version the shim was compiled against.
        public static let abiMismatch = Code(rawValue: MTLT_EABI)
        /// A listen socket the settings asked for could not be opened (address in use, not on this host).
        public static let listenFailed = Code(rawValue: MTLT_ELISTEN)
        /// A bug in the shim: an exception of unknown type or an impossible state.
        public static let `internal` = Code(rawValue: MTLT_EINTERNAL)
        /// A DHT call on a session whose DHT node is not running (off in the settings, or not started yet).
        public static let dhtNotRunning = Code(rawValue: MTLT_ENODHT)
        /// Bytes given as a .torrent file that are not a valid torrent, or a magnet URI that is not a valid magnet link.
        public static let badTorrent = Code(rawValue: MTLT_EBADTORRENT)
        /// The session already has a torrent with this info-hash (however it was added); it was left as it was.
        public static let duplicateTorrent = Code(rawValue: MTLT_EDUPLICATE)
        /// The session has no torrent with this info-hash (never added, or removed).
        public static let noSuchTorrent = Code(rawValue: MTLT_ENOTORRENT)

        /// The code's name, for logs.
        public var description: String {
            switch self {
            case .invalidArgument: "invalidArgument"
            case .outOfMemory: "outOfMemory"
            case .libtorrent: "libtorrent"
            case .abiMismatch: "abiMismatch"
            case .listenFailed: "listenFailed"
            case .internal: "internal"
            case .dhtNotRunning: "dhtNotRunning"
            case .badTorrent: "badTorrent"
            case .duplicateTorrent: "duplicateTorrent"
            case .noSuchTorrent: "noSuchTorrent"
            default: "code \(rawValue)"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, in English, naming the setting or libtorrent's message.
    public let message: String

    /// Makes an error; the shim's failures are normally converted by ``TorrentError/last(_:)``.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `message` preceded by the code's name.
    public var description: String {
        "\(code): \(message)"
    }

    /// Drains the calling thread's last shim error after a shim call returned the negative `rc`.
    /// Call it on the same thread, right after the call (nothing may run in between).
    static func last(_ rc: Int32) -> TorrentError {
        TorrentError(code: Code(rawValue: rc), message: String(cString: mtlt_error_last()))
    }
}

/// Turns a shim call's negative return code into a thrown ``TorrentError``; call it right after the shim call,
/// on the same thread, so the per-thread message still belongs to that call.
@inline(__always)
func throwIfFailed(_ rc: Int32) throws(TorrentError) {
    if rc < 0 {
        throw TorrentError.last(rc)
    }
}
