import CLibtorrentShim

extension Torrents {
    /// Makes a .torrent file for the single regular file at `file` with libtorrent's create_torrent: named after
    /// the file, v1 (or hybrid v1+v2 with `hybrid`), `trackers` in tier 0, and by default deterministic (no creation
    /// date, no "created by", no file attributes): the same file, piece size and trackers always give the same bytes
    /// and info-hash. `pieceSize` is 0 (libtorrent chooses) or a power of two from 16 KiB to 128 MiB. Reads the whole
    /// file on the calling thread. Throws ``TorrentError/Code/invalidArgument`` for a missing, empty or non-regular
    /// file or a bad piece size.
    public static func createTorrent(
        file: String, pieceSize: Int = 0, trackers: [String] = [], hybrid: Bool = false,
        includeCreationDate: Bool = false
    ) throws(TorrentError) -> CreatedTorrent {
        let path = try cString(file, "file")
        guard let pieceSize = Int32(exactly: pieceSize) else {
            throw TorrentError(code: .invalidArgument, message: "pieceSize \(pieceSize) is out of range")
        }
        let trackerStrings = try trackers.map { (tracker) throws(TorrentError) in try cString(tracker, "a tracker") }
        var flags: UInt32 = 0
        if hybrid { flags |= MTLT_CREATE_HYBRID }
        if includeCreationDate { flags |= MTLT_CREATE_CREATION_DATE }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        var infoHash = [UInt8](repeating: 0, count: InfoHash.size)
        let rc = withCStrings(trackerStrings) { trackerList in
            path.withUnsafeBufferPointer { path in
                mtlt_torrent_create(
                    path.baseAddress, pieceSize, trackerList.baseAddress, trackerList.count, flags, &buffer, &count,
                    &infoHash)
            }
        }
        try throwIfFailed(rc)
        defer { mtlt_buffer_free(buffer) }
        guard let buffer else {
            throw TorrentError(code: .internal, message: "mtlt_torrent_create succeeded without a torrent")
        }
        return CreatedTorrent(
            bytes: Array(UnsafeBufferPointer(start: buffer, count: count)), infoHash: InfoHash(unchecked: infoHash))
    }

    /// Calls `body` with a C array of pointers to `strings` (each NUL-terminated), valid during the call.
    private static func withCStrings<R>(
        _ strings: [[CChar]], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> R
    ) -> R {
        func nest(_ index: Int, _ pointers: [UnsafePointer<CChar>?]) -> R {
            guard index < strings.count else { return pointers.withUnsafeBufferPointer(body) }
            return strings[index].withUnsafeBufferPointer { nest(index + 1, pointers + [$0.baseAddress]) }
        }
        return nest(0, [])
    }
}
