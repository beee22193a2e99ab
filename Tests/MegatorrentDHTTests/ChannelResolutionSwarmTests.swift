import Foundation
import Synchronization
import XCTest
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTestSupport
import MegatorrentTorrent
@testable import MegatorrentDHT

/// Channels end to end on real libtorrent swarms on 127.0.0.1 (docs/dht.md): publish (seed + pointer), resolve (pointer,
/// manifest torrent through BitTorrent with peers from the DHT, strict checks, seed), republish from a sidecar, updates,
/// forged pointers, and the republisher keeping a channel reachable after its author and every node that stored its
/// pointer left. Every wait is bounded; timings are printed, never asserted.
///
/// Publishers and resolvers are made per call: one kept in a variable would keep its session alive past `leave`.
final class ChannelResolutionSwarmTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "megatorrent-dht-channels-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Node `index`'s store folder (`prefix` tells swarms apart).
    func store(_ index: Int, _ prefix: String = "node") -> String { folder + "/\(prefix)\(index)" }

    /// Whether `session` seeds `infoHash` within 30 s: right after a publish or a download libtorrent may still be
    /// checking the files it was given (seen under load).
    func isSeeding(_ session: TorrentSession, _ infoHash: InfoHash) async throws -> Bool {
        try await eventually(within: 30) { try session.torrents.status(infoHash).state == .seeding }
    }

    /// The file a node keeps for a manifest.
    func storedFile(_ store: String, _ manifest: SignedManifest) -> [UInt8]? {
        let path = ChannelStore(root: store).folder(
            channel: manifest.body.publicKey, sequence: manifest.sequence,
            infoHash: ManifestTorrent(manifest: manifest).infoHash) + "/manifest.json"
        return FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    /// Resolves from `resolver` with `newerThan` until the pointer is above it (a first answer can come from a node
    /// that missed the newest put; docs/dht.md), at most `attempts` times.
    func resolveAbove(
        _ sequence: UInt64, _ resolver: () throws -> ChannelResolver, _ key: Ed25519.PublicKey, store: String,
        attempts: Int = 20
    ) async throws -> ChannelResolver.Outcome {
        var outcome = ChannelResolver.Outcome.timedOut
        for _ in 0..<attempts {
            outcome = try await resolver().resolve(key, storeFolder: store, timeout: .seconds(60), newerThan: sequence)
            if case .upToDate = outcome { continue }
            return outcome
        }
        return outcome
    }

    func testPublishResolveSeedRepublishAuthorLeavesAndUpdate() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let key = try Ed25519.PrivateKey.generate()
        func publisher(_ index: Int) throws -> ChannelPublisher { ChannelPublisher(session: try swarm.session(index)) }
        func resolver(_ index: Int) throws -> ChannelResolver { ChannelResolver(session: try swarm.session(index)) }

        // The author publishes from node 0: seeds the manifest torrent and puts the pointer.
        let first = try makeSignedManifest(key, 1, title: "v1")
        var start = ContinuousClock.now
        let published = try await publisher(0).publish(first, with: key, storeFolder: store(0))
        print("published sequence 1 in \(seconds(since: start)): \(published.put)")
        guard case let .completed(successCount) = published.put else { return XCTFail("put timed out") }
        XCTAssertGreaterThan(successCount, 0)
        XCTAssertEqual(published.infoHash.bytes, ManifestTorrent(manifest: first).infoHash)
        XCTAssertEqual(published.sidecar.sequence, 1)
        XCTAssertEqual(storedFile(store(0), first), first.jsonBytes)
        let seeding1 = try await isSeeding(try swarm.session(0), published.infoHash)
        XCTAssertTrue(seeding1, "node 0 does not seed published.infoHash")

        // Node 5 resolves: the manifest byte for byte, the author's signed pointer as its sidecar; it now seeds.
        start = ContinuousClock.now
        let resolved = try await resolver(5).resolve(key.publicKey, storeFolder: store(5), timeout: .seconds(60))
        print("node 5 resolved in \(seconds(since: start))")
        guard case let .resolved(manifest, sidecar) = resolved else { return XCTFail("node 5: \(resolved)") }
        XCTAssertEqual(manifest.jsonBytes, first.jsonBytes)
        XCTAssertEqual(sidecar, published.sidecar)
        XCTAssertEqual(storedFile(store(5), first), first.jsonBytes)
        let seeding2 = try await isSeeding(try swarm.session(5), published.infoHash)
        XCTAssertTrue(seeding2, "node 5 does not seed published.infoHash")

        // Node 5 republishes from what it holds (no key), then the author leaves.
        let republished = try await publisher(5).republish(sidecar, manifest: manifest, storeFolder: store(5))
        XCTAssertEqual(republished.infoHash, published.infoHash)
        guard case let .completed(reputCount) = republished.put else { return XCTFail("re-put timed out") }
        XCTAssertGreaterThan(reputCount, 0)
        await swarm.leave(0)

        // Node 7 resolves by the channel's magnet link: the pointer from the DHT, the manifest from node 5's seed.
        start = ContinuousClock.now
        let byLink = try await resolver(7).resolve(
            address: ChannelAddress.magnet(key.publicKey), storeFolder: store(7), timeout: .seconds(60))
        print("node 7 resolved by magnet link after the author left in \(seconds(since: start))")
        guard case let .resolved(again, againSidecar) = byLink else { return XCTFail("node 7: \(byLink)") }
        XCTAssertEqual(again.jsonBytes, first.jsonBytes)
        XCTAssertEqual(againSidecar, published.sidecar)
        XCTAssertGreaterThan(try swarm.session(5).torrents.status(published.infoHash).bytesUploaded, 0, "node 5 served it")

        // The author publishes an update from another node; node 5 resolves it, then seeds only the new version.
        let second = try makeSignedManifest(key, 2, title: "v2")
        start = ContinuousClock.now
        let update = try await publisher(2).publish(second, with: key, storeFolder: store(2))
        print("published sequence 2 from node 2 in \(seconds(since: start)): \(update.put)")
        start = ContinuousClock.now
        let updated = try await resolveAbove(1, { try resolver(5) }, key.publicKey, store: store(5))
        print("node 5 resolved the update in \(seconds(since: start))")
        XCTAssertEqual(updated, .resolved(second, sidecar: update.sidecar))
        XCTAssertEqual(storedFile(store(5), second), second.jsonBytes)
        XCTAssertEqual(ChannelStore(root: store(5)).entries(channel: key.publicKey).map(\.sequence), [2])
        XCTAssertThrowsError(try swarm.session(5).torrents.status(published.infoHash), "the old version is retired")
        let seeding3 = try await isSeeding(try swarm.session(5), update.infoHash)
        XCTAssertTrue(seeding3, "node 5 does not seed update.infoHash")

        // Nothing newer: nothing fetched.
        let current = try await resolver(5).resolve(key.publicKey, storeFolder: store(5), newerThan: 2)
        guard case let .upToDate(sequence) = current else { return XCTFail("\(current)") }
        XCTAssertLessThanOrEqual(sequence, 2)

        await swarm.shutDown()
    }

    func testForgedPointersAndContentAreRefused() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let key = try Ed25519.PrivateKey.generate()
        let stranger = try Ed25519.PrivateKey.generate()
        func resolver() throws -> ChannelResolver { ChannelResolver(session: try swarm.session(6)) }
        let readerStore = store(6)

        // A valid version first: node 6 holds and seeds sequence 1.
        let first = try makeSignedManifest(key, 1)
        let published = try await ChannelPublisher(session: swarm.session(0)).publish(first, with: key, storeFolder: store(0))
        let resolved = try await resolver().resolve(key.publicKey, storeFolder: readerStore)
        XCTAssertEqual(resolved, .resolved(first, sidecar: published.sidecar))

        /// Node 3 seeds `torrentFile` (its file `content`, named manifest.json) and puts a pointer to it signed by the
        /// channel key at `sequence`; node 6 then resolves (above `sequence - 1`).
        func forge(_ sequence: Int64, content: [UInt8], torrentFile: [UInt8]? = nil) async throws
            -> (ChannelResolver.Outcome, InfoHash)
        {
            let seedFolder = folder + "/forged-\(sequence)"
            try FileManager.default.createDirectory(atPath: seedFolder, withIntermediateDirectories: true)
            try Data(content).write(to: URL(fileURLWithPath: seedFolder + "/manifest.json"))
            let torrent = torrentFile ?? ManifestTorrent(content: content).torrentFile
            let infoHash = try await swarm.session(3).torrents.add(torrentFile: torrent, savePath: seedFolder, seedMode: true)
            let item = try MutableItem(
                signing: ChannelPointer(infoHash: infoHash.bytes).bencoded, sequence: sequence, with: key)
            let put = try await DHTChannel(dht: swarm.dht(3)).put(item)
            XCTAssertNotEqual(put, .timedOut)
            let start = ContinuousClock.now
            let outcome = try await resolveAbove(UInt64(sequence - 1), resolver, key.publicKey, store: readerStore)
            print("forged pointer \(sequence): \(outcome) in \(seconds(since: start))")
            // Nothing of it is kept, and the version held before is still seeded.
            XCTAssertThrowsError(try swarm.session(6).torrents.status(infoHash), "pointer \(sequence): torrent kept")
            XCTAssertEqual(
                ChannelStore(root: readerStore).entries(channel: key.publicKey).map(\.infoHash), [published.infoHash])
            let seeding4 = try await isSeeding(try swarm.session(6), published.infoHash)
            XCTAssertTrue(seeding4, "node 6 does not seed published.infoHash")
            return (outcome, infoHash)
        }

        // Signed by the channel key, pointing at another channel's valid manifest.
        let (otherKey, _) = try await forge(2, content: makeSignedManifest(stranger, 2).jsonBytes)
        XCTAssertEqual(otherKey, .refused(.keyMismatch(expected: key.publicKey.hex, got: stranger.publicKey.hex)))

        // Pointing at the channel's own valid manifest, but of another sequence than the pointer's.
        let (otherSequence, _) = try await forge(3, content: makeSignedManifest(key, 4).jsonBytes)
        XCTAssertEqual(otherSequence, .refused(.sequenceMismatch(pointer: 3, manifest: 4)))

        // Pointing at content that is not a manifest.
        let (notManifest, _) = try await forge(4, content: Array("a file that is not a manifest".utf8))
        guard case .refused(.notAManifest) = notManifest else { return XCTFail("\(notManifest)") }

        // Pointing at the right manifest in a torrent that is not the deterministic one (32 KiB pieces).
        let fifth = try makeSignedManifest(key, 5)
        let madeFolder = folder + "/made"
        try FileManager.default.createDirectory(atPath: madeFolder, withIntermediateDirectories: true)
        try Data(fifth.jsonBytes).write(to: URL(fileURLWithPath: madeFolder + "/manifest.json"))
        let made = try Torrents.createTorrent(file: madeFolder + "/manifest.json", pieceSize: 32768)
        XCTAssertNotEqual(made.infoHash.bytes, ManifestTorrent(manifest: fifth).infoHash)
        let (wrongTorrent, _) = try await forge(5, content: fifth.jsonBytes, torrentFile: made.bytes)
        XCTAssertEqual(wrongTorrent, .refused(.wrongTorrent))

        // Pointing at far more bytes than a manifest can have: refused once its size is known.
        let (tooLarge, _) = try await forge(6, content: [UInt8](repeating: 0x20, count: 2 * ManifestLimits.maxBytes))
        XCTAssertEqual(tooLarge, .refused(.tooLarge(bytes: Int64(2 * ManifestLimits.maxBytes))))

        // A validly signed manifest of the right key and sequence, not in canonical form.
        let seventh = try makeSignedManifest(key, 7)
        let spaced = Array(" ".utf8) + seventh.jsonBytes
        XCTAssertEqual(try ManifestVerifier.verify(spaced), seventh, "it verifies")
        let (notCanonical, _) = try await forge(7, content: spaced)
        XCTAssertEqual(notCanonical, .refused(.notCanonical))

        // Pointing at the version node 6 holds, under a higher seq: refused, and that version is still held as it was.
        let replayed = try MutableItem(
            signing: ChannelPointer(infoHash: published.infoHash.bytes).bencoded, sequence: 8, with: key)
        _ = try await DHTChannel(dht: swarm.dht(3)).put(replayed)
        let replay = try await resolveAbove(7, resolver, key.publicKey, store: readerStore)
        XCTAssertEqual(replay, .refused(.sequenceMismatch(pointer: 8, manifest: 1)))
        let seeding5 = try await isSeeding(try swarm.session(6), published.infoHash)
        XCTAssertTrue(seeding5, "node 6 does not seed published.infoHash")
        XCTAssertEqual(
            ChannelStore(root: readerStore).entries(channel: key.publicKey).map(\.infoHash), [published.infoHash],
            "no folder made for a torrent already held")

        // The author's next real version resolves, and replaces the one held.
        let ninth = try makeSignedManifest(key, 9)
        let next = try await ChannelPublisher(session: swarm.session(0)).publish(ninth, with: key, storeFolder: store(0))
        let recovered = try await resolveAbove(8, resolver, key.publicKey, store: readerStore)
        XCTAssertEqual(recovered, .resolved(ninth, sidecar: next.sidecar))
        XCTAssertEqual(ChannelStore(root: readerStore).entries(channel: key.publicKey).map(\.infoHash), [next.infoHash])
        XCTAssertThrowsError(try swarm.session(6).torrents.status(published.infoHash), "sequence 1 retired")

        // A channel nobody published.
        let unknown = try Ed25519.PrivateKey.generate()
        let missing = try await resolver().resolve(unknown.publicKey, storeFolder: readerStore, timeout: .seconds(30))
        XCTAssertEqual(missing, .notFound)

        await swarm.shutDown()
    }

    /// After node 0 left, every traversal waits about 15 s for it before it ends, and a peer announce is sent only at
    /// the end: node 3 starts seeding, node 6 starts resolving 1 s later, and libtorrent's two peer lookups of node 6
    /// (at the add and about 4 s later; the next one after 15 minutes) both run before node 3's announce lands, while
    /// node 3's own lookup ran before node 6's announce. The resolver looks the peers up again and finishes.
    func testResolverLooksPeersUpAgainWhenTheSeedersAnnounceIsLate() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeSignedManifest(key, 1)
        let (sidecar, put) = try await DHTChannel(dht: swarm.dht(1)).publishPointer(for: manifest, with: key)
        XCTAssertNotEqual(put, .timedOut)
        await swarm.leave(0)

        _ = try await ChannelPublisher(session: swarm.session(3)).seed(manifest, storeFolder: store(3))
        try await Task.sleep(for: .seconds(1))
        let start = ContinuousClock.now
        let outcome = try await ChannelResolver(session: swarm.session(6))
            .resolve(key.publicKey, storeFolder: store(6), timeout: .seconds(60))
        print("node 6 resolved while node 3's announce was late in \(seconds(since: start))")
        XCTAssertEqual(outcome, .resolved(manifest, sidecar: sidecar))
        await swarm.shutDown()
    }

    /// The pointer lives only on the author's island (nodes I0-I2); node 5 of the main swarm resolves it across a
    /// bridge, then the whole island leaves. No node left stores the pointer (node 7 finds nothing) until node 5's
    /// republisher re-puts its sidecar; then node 7 resolves, the manifest coming from node 5's seed.
    func testRepublisherKeepsTheChannelReachableAfterEveryStorerLeft() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let island = try await DHTSwarm(count: 3)
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeSignedManifest(key, 1)

        let published = try await ChannelPublisher(session: island.session(0))
            .publish(manifest, with: key, storeFolder: store(0, "island"))
        XCTAssertNotEqual(published.put, .timedOut)

        // Bridge node 5 and the island, both ways.
        for port in island.ports { try swarm.dht(5).addNode(host: "127.0.0.1", port: port) }
        for index in 0..<3 { try island.dht(index).addNode(host: "127.0.0.1", port: swarm.ports[5]) }
        let bridged = try await eventually(within: 10) { try swarm.dht(5).nodeCount >= 10 }
        XCTAssertTrue(bridged, "node 5 knows the island")

        var start = ContinuousClock.now
        let resolved = try await ChannelResolver(session: swarm.session(5))
            .resolve(key.publicKey, storeFolder: store(5), timeout: .seconds(60))
        print("node 5 resolved across the bridge in \(seconds(since: start))")
        guard case let .resolved(held, sidecar) = resolved else { return XCTFail("node 5: \(resolved)") }
        XCTAssertEqual(held.jsonBytes, manifest.jsonBytes)

        await island.shutDown()

        // Nobody alive stores the pointer: node 5 only looked it up.
        start = ContinuousClock.now
        let before = try await ChannelResolver(session: swarm.session(7))
            .resolve(key.publicKey, storeFolder: store(7), timeout: .seconds(40))
        print("node 7 before any re-put: \(before) in \(seconds(since: start))")
        XCTAssertEqual(before, .notFound)

        // Node 5's republisher re-puts what it holds.
        let reput = XCTestExpectation(description: "a round re-put the pointer to at least one node")
        let rounds = Mutex<[Republisher.Round]>([])
        let republisher = Republisher(
            session: try swarm.session(5), interval: .milliseconds(300), jitter: 0.2, putTimeout: .seconds(30)
        ) { round in
            rounds.withLock { $0.append(round) }
            if round.puts.contains(where: { if case let .completed(n) = $0.outcome { n > 0 } else { false } }) {
                reput.fulfill()
            }
        }
        XCTAssertTrue(republisher.hold(sidecar))
        start = ContinuousClock.now
        republisher.start()
        let result = await XCTWaiter().fulfillment(of: [reput], timeout: 30)
        XCTAssertEqual(result, .completed)
        print("republisher: rounds \(rounds.withLock { $0.map { $0.puts.map(\.outcome) } }) in \(seconds(since: start))")

        start = ContinuousClock.now
        let after = try await ChannelResolver(session: swarm.session(7))
            .resolve(key.publicKey, storeFolder: store(7), timeout: .seconds(60))
        print("node 7 after the re-put: resolved=\({ if case .resolved = after { true } else { false } }()) in \(seconds(since: start))")
        XCTAssertEqual(after, .resolved(manifest, sidecar: published.sidecar))
        XCTAssertEqual(storedFile(store(7), manifest), manifest.jsonBytes)

        await republisher.stop()
        await swarm.shutDown()
    }
}
