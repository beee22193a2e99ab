import Foundation
import Logging
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentNode
import MegatorrentTracker
import MegatorrentTestSupport
import MegatorrentWire
import XCTest

/// Finding blob holders through a real tracker on 127.0.0.1: holders announce themselves (``HolderAnnouncer``), a
/// fetcher given no peer at all finds them (``TrackerHolderSource``), checks every blob and drops a lying holder; a
/// tracker that is down gives a clear error and loses nothing.
final class TrackerHoldersTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "mt-holders-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    private func startTracker() async throws -> (TrackerServer, AnnounceURL) {
        var configuration = TrackerConfiguration()
        configuration.eventLoopThreads = 1
        configuration.workerThreads = 1
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = TrackerServer(configuration: configuration, logger: logger)
        try await server.start(host: "127.0.0.1", port: 0, databasePath: folder + "/tracker.sqlite")
        return (server, try AnnounceURL(url: "ws://127.0.0.1:\(try XCTUnwrap(server.port))/"))
    }

    /// A holder of `store`'s blobs on 127.0.0.1 (lying when asked), announcing `descriptor` to `tracker`; returns once
    /// the tracker took the first announce.
    private func startHolder(
        store: BlobStore, lying: Bool, descriptor: BlobID, tracker: AnnounceURL
    ) async throws -> (listener: BlobListener, announcer: HolderAnnouncer, peer: BlobPeer) {
        let key = try X25519.PrivateKey.generate()
        let server = BlobServer(store: store)
        let listener = try await BlobListener.start(
            host: "127.0.0.1", port: 0, localStatic: key, responder: lying ? LyingResponder(honest: server) : server)
        let (rounds, continuation) = AsyncStream<HolderAnnouncer.Round>.makeStream()
        let announcer = HolderAnnouncer(
            trackers: [tracker], client: AnnounceClient(), port: UInt16(listener.port), staticKey: key.publicKey,
            held: { [descriptor] }, onRound: { continuation.yield($0) })
        announcer.start()
        var iterator = rounds.makeAsyncIterator()
        let first = await iterator.next()
        XCTAssertEqual(first?.tracker, tracker.description)
        XCTAssertEqual(first?.announced, 1)
        XCTAssertEqual(first?.held, 1)
        XCTAssertNil(first?.failure)
        return (listener, announcer, BlobPeer(host: "127.0.0.1", port: listener.port, staticKey: key.publicKey))
    }

    func testAFetchWithNoPeerFindsItsHoldersThroughTheTrackerAndDropsALiar() async throws {
        let (tracker, url) = try await startTracker()
        let source = try BlobStore(path: folder + "/source")
        try writeFile(folder + "/in", size: (16 << 20) + 5)
        let ingest = try BlobIngest.ingest(path: folder + "/in", store: source)
        let descriptor = ingest.link.descriptor

        let honest = try await startHolder(store: source, lying: false, descriptor: descriptor, tracker: url)
        let liar = try await startHolder(store: source, lying: true, descriptor: descriptor, tracker: url)
        let me = try X25519.PrivateKey.generate()
        let trackerSource = TrackerHolderSource(url: url, client: AnnounceClient(), localStaticKey: me.publicKey)
        let named = try await trackerSource.holders(of: descriptor)
        XCTAssertEqual(Set(named), [honest.peer, liar.peer])
        // Another file's swarm is another info-hash: nobody holds it.
        let otherFile = try await trackerSource.holders(of: BlobID(Array(repeating: 9, count: 32))!)
        XCTAssertEqual(otherFile, [])

        let mine = try BlobStore(path: folder + "/mine")
        let fetcher = BlobFetcher(store: mine, localStatic: me, peers: [], discovery: false, holderSources: [trackerSource])
        let result = try await fetcher.fetch(link: ingest.link, outputPath: folder + "/out")
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/out"), FileManager.default.contents(atPath: folder + "/in"))
        XCTAssertEqual(result.fromPeers, 17)
        XCTAssertEqual(result.droppedPeers, [liar.peer.label])
        XCTAssertEqual(Set(mine.ids()), Set(source.ids()))

        // This node's own record is never a holder to ask.
        let own = TrackerHolderSource(url: url, client: AnnounceClient(), localStaticKey: honest.peer.staticKey)
        let notMe = try await own.holders(of: descriptor)
        XCTAssertEqual(notMe, [liar.peer])

        // Holders that stop leave the swarm.
        await honest.announcer.stop()
        await liar.announcer.stop()
        let afterStop = try await trackerSource.holders(of: descriptor)
        XCTAssertEqual(afterStop, [])
        await honest.listener.close()
        await liar.listener.close()
        try await tracker.shutdown()
    }

    func testATrackerThatIsDownIsAClearErrorAndLosesNothing() async throws {
        let (tracker, url) = try await startTracker()
        try await tracker.shutdown()
        let source = try BlobStore(path: folder + "/source")
        try writeFile(folder + "/in", size: (3 << 20) + 1)
        let ingest = try BlobIngest.ingest(path: folder + "/in", store: source)
        let me = try X25519.PrivateKey.generate()
        let down = TrackerHolderSource(url: url, client: AnnounceClient(timeout: .seconds(5)), localStaticKey: me.publicKey)

        // Only the descriptor is here (the chunks are not): the download starts, the tracker cannot be asked.
        let mine = try BlobStore(path: folder + "/mine")
        _ = try mine.put(sealed: try XCTUnwrap(try source.get(ingest.link.descriptor)))
        let fetcher = BlobFetcher(store: mine, localStatic: me, peers: [], holderSources: [down])
        do {
            _ = try await fetcher.fetch(link: ingest.link, outputPath: folder + "/out")
            XCTFail("no source")
        } catch let error as BlobError {
            guard case let .withSourceFailures(inner, reasons) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(inner, .unavailable(missing: 4, of: 4))
            XCTAssertEqual(reasons.count, 1)
            XCTAssertTrue(reasons[0].contains("\(url.description) cannot be reached"), reasons[0])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/out.mtpart.state"), "progress kept for a later run")
        XCTAssertTrue(mine.contains(ingest.link.descriptor), "nothing removed from the store")

        // A holder that is reachable directly still gives the file, the dead tracker beside it.
        let key = try X25519.PrivateKey.generate()
        let listener = try await BlobListener.start(host: "127.0.0.1", port: 0, localStatic: key, responder: BlobServer(store: source))
        let peer = BlobPeer(host: "127.0.0.1", port: listener.port, staticKey: key.publicKey)
        let result = try await BlobFetcher(store: mine, localStatic: me, peers: [peer], holderSources: [down])
            .fetch(link: ingest.link, outputPath: folder + "/out")
        XCTAssertEqual(result.fromPeers, 4)
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/out"), FileManager.default.contents(atPath: folder + "/in"))
        await listener.close()
    }
}
