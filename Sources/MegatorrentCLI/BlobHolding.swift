import ArgumentParser
import Foundation
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentNode
import MegatorrentState
import MegatorrentTracker
import MegatorrentWire
import Synchronization

/// A node as a holder of files on trackers (docs/blobs.md, "Finding holders through trackers"): the list of files it
/// holds (in the state database), the trackers it asks for holders and announces to.
enum BlobHolding {
    /// Records in the state folder's database that the file of `descriptor` is held (ingested or fetched whole).
    static func record(_ descriptor: BlobID, in stateDirectory: StateDirectory) throws {
        let files = HeldFileStore(database: try StateDatabase(directory: stateDirectory))
        try files.add(descriptor: descriptor.hex, at: Int64(Date().timeIntervalSince1970 * 1000))
    }

    /// The held files whose descriptor blob is still in `store` (a file removed from the store is not announced).
    static func held(_ files: HeldFileStore, store: BlobStore) -> [BlobID] {
        ((try? files.descriptors()) ?? []).compactMap { Hex.decode($0).flatMap(BlobID.init) }.filter(store.contains)
    }

    /// The `--tracker` URLs as announce URLs (`ws://` and `wss://` ones: `/announce` on the same port).
    static func announceURLs(_ urls: [String]) throws -> [AnnounceURL] {
        try urls.map { url in
            do { return try AnnounceURL(url: url) } catch { throw ValidationError("--tracker \(url): \(error)") }
        }
    }

    /// The trackers as sources of holders for a fetch by the node with static public key `localStaticKey`.
    static func sources(_ urls: [AnnounceURL], client: AnnounceClient, localStaticKey: [UInt8]) -> [any BlobHolderSource] {
        urls.map { TrackerHolderSource(url: $0, client: client, localStaticKey: localStaticKey) }
    }

    /// Starts announcing the state folder's held files to `urls` for a node accepting peers on `port` with
    /// `staticKey`. Each tracker's first round is reported (`announced N of M held files to URL`, or with `json`
    /// `{"announced":N,"held":M,"tracker":URL}`), and every failing round as a warning.
    static func startAnnouncer(
        _ urls: [AnnounceURL], client: AnnounceClient, port: Int, staticKey: [UInt8], stateDirectory: StateDirectory,
        store: BlobStore, json: Bool
    ) throws -> HolderAnnouncer {
        let files = HeldFileStore(database: try StateDatabase(directory: stateDirectory))
        let reported = Reported()
        let announcer = HolderAnnouncer(
            trackers: urls, client: client, port: UInt16(port), staticKey: staticKey, held: { held(files, store: store) }
        ) { round in
            if let failure = round.failure { warn("announcing held files: \(failure)") }
            guard reported.first(round.tracker) else { return }
            if json {
                printJSON(["announced": round.announced, "held": round.held, "tracker": round.tracker])
            } else {
                printLine("announced \(round.announced) of \(round.held) held files to \(round.tracker)")
            }
        }
        announcer.start()
        return announcer
    }

    /// Starts announcing the state folder's held files on the DHT through `holders`, for a node accepting peers on
    /// `port` with `staticKey`. The first round is reported (`announced N of M held files on the DHT`, with `json`
    /// `{"dhtAnnounced":N,"held":M}`), and every failing round as a warning.
    static func startDHTAnnouncer(
        _ holders: DHTHolders, port: Int, staticKey: [UInt8], stateDirectory: StateDirectory, store: BlobStore, json: Bool
    ) throws -> DHTHolderAnnouncer {
        let files = HeldFileStore(database: try StateDatabase(directory: stateDirectory))
        let reported = Reported()
        let announcer = DHTHolderAnnouncer(holders: holders, port: port, staticKey: staticKey, held: { held(files, store: store) }) {
            round in
            if let failure = round.failure { warn("announcing held files on the DHT: \(failure)") }
            guard reported.first("dht") else { return }
            if json {
                printJSON(["dhtAnnounced": round.announced, "held": round.held])
            } else {
                printLine("announced \(round.announced) of \(round.held) held files on the DHT")
            }
        }
        announcer.start()
        return announcer
    }

    /// Trackers whose first round was reported.
    private final class Reported: Sendable {
        private let seen = Mutex<Set<String>>([])
        func first(_ tracker: String) -> Bool { seen.withLock { $0.insert(tracker).inserted } }
    }
}
