import CLibtorrentShim

/// Where a torrent is in its life.
public enum TorrentState: Sendable, Hashable {
    /// Checking the files on disk against the piece hashes.
    case checking
    /// Added by magnet link or info-hash: fetching the info dictionary (the metadata) from peers.
    case downloadingMetadata
    /// Downloading pieces.
    case downloading
    /// Every wanted piece is here, but not every piece (some files are not wanted).
    case finished
    /// Every piece is here; uploading.
    case seeding
    /// Stopped by an error (see ``TorrentStatus/errorMessage``).
    case error

    /// Whether every wanted piece is here (``finished`` or ``seeding``).
    public var isComplete: Bool {
        self == .finished || self == .seeding
    }

    /// The shim's `MTLT_TORRENT_STATE_*`; an unknown value (a newer shim) reads as ``checking``.
    init(cValue: Int32) {
        switch cValue {
        case MTLT_TORRENT_STATE_DOWNLOADING_METADATA: self = .downloadingMetadata
        case MTLT_TORRENT_STATE_DOWNLOADING: self = .downloading
        case MTLT_TORRENT_STATE_FINISHED: self = .finished
        case MTLT_TORRENT_STATE_SEEDING: self = .seeding
        case MTLT_TORRENT_STATE_ERROR: self = .error
        default: self = .checking
        }
    }
}

/// A torrent's status at one moment (``Torrents/status(_:)``).
public struct TorrentStatus: Sendable, Hashable {
    /// The torrent.
    public let infoHash: InfoHash
    /// Where it is in its life.
    public let state: TorrentState
    /// Whether the info dictionary is known (always for a torrent added from a .torrent file).
    public let hasMetadata: Bool
    /// Whether the torrent is paused.
    public let isPaused: Bool
    /// Fraction of the wanted bytes present and verified, 0...1 (0 without metadata).
    public let progress: Double
    /// Wanted bytes present and verified.
    public let bytesDone: Int64
    /// Wanted bytes in all (0 without metadata).
    public let bytesWanted: Int64
    /// Payload bytes (file data) downloaded since the torrent was added.
    public let bytesDownloaded: Int64
    /// Payload bytes uploaded since the torrent was added.
    public let bytesUploaded: Int64
    /// Connected peers, seeds included.
    public let peerCount: Int
    /// Connected seeds.
    public let seedCount: Int
    /// Payload download rate, bytes per second.
    public let downloadRate: Int
    /// Payload upload rate, bytes per second.
    public let uploadRate: Int
    /// The torrent's name (a magnet's `dn`, or empty, until the metadata arrives).
    public let name: String
    /// The folder its files are saved in.
    public let savePath: String
    /// Why it stopped, when ``state`` is ``TorrentState/error``; otherwise `nil`.
    public let errorMessage: String?

    /// Copies the shim's struct (its strings live only until the thread's next status call).
    init(_ status: mtlt_torrent_status) {
        infoHash = InfoHash(unchecked: withUnsafeBytes(of: status.info_hash) { Array($0) })
        state = TorrentState(cValue: status.state)
        hasMetadata = status.has_metadata != 0
        isPaused = status.is_paused != 0
        progress = status.progress
        bytesDone = status.total_done
        bytesWanted = status.total_wanted
        bytesDownloaded = status.total_download
        bytesUploaded = status.total_upload
        peerCount = Int(status.num_peers)
        seedCount = Int(status.num_seeds)
        downloadRate = Int(status.download_rate)
        uploadRate = Int(status.upload_rate)
        name = status.name.map { String(cString: $0) } ?? ""
        savePath = status.save_path.map { String(cString: $0) } ?? ""
        let error = status.error.map { String(cString: $0) } ?? ""
        errorMessage = status.error_code != 0 || !error.isEmpty ? error : nil
    }

    /// The same facts as a ``TorrentProgress``.
    public var snapshot: TorrentProgress {
        TorrentProgress(
            infoHash: infoHash, state: state, progress: progress, bytesDone: bytesDone, bytesWanted: bytesWanted,
            peerCount: peerCount, seedCount: seedCount, downloadRate: downloadRate, uploadRate: uploadRate)
    }
}

