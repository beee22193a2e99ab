import Foundation
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentTestSupport
import MegatorrentWire
import XCTest

final class BlobNetworkTests: XCTestCase {
    func testThreePeersOneLyingStillGiveTheFile() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = try BlobStore(path: folder + "/source")
        try writeRandomFile(folder + "/in", size: 24 << 20)
        let ingest = try BlobIngest.ingest(path: folder + "/in", store: source)

        var listeners: [BlobListener] = []
        var peers: [BlobPeer] = []
        var servers: [BlobServer] = []
        for lying in [false, true, false] {
            let key = try X25519.PrivateKey.generate()
            let server = BlobServer(store: source)
            servers.append(server)
            let responder: any BlobResponder = lying ? LyingResponder(honest: server) : server
            let listener = try await BlobListener.start(host: "127.0.0.1", port: 0, localStatic: key, responder: responder)
            listeners.append(listener)
            peers.append(BlobPeer(host: "127.0.0.1", port: listener.port, staticKey: key.publicKey))
        }
        let store = try BlobStore(path: folder + "/mine")
        let fetcher = BlobFetcher(store: store, localStatic: try X25519.PrivateKey.generate(), peers: peers)
        let result = try await fetcher.fetch(link: ingest.link, outputPath: folder + "/out")
        XCTAssertEqual(try sha256(ofFile: folder + "/out"), try sha256(ofFile: folder + "/in"))
        XCTAssertEqual(result.fromPeers, 24)
        XCTAssertEqual(result.droppedPeers, [peers[1].label])
        XCTAssertGreaterThan(servers[0].served, 0)
        XCTAssertGreaterThan(servers[2].served, 0)
        // The downloader keeps what it fetched, so it serves the file in turn.
        XCTAssertEqual(Set(store.ids()), Set(source.ids()))
        XCTAssertEqual(store.corruptBlobs(), [])
        for listener in listeners { await listener.close() }
    }

    func testMissingChunksAreReportedAndResumedLater() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = try BlobStore(path: folder + "/source")
        try writeRandomFile(folder + "/in", size: 5 << 20)
        let ingest = try BlobIngest.ingest(path: folder + "/in", store: source)
        // The peer lacks two chunks: the download stops with what it has, and its state says so.
        let partialStore = try BlobStore(path: folder + "/partial")
        let lacking = Array(source.ids().filter { $0 != ingest.link.descriptor }.prefix(2))
        for id in source.ids() where !lacking.contains(id) { try partialStore.put(sealed: try source.get(id)!) }
        let key = try X25519.PrivateKey.generate()
        let listener = try await BlobListener.start(host: "127.0.0.1", port: 0, localStatic: key, responder: BlobServer(store: partialStore))
        let peer = BlobPeer(host: "127.0.0.1", port: listener.port, staticKey: key.publicKey)
        let mine = try BlobStore(path: folder + "/mine")
        do {
            _ = try await BlobFetcher(store: mine, localStatic: try X25519.PrivateKey.generate(), peers: [peer])
                .fetch(link: ingest.link, outputPath: folder + "/out")
            XCTFail("two chunks cannot be found")
        } catch let error as BlobError {
            XCTAssertEqual(error, .unavailable(missing: 2, of: 5))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/out.mtpart.state"))
        // Once the chunks are there, a second run fetches only them.
        for id in lacking { try partialStore.put(sealed: try source.get(id)!) }
        let result = try await BlobFetcher(store: try BlobStore(path: folder + "/empty"), localStatic: try X25519.PrivateKey.generate(), peers: [peer])
            .fetch(link: ingest.link, outputPath: folder + "/out")
        XCTAssertEqual(result.resumed, 3)
        XCTAssertEqual(result.fromPeers, 2)
        XCTAssertEqual(try sha256(ofFile: folder + "/out"), try sha256(ofFile: folder + "/in"))
        await listener.close()
    }
}
