import CLibtorrentShim

/// A libtorrent alert the Swift side acts on, copied out of the shim's C struct (whose storage lives only until the
/// next pop). Kinds nobody handles yet are not copied.
enum TorrentAlert: Sendable, Hashable {
    /// A listen socket opened.
    case listenSucceeded(address: String, port: Int)
    /// A listen socket failed; `message` is libtorrent's.
    case listenFailed(address: String, port: Int, message: String)
    /// The DHT's bootstrap lookup finished.
    case dhtBootstrap
    /// A mutable item lookup's answer; an empty `item.value` means nothing was found.
    case dhtMutableItem(SignedMutableItem, authoritative: Bool)
    /// An immutable item lookup's answer; an empty `value` means nothing was found.
    case dhtImmutableItem(target: [UInt8], value: [UInt8])
    /// A mutable put finished.
    case dhtMutablePut(DHTRequests.MutablePutKey, successCount: Int)
    /// An immutable put finished.
    case dhtImmutablePut(target: [UInt8], successCount: Int)
    /// A DHT peer lookup ended with these peers.
    case dhtPeers(infoHash: [UInt8], peers: [DHTPeer])
    /// A torrent was added (`error` `nil`), or an add failed (the add call reported it already).
    case torrentAdded(InfoHash, error: String?)
    /// A torrent's info dictionary arrived from a peer.
    case torrentMetadataReceived(InfoHash)
    /// Every wanted piece of a torrent is here and verified.
    case torrentFinished(InfoHash)
    /// A torrent's state changed.
    case torrentStateChanged(InfoHash, TorrentState)
    /// A torrent stopped on an error.
    case torrentError(InfoHash, message: String)
    /// A torrent left the session.
    case torrentRemoved(InfoHash)
    /// After a removal with its files: `error` `nil` when they are deleted, else why not.
    case torrentFilesDeleted(InfoHash, error: String?)
    /// One torrent's status after a state-update request.
    case torrentProgress(TorrentProgress)

    /// Copies `alert`; `nil` for kinds not handled here (`MTLT_ALERT_OTHER` and kinds of a newer shim).
    init?(_ alert: mtlt_alert) {
        switch alert.kind {
        case MTLT_ALERT_LISTEN_SUCCEEDED:
            self = .listenSucceeded(address: Self.text(alert.address), port: Int(alert.port))
        case MTLT_ALERT_LISTEN_FAILED:
            self = .listenFailed(
                address: Self.text(alert.address), port: Int(alert.port), message: Self.text(alert.message))
        case MTLT_ALERT_DHT_BOOTSTRAP:
            self = .dhtBootstrap
        case MTLT_ALERT_DHT_MUTABLE_ITEM:
            let item = SignedMutableItem(
                unchecked: Self.bytes(of: alert.public_key), salt: Self.bytes(alert.salt, alert.salt_len),
                sequence: alert.seq, value: Self.bytes(alert.value, alert.value_len),
                signature: Self.bytes(of: alert.signature))
            self = .dhtMutableItem(item, authoritative: alert.authoritative != 0)
        case MTLT_ALERT_DHT_IMMUTABLE_ITEM:
            self = .dhtImmutableItem(target: Self.bytes(of: alert.target), value: Self.bytes(alert.value, alert.value_len))
        case MTLT_ALERT_DHT_PUT where alert.is_mutable != 0:
            let key = DHTRequests.MutablePutKey(
                publicKey: Self.bytes(of: alert.public_key), salt: Self.bytes(alert.salt, alert.salt_len),
                sequence: alert.seq)
            self = .dhtMutablePut(key, successCount: Int(alert.num_success))
        case MTLT_ALERT_DHT_PUT:
            self = .dhtImmutablePut(target: Self.bytes(of: alert.target), successCount: Int(alert.num_success))
        case MTLT_ALERT_DHT_PEERS:
            self = .dhtPeers(infoHash: Self.bytes(of: alert.info_hash), peers: DHTPeer.parse(Self.bytes(alert.value, alert.value_len)))
        default:
            guard let torrent = Self(torrent: alert) else { return nil }
            self = torrent
        }
    }

    /// Copies a torrent alert; `nil` for other kinds.
    private init?(torrent alert: mtlt_alert) {
        let infoHash = InfoHash(unchecked: Self.bytes(of: alert.info_hash))
        let message = Self.text(alert.message)
        let error: String? = alert.error_code != 0 ? message : nil
        switch alert.kind {
        case MTLT_ALERT_TORRENT_ADDED: self = .torrentAdded(infoHash, error: error)
        case MTLT_ALERT_TORRENT_METADATA: self = .torrentMetadataReceived(infoHash)
        case MTLT_ALERT_TORRENT_FINISHED: self = .torrentFinished(infoHash)
        case MTLT_ALERT_TORRENT_STATE_CHANGED:
            self = .torrentStateChanged(infoHash, TorrentState(cValue: alert.torrent_state))
        case MTLT_ALERT_TORRENT_ERROR: self = .torrentError(infoHash, message: message)
        case MTLT_ALERT_TORRENT_REMOVED: self = .torrentRemoved(infoHash)
        case MTLT_ALERT_TORRENT_FILES_DELETED: self = .torrentFilesDeleted(infoHash, error: error)
        case MTLT_ALERT_TORRENT_PROGRESS:
            self = .torrentProgress(
                TorrentProgress(
                    infoHash: infoHash, state: TorrentState(cValue: alert.torrent_state),
                    progress: Double(alert.progress_ppm) / 1_000_000, bytesDone: alert.total_done,
                    bytesWanted: alert.total_wanted, peerCount: Int(alert.num_peers), seedCount: Int(alert.num_seeds),
                    downloadRate: Int(alert.download_rate), uploadRate: Int(alert.upload_rate)))
        default:
            return nil
        }
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    private static func bytes(_ pointer: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// The bytes of a fixed-size C array (imported as a tuple of `UInt8`).
    private static func bytes<Tuple>(of tuple: Tuple) -> [UInt8] {
        withUnsafeBytes(of: tuple) { Array($0) }
    }
}
