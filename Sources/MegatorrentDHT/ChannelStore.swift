import Foundation
import MegatorrentCrypto
import MegatorrentTorrent

/// Where a node keeps the manifest torrents it seeds (docs/dht.md, "Seeding"): one folder per channel, sequence and
/// info-hash, `<store>/<channel hex>/<sequence>-<info-hash hex>/manifest.json`, which is also the torrent's save path.
///
/// The info-hash is in the name so that a folder holds exactly one torrent's file: two manifests of one channel with
/// the same sequence (an equivocating author, or a forged pointer's content) never write over each other's seed.
public struct ChannelStore: Sendable, Equatable {
    /// The store's root folder.
    public let root: String

    /// The store under `root` (created when something is first written).
    public init(root: String) {
        self.root = root
    }

    /// The folder of one channel.
    public func folder(channel: Ed25519.PublicKey) -> String {
        root + "/" + channel.hex
    }

    /// The save path of the manifest torrent `infoHash` of `channel` at `sequence`.
    public func folder(channel: Ed25519.PublicKey, sequence: UInt64, infoHash: [UInt8]) -> String {
        folder(channel: channel) + "/\(sequence)-" + Hex.encode(infoHash)
    }

    /// One manifest torrent's folder found in the store.
    public struct Entry: Sendable, Equatable {
        /// The manifest's sequence.
        public let sequence: UInt64
        /// The manifest torrent's info-hash.
        public let infoHash: InfoHash
        /// The folder (the torrent's save path).
        public let path: String
    }

    /// The manifest torrent folders of `channel`, lowest sequence first; names that are not `<sequence>-<40 hex>` are
    /// ignored.
    public func entries(channel: Ed25519.PublicKey) -> [Entry] {
        let base = folder(channel: channel)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return names.compactMap { name -> Entry? in
            let parts = name.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let sequence = UInt64(parts[0]), String(sequence) == parts[0],
                let infoHash = InfoHash(hex: String(parts[1])), infoHash.hex == parts[1]
            else { return nil }
            return Entry(sequence: sequence, infoHash: infoHash, path: base + "/" + name)
        }.sorted { ($0.sequence, $0.infoHash.hex) < ($1.sequence, $1.infoHash.hex) }
    }

    /// Writes `torrent`'s file into its folder (atomically; left alone when it already holds these bytes) and returns
    /// the folder.
    func write(_ torrent: ManifestTorrent, channel: Ed25519.PublicKey, sequence: UInt64) throws -> String {
        let folder = folder(channel: channel, sequence: sequence, infoHash: torrent.infoHash)
        let path = folder + "/" + ManifestTorrent.fileName
        if let existing = FileManager.default.contents(atPath: path), existing.elementsEqual(torrent.content) {
            return folder
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(torrent.content).write(to: URL(fileURLWithPath: path), options: .atomic)
        return folder
    }

    /// Stops seeding and deletes every manifest torrent of `channel` with a sequence below `sequence`: a node seeds
    /// one version of a channel, the newest it accepted. Returns the retired entries. Errors are ignored (a torrent
    /// already gone, a folder already deleted); each removal waits at most `timeout`.
    @discardableResult
    public func retire(
        channel: Ed25519.PublicKey, below sequence: UInt64, in session: TorrentSession, timeout: Duration = .seconds(10)
    ) async -> [Entry] {
        let all = entries(channel: channel)
        let kept = Set(all.filter { $0.sequence >= sequence }.map(\.infoHash))
        let old = all.filter { $0.sequence < sequence && !kept.contains($0.infoHash) }
        for entry in old {
            await Self.discard(entry.infoHash, folder: entry.path, in: session, timeout: timeout)
        }
        return old
    }

    /// Removes a torrent from the session (deleting its files) when it is there, then deletes its folder.
    static func discard(_ infoHash: InfoHash, folder: String, in session: TorrentSession, timeout: Duration) async {
        let torrents = session.torrents
        if (try? torrents.status(infoHash)) != nil {
            _ = try? await torrents.remove(infoHash, deleteFiles: true, timeout: timeout)
        }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
