import Foundation
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTorrent

/// Resolves a channel through the DHT (docs/dht.md, "Resolving a channel"): gets the BEP 46 pointer, fetches the
/// manifest torrent it names over BitTorrent (peers from the DHT), checks that the file is that torrent and a strictly
/// valid manifest of the channel at the pointer's sequence, and keeps seeding it from a ``ChannelStore``.
///
/// A view over a session: it holds the session while it exists, so make one per use rather than keeping it.
public struct ChannelResolver: Sendable {
    /// The session that looks up, fetches and seeds.
    public let session: TorrentSession

    /// Resolves through `session` (its DHT must run).
    public init(session: TorrentSession) {
        self.session = session
    }

    /// How a resolution ended.
    public enum Outcome: Sendable, Equatable {
        /// The channel's manifest, verified, with the signed pointer to keep as its sidecar; the node now seeds it.
        case resolved(SignedManifest, sidecar: MutableItem)
        /// The pointer's sequence is not above the `newerThan` asked for: nothing was fetched.
        case upToDate(sequence: UInt64)
        /// The lookup ended and no node had a pointer for the channel.
        case notFound
        /// No pointer, or not the whole manifest torrent, within the time allowed.
        case timedOut
        /// A pointer was found but it, or what it points at, is refused. Nothing is kept.
        case refused(Refusal)
    }

    /// Why a pointer or the content it names is refused.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The item is not a channel pointer, or its signature fails the strict rules.
        case invalidPointer(String)
        /// The torrent is larger than a manifest can be (`ManifestLimits.maxBytes`), or not one regular file.
        case tooLarge(bytes: Int64)
        /// The file is not the one-file manifest torrent the pointer names (its recomputed info-hash differs).
        case wrongTorrent
        /// The file is not a valid signed manifest.
        case notAManifest(ManifestError)
        /// The manifest verifies but the file is not its canonical form (docs/dht.md, "The manifest torrent").
        case notCanonical
        /// The manifest is signed by another key than the channel's.
        case keyMismatch(expected: String, got: String)
        /// The manifest's sequence is not the pointer's seq.
        case sequenceMismatch(pointer: Int64, manifest: UInt64)
        /// The torrent stopped on an error, or its file could not be read.
        case fetchFailed(String)