/// One progress update of a torrent (``Torrents/progressUpdates(of:interval:)``): the changing part of its status.
public struct TorrentProgress: Sendable, Hashable {
    /// The torrent.
    public let infoHash: InfoHash
    /// Where it is in its life.
    public let state: TorrentState
    /// Fraction of the wanted bytes present and verified, 0...1.
    public let progress: Double
    /// Wanted bytes present and verified.
    public let bytesDone: Int64
    /// Wanted bytes in all (0 without metadata).
    public let bytesWanted: Int64
    /// Connected peers, seeds included.
    public let peerCount: Int
    /// Connected seeds.
    public let seedCount: Int
    /// Payload download rate, bytes per second.
    public let downloadRate: Int
    /// Payload upload rate, bytes per second.
    public let uploadRate: Int

    /// Makes an update from its parts.
    public init(
        infoHash: InfoHash, state: TorrentState, progress: Double, bytesDone: Int64, bytesWanted: Int64,
        peerCount: Int, seedCount: Int, downloadRate: Int, uploadRate: Int
    ) {
        self.infoHash = infoHash
        self.state = state
        self.progress = progress
        self.bytesDone = bytesDone
        self.bytesWanted = bytesWanted
        self.peerCount = peerCount
        self.seedCount = seedCount
        self.downloadRate = downloadRate
        self.uploadRate = uploadRate
    }
}

/// How ``Torrents/waitUntilFinished(_:timeout:)`` ended.
public enum FinishResult: Sendable, Hashable {
    /// Every wanted piece is here and verified (the torrent is finished or seeding).
    case finished
    /// Not finished within the timeout (or the waiting task was cancelled); the download goes on.
    case timedOut
    /// The torrent stopped on an error, was removed, or was never there; the message says which.
    case failed(String)
}

/// How ``Torrents/remove(_:deleteFiles:timeout:)`` ended.
public enum RemoveResult: Sendable, Hashable {
    /// The torrent left the session (and, when asked, its files were deleted).
    case removed
    /// The torrent left the session but its files could not all be deleted; the message says why.
    case deleteFailed(String)
    /// libtorrent did not report the end within the timeout (or the waiting task was cancelled).
    case timedOut
}

/// A .torrent file made by ``Torrents/createTorrent(file:pieceSize:trackers:hybrid:includeCreationDate:)``.
public struct CreatedTorrent: Sendable, Hashable {
    /// The .torrent file's bytes (bencoded).
    public let bytes: [UInt8]
    /// Its v1 info-hash.
    public let infoHash: InfoHash
}

/// How a torrent is added, beyond its source and save path.
public struct TorrentOptions: OptionSet, Sendable, Hashable {
    /// The shim's `MTLT_TORRENT_*` bits.
    public let rawValue: UInt32

    /// Options from the shim's flag bits.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Start paused: no peers, no announces.
    public static let paused = TorrentOptions(rawValue: MTLT_TORRENT_PAUSED)
    /// Upload only: download nothing, serve the pieces present.
    public static let uploadMode = TorrentOptions(rawValue: MTLT_TORRENT_UPLOAD_MODE)
    /// Download pieces in order (streaming); slower in a swarm.
    public static let sequentialDownload = TorrentOptions(rawValue: MTLT_TORRENT_SEQUENTIAL_DOWNLOAD)
    /// Let libtorrent's queue start and stop the torrent (its active-download and active-seed limits).
    public static let autoManaged = TorrentOptions(rawValue: MTLT_TORRENT_AUTO_MANAGED)
    /// Never use the DHT for this torrent's peers.
    public static let disableDHT = TorrentOptions(rawValue: MTLT_TORRENT_DISABLE_DHT)
    /// No peer exchange for this torrent.
    public static let disablePeerExchange = TorrentOptions(rawValue: MTLT_TORRENT_DISABLE_PEX)
}
