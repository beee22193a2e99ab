import Foundation
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentDHT
import MegatorrentNode
import MegatorrentTestSupport
import MegatorrentTorrent
import MegatorrentWire
import XCTest

/// Finding blob holders on a real swarm of libtorrent DHT nodes on 127.0.0.1: two holders (one lying) announce the
/// holders' info-hash and add their records to the holders' item; a fetcher given no peer finds both through the DHT,
/// drops the liar and ends byte-identical.
final class DHTHoldersSwarmTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "mt-dht-holders-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func testTheItemFormat() throws {
        let records = (1...20).map { BlobHoldersItem.Record(staticKey: Array(repeating: UInt8($0), count: 32), port: 1000 + $0) }
        let value = BlobHoldersItem.encode(records)
        XCTAssertLessThanOrEqual(value.count, MutableItem.maxValueBytes, "16 records fit one item")
        XCTAssertEqual(BlobHoldersItem.decode(value), Array(records.prefix(16)))
        let added = BlobHoldersItem.adding(records[5], to: Array(records.prefix(16)))
        XCTAssertEqual(added.first, records[5])
        XCTAssertEqual(added.count, 16)
        XCTAssertEqual(Set(added.map(\.staticKey)).count, 16, "a key once")
        // Malformed entries are skipped; a value that is not a list is no item.
        XCTAssertEqual(BlobHoldersItem.decode(Array("ld1:k3:abc1:pi1eed1:k32:\(String(repeating: "x", count: 32))1:pi0eei5ee".utf8)), [])
        XCTAssertNil(BlobHoldersItem.decode(Array("d1:ai1ee".utf8)))
        // The key is the descriptor's, the same for everyone.
        let descriptor = Array(repeating: UInt8(7), count: 32)
        XCTAssertEqual(try BlobHoldersItem.signingKey(descriptor: descriptor).publicKey, try BlobHoldersItem.signingKey(descriptor: descriptor).publicKey)
        XCTAssertNotEqual(try BlobHoldersItem.signingKey(descriptor: descriptor).publicKey, try BlobHoldersItem.signingKey(descriptor: Array(repeating: 8, count: 32)).publicKey)
    }

    func testAFetchWithNoPeerFindsItsHoldersOnTheDHT() async throws {
        let swarm = try await DHTSwarm(count: 5)
        let source = try BlobStore(path: folder + "/source")
        try writeFile(folder + "/in", size: (6 << 20) + 3)
        let ingest = try BlobIngest.ingest(path: folder + "/in", store: source)
        let descriptor = ingest.link.descriptor

        // Two holders on nodes 1 and 2, the second a liar, each announcing itself in turn.
        var listeners: [BlobListener] = []
        var expected: [BlobPeer] = []
        for (node, lying) in [(1, false), (2, true)] {
            let key = try X25519.PrivateKey.generate()
            let server = BlobServer(store: source)
            let listener = try await BlobListener.start(
                host: "127.0.0.1", port: 0, localStatic: key, responder: lying ? LyingResponder(honest: server) : server)
            listeners.append(listener)
            expected.append(BlobPeer(host: "127.0.0.1", port: listener.port, staticKey: key.publicKey))
            let put = try await DHTHolders(dht: try swarm.dht(node)).announce(descriptor, port: listener.port, staticKey: key.publicKey)
            guard case let .completed(count) = put else { return XCTFail("the put of node \(node) timed out") }
            XCTAssertGreaterThan(count, 0)
        }

        // The sources hold node 0's session: they are released before the swarm is.
        do {
            // Node 0 finds both. Announces are not confirmed by libtorrent, and a lookup may first meet a node that missed
            // the newest put: asked again (bounded) until both are named.
            let me = try X25519.PrivateKey.generate()
            let dhtSource = DHTHolderSource(holders: DHTHolders(dht: try swarm.dht(0)), localStaticKey: me.publicKey)
            var found: [BlobPeer] = []
            for _ in 0..<20 where Set(found) != Set(expected) {
                found = try await dhtSource.holders(of: descriptor)
                if Set(found) != Set(expected) { try await Task.sleep(for: .milliseconds(250)) }
            }
            XCTAssertEqual(Set(found), Set(expected))
            // This node's own record is left out.
            let own = try await DHTHolderSource(holders: DHTHolders(dht: try swarm.dht(0)), localStaticKey: expected[0].staticKey)
                .holders(of: descriptor)
            XCTAssertEqual(own, [expected[1]])

            let mine = try BlobStore(path: folder + "/mine")
            let result = try await BlobFetcher(store: mine, localStatic: me, peers: [], discovery: false, holderSources: [dhtSource])
                .fetch(link: ingest.link, outputPath: folder + "/out")
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/out"), FileManager.default.contents(atPath: folder + "/in"))
            XCTAssertEqual(result.fromPeers, 7)
            XCTAssertEqual(result.droppedPeers, [expected[1].label])
        }
        for listener in listeners { await listener.close() }
        await swarm.shutDown()
    }
}