        /// One clear phrase.
        public var description: String {
            switch self {
            case let .invalidPointer(why): "the channel's DHT item is refused: \(why)"
            case let .tooLarge(bytes): "the pointer names \(bytes) bytes, not a manifest (at most \(ManifestLimits.maxBytes))"
            case .wrongTorrent: "the fetched file is not the manifest torrent the pointer names"
            case let .notAManifest(error): "the fetched file is not a valid manifest: \(error)"
            case .notCanonical: "the fetched manifest is not in canonical form"
            case let .keyMismatch(expected, got): "the fetched manifest is signed by \(got), not by the channel \(expected)"
            case let .sequenceMismatch(pointer, manifest): "the pointer's seq is \(pointer) but the manifest's sequence is \(manifest)"
            case let .fetchFailed(why): "fetching the manifest torrent failed: \(why)"
            }
        }
    }

    /// Resolves the channel a user wrote (a 64-hex key or `magnet:?xs=urn:btpk:<hex>`); throws `ManifestError` for
    /// text that names no channel, otherwise as ``resolve(_:storeFolder:timeout:listen:newerThan:)``.
    public func resolve(
        address: String, storeFolder: String, timeout: Duration = .seconds(60), listen: Duration = .seconds(5),
        newerThan: UInt64? = nil
    ) async throws -> Outcome {
        try await resolve(
            ChannelAddress.parse(address), storeFolder: storeFolder, timeout: timeout, listen: listen,
            newerThan: newerThan)
    }

    /// Resolves `channel` within `timeout` (the whole time: lookup, fetch and checks):
    ///
    /// 1. gets the pointer and uses the first valid answer at once; while the manifest is fetched, looks again for up
    ///    to `listen` (a first answer can come from a node that missed the newest put) and, when that finds a higher
    ///    seq, fetches that one too and returns it when it resolves;
    /// 2. fetches the manifest torrent by the pointer's info-hash into `storeFolder` (a ``ChannelStore``), refusing a
    ///    torrent over ``MegatorrentManifest/ManifestLimits/maxBytes`` as soon as its size is known;
    /// 3. checks that the file's own torrent is the one the pointer names, that it is a strictly valid manifest in
    ///    canonical form, signed by `channel`, whose sequence is the pointer's seq;
    /// 4. keeps seeding it and stops seeding older versions of the channel in the store.
    ///
    /// `newerThan` (the last sequence accepted for the channel) skips pointers at or below it:
    /// ``Outcome/upToDate(sequence:)``. The replay check against the ledger stays the engine's. A refused or timed-out
    /// fetch leaves nothing behind (a torrent the session already had is left as it was). Throws ``TorrentError`` (the
    /// DHT not running) and file system errors.
    public func resolve(
        _ channel: Ed25519.PublicKey, storeFolder: String, timeout: Duration = .seconds(60),
        listen: Duration = .seconds(5), newerThan: UInt64? = nil
    ) async throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        let pointers = DHTChannel(dht: session.dht)
        let store = ChannelStore(root: storeFolder)

        let first: (pointer: ChannelPointer, item: MutableItem, authoritative: Bool)
        switch try await pointers.resolvePointer(for: channel, timeout: timeout) {
        case .notFound: return .notFound
        case .timedOut: return .timedOut
        case let .invalid(why): return .refused(.invalidPointer(why))
        case let .found(pointer, item, authoritative): first = (pointer, item, authoritative)
        }

        // Keep listening: a second lookup (answered by the first one's later alerts too) while the first fetches.
        // Structured: cancelled and awaited on every way out, so nothing outlives the call (or holds the session).
        let listenFor = min(listen, max(deadline - ContinuousClock.now, .zero))
        async let later: DHTChannel.Lookup? =
            first.authoritative || listenFor == .zero ? nil : try? pointers.resolvePointer(for: channel, timeout: listenFor)

        let outcome = try await fetchIfNewer(first.pointer, first.item, channel, store, deadline, newerThan)
        guard case let .found(pointer, item, _)? = await later, item.sequence > first.item.sequence else {
            return outcome
        }
        let newer = try await fetchIfNewer(pointer, item, channel, store, deadline, newerThan)
        if case .resolved = newer { return newer }
        if case .resolved = outcome { return outcome }
        return newer
    }

    private func fetchIfNewer(
        _ pointer: ChannelPointer, _ item: MutableItem, _ channel: Ed25519.PublicKey, _ store: ChannelStore,
        _ deadline: ContinuousClock.Instant, _ newerThan: UInt64?
    ) async throws -> Outcome {
        let sequence = UInt64(item.sequence)  // MutableItem refuses negative sequences
        if let newerThan, sequence <= newerThan { return .upToDate(sequence: sequence) }
        return try await fetch(pointer, item, channel, store, deadline)
    }

    /// Steps 2 to 4 for one pointer.
    private func fetch(
        _ pointer: ChannelPointer, _ item: MutableItem, _ channel: Ed25519.PublicKey, _ store: ChannelStore,
        _ deadline: ContinuousClock.Instant
    ) async throws -> Outcome {
        let infoHash = try InfoHash(bytes: pointer.infoHash)
        let sequence = UInt64(item.sequence)
        let folder = store.folder(channel: channel, sequence: sequence, infoHash: pointer.infoHash)
        let torrents = session.torrents
        // A torrent this node has already (it published or resolved this version) is checked all the same, where it
        // is, and never removed here: no folder is made for it (a stray one would be retired with its torrent).
        let added = try await Self.addUnlessHeld(infoHash, savePath: folder, torrents)
        let outcome = await check(infoHash, item, channel, torrents, deadline, relookupInto: added ? folder : nil)
        if case .resolved = outcome {
            await store.retire(channel: channel, below: sequence, in: session)
        } else if added {
            await ChannelStore.discard(infoHash, folder: folder, in: session, timeout: .seconds(10))
        }
        return outcome
    }

    /// Adds the torrent by info-hash into `savePath` unless the session has it; whether it was added.
    private static func addUnlessHeld(_ infoHash: InfoHash, savePath: String, _ torrents: Torrents) async throws -> Bool {
        guard (try? torrents.status(infoHash)) == nil else { return false }
        try FileManager.default.createDirectory(atPath: savePath, withIntermediateDirectories: true)
        do {
            _ = try await torrents.add(infoHash: infoHash, savePath: savePath)
            return true
        } catch where error.code == .duplicateTorrent {
            try? FileManager.default.removeItem(atPath: savePath)  // added meanwhile by another call
            return false
        }
    }

    /// How long a torrent added here may stay without a peer before its peers are looked up again (then twice as long,
    /// and so on). libtorrent looks a new torrent's peers up when it is added and about 4 s later, then only every 15
    /// minutes: a downloader whose lookups both ran before the seeder's announce landed (the seeder's announce can take
    /// 15 s when a node near the info-hash has left) would wait that long. The shim has no call to look peers up again,
    /// so the torrent is removed (keeping its files) and added again, which starts a new lookup.
    static let relookupAfter = Duration.seconds(5)
    /// The longest wait between two lookups.
    static let relookupLimit = Duration.seconds(120)

    /// Waits for the torrent (bounded; looking its peers up again while it has none, when `relookupInto` is the save
    /// path of a torrent added here), reads its file and checks it against the pointer.
    private func check(
        _ infoHash: InfoHash, _ item: MutableItem, _ channel: Ed25519.PublicKey, _ torrents: Torrents,
        _ deadline: ContinuousClock.Instant, relookupInto savePath: String?
    ) async -> Outcome {
        var patience = Self.relookupAfter
        var wait: Wait
        while true {  // at least one wait: a torrent already complete is finished even with no time left
            wait = await Self.waitForManifest(infoHash, torrents, min(deadline, ContinuousClock.now + patience))
            // A cancelled task (a host detaching) times out at once: stop rather than spin.
            guard case .timedOut = wait, ContinuousClock.now < deadline, !Task.isCancelled else { break }
            if let savePath, let status = try? torrents.status(infoHash), status.peerCount == 0 {
                _ = try? await torrents.remove(infoHash, deleteFiles: false, timeout: .seconds(10))
                _ = try? await torrents.add(infoHash: infoHash, savePath: savePath)  // a failure shows in the next wait
            }
            // Doubling without a bound overflowed Duration (a trap, which killed qBittorrent at shutdown).
            patience = min(patience * 2, Self.relookupLimit)
        }
        switch wait {
        case .finished: break
        case .timedOut: return .timedOut
        case let .failed(why): return .refused(.fetchFailed(why))
        case let .tooLarge(bytes): return .refused(.tooLarge(bytes: bytes))
        }
        let bytes: [UInt8]
        do {
            let path = try torrents.status(infoHash).savePath + "/" + ManifestTorrent.fileName
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            guard attributes[.type] as? FileAttributeType == .typeRegular, (0...Int64(ManifestLimits.maxBytes)).contains(size)
            else {
                return .refused(.tooLarge(bytes: size))
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                return .refused(.fetchFailed("cannot read \(path)"))
            }
            bytes = [UInt8](data)
        } catch {
            return .refused(.fetchFailed("\(error)"))
        }
        guard ManifestTorrent(content: bytes).infoHash == infoHash.bytes else { return .refused(.wrongTorrent) }
        let manifest: SignedManifest
        do {
            manifest = try ManifestVerifier.verify(bytes)
        } catch {
            return .refused(.notAManifest(error))
        }
        guard manifest.jsonBytes == bytes else { return .refused(.notCanonical) }
        guard manifest.body.publicKey == channel else {
            return .refused(.keyMismatch(expected: channel.hex, got: manifest.channelID))
        }
        guard manifest.sequence == UInt64(item.sequence) else {
            return .refused(.sequenceMismatch(pointer: item.sequence, manifest: manifest.sequence))
        }
        return .resolved(manifest, sidecar: item)
    }

    private enum Wait: Sendable {
        case finished, timedOut, failed(String), tooLarge(Int64)
    }

    /// Waits until the torrent is complete, refusing it as soon as its metadata shows more bytes than a manifest.
    private static func waitForManifest(_ infoHash: InfoHash, _ torrents: Torrents, _ deadline: ContinuousClock.Instant)
        async -> Wait
    {
        let remaining = max(deadline - ContinuousClock.now, .zero)
        return await withTaskGroup(of: Wait?.self) { group in
            group.addTask {
                switch await torrents.waitUntilFinished(infoHash, timeout: remaining) {
                case .finished: .finished
                case .timedOut: .timedOut
                case let .failed(why): .failed(why)
                }
            }
            group.addTask {
                for await progress in torrents.progressUpdates(of: infoHash, interval: .milliseconds(200))
                where progress.bytesWanted > Int64(ManifestLimits.maxBytes) {
                    return .tooLarge(progress.bytesWanted)
                }
                return nil  // the stream ended (torrent removed, or this task cancelled)
            }
            var result = Wait.timedOut
            for await answer in group {
                if let answer {
                    result = answer
                    break
                }
            }
            group.cancelAll()
            return result
        }
    }
}
