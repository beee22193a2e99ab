import MegatorrentBencode
import NIOCore
import XCTest

@testable import MegatorrentTracker

final class AnnounceTests: XCTestCase {
    var folder: (path: String, remove: () -> Void)!

    override func setUpWithError() throws { folder = try temporaryFolder("announce") }
    override func tearDownWithError() throws { folder.remove() }

    static func escaped(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%%%02X", $0) }.joined()
    }

    static func announceTarget(infoHash: [UInt8], peerID: [UInt8], port: Int, extra: String = "") -> String {
        "/announce?info_hash=\(escaped(infoHash))&peer_id=\(escaped(peerID))&port=\(port)"
            + "&uploaded=0&downloaded=0&left=100\(extra)"
    }

    /// Two peers announce; the second gets the first in compact form, and scrape counts both.
    func testAnnounceTwoPeersCompactAndScrape() async throws {
        let server = try await startServer(databasePath: folder.path + "/state.sqlite")
        let port = try XCTUnwrap(server.port)
        let infoHash = [UInt8](repeating: 0xAB, count: 19) + [0x25]  // 0x25 is "%": escaping matters
        let first = try await HTTPTestClient.get(
            port: port,
            Self.announceTarget(
                infoHash: infoHash, peerID: Array("-MT0001-aaaaaaaaaaaa".utf8), port: 6881,
                extra: "&event=started&compact=1"))
        XCTAssertEqual(first.status, .ok)
        let firstReply = try Bencode.decode(first.body)
        XCTAssertEqual(firstReply["interval"]?.integer, 1800)
        XCTAssertEqual(firstReply["min interval"]?.integer, 900)
        XCTAssertEqual(firstReply["peers"]?.byteString, [], "alone in the swarm")

        let second = try await HTTPTestClient.get(
            port: port, Self.announceTarget(infoHash: infoHash, peerID: Array("-MT0001-bbbbbbbbbbbb".utf8), port: 6882))
        let reply = try Bencode.decode(second.body)
        XCTAssertNil(reply["failure reason"])
        XCTAssertEqual(
            reply["peers"]?.byteString, [127, 0, 0, 1, 0x1A, 0xE1], "the other peer, 127.0.0.1:6881, in 6 bytes")
        XCTAssertEqual(reply["incomplete"]?.integer, 2)
        XCTAssertEqual(reply["complete"]?.integer, 0)

        // The dictionary model, without peer ids.
        let dictionaries = try await HTTPTestClient.get(
            port: port,
            Self.announceTarget(
                infoHash: infoHash, peerID: Array("-MT0001-bbbbbbbbbbbb".utf8), port: 6882,
                extra: "&compact=0&no_peer_id=1"))
        let list = try Bencode.decode(dictionaries.body)["peers"]
        XCTAssertEqual(list, .list([.dictionary(["ip": .string("127.0.0.1"), "port": .integer(6881)])]))

        let scrape = try await HTTPTestClient.get(
            port: port,
            "/scrape?info_hash=\(Self.escaped(infoHash))&info_hash=\(Self.escaped([UInt8](repeating: 1, count: 20)))")
        let files = try Bencode.decode(scrape.body)["files"]
        XCTAssertEqual(
            files.flatMap { Self.entry($0, infoHash) },
            .dictionary(["complete": .integer(0), "downloaded": .integer(0), "incomplete": .integer(2)]))
        XCTAssertEqual(
            files.flatMap { Self.entry($0, [UInt8](repeating: 1, count: 20)) },
            .dictionary(["complete": .integer(0), "downloaded": .integer(0), "incomplete": .integer(0)]))

        // Stopped leaves the swarm.
        _ = try await HTTPTestClient.get(
            port: port,
            Self.announceTarget(
                infoHash: infoHash, peerID: Array("-MT0001-aaaaaaaaaaaa".utf8), port: 6881, extra: "&event=stopped"))
        let after = try Bencode.decode(
            try await HTTPTestClient.get(
                port: port,
                Self.announceTarget(infoHash: infoHash, peerID: Array("-MT0001-bbbbbbbbbbbb".utf8), port: 6882)
            ).body)
        XCTAssertEqual(after["peers"]?.byteString, [])
        try await server.shutdown()
    }

    static func entry(_ dictionary: BencodeValue, _ key: [UInt8]) -> BencodeValue? {
        guard case .dictionary(let entries) = dictionary else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// A node announces with its static key (`mtkey`): the dictionary model returns it with the peer, so the asker
    /// can reach the node over the secure transport; a malformed key is refused.
    func testStaticKeyCarriedInTheDictionaryModel() async throws {
        let server = try await startServer(databasePath: folder.path + "/state.sqlite")
        let port = try XCTUnwrap(server.port)
        let infoHash = [UInt8](repeating: 0x5C, count: 20)
        let key = String(repeating: "a1", count: 32)
        let holder = try await HTTPTestClient.get(
            port: port,
            Self.announceTarget(infoHash: infoHash, peerID: Array("-MT0001-hhhhhhhhhhhh".utf8), port: 7001, extra: "&mtkey=\(key)"))
        XCTAssertNil(try Bencode.decode(holder.body)["failure reason"])
        let asker = try await HTTPTestClient.get(
            port: port,
            Self.announceTarget(infoHash: infoHash, peerID: Array("-MT0001-qqqqqqqqqqqq".utf8), port: 7002, extra: "&compact=0&no_peer_id=1"))
        XCTAssertEqual(
            try Bencode.decode(asker.body)["peers"],
            .list([.dictionary(["ip": .string("127.0.0.1"), "port": .integer(7001), "mtkey": .string(key)])]))
        for bad in [String(key.dropLast(2)), String(key.dropLast()) + "g", key + "00"] {
            let refused = try await HTTPTestClient.get(
                port: port, Self.announceTarget(infoHash: infoHash, peerID: Array("-MT0001-xxxxxxxxxxxx".utf8), port: 7003, extra: "&mtkey=\(bad)"))
            XCTAssertEqual(
                try Bencode.decode(refused.body)["failure reason"]?.byteString.map { String(decoding: $0, as: UTF8.self) },
                "invalid parameter mtkey", bad)
        }
        try await server.shutdown()
    }

    func testAnnounceFailuresAndOtherEndpoints() async throws {
        let server = try await startServer(databasePath: folder.path + "/state.sqlite")
        let port = try XCTUnwrap(server.port)
        for (target, reason) in [
            ("/announce?peer_id=x", "missing parameter info_hash"),
            ("/announce?info_hash=%41&peer_id=x&port=1", "invalid parameter info_hash"),
            (
                "/announce?info_hash=\(Self.escaped(Array(repeating: 1, count: 20)))"
                    + "&peer_id=\(Self.escaped(Array(repeating: 2, count: 20)))&port=0",
                "invalid parameter port"
            ),
            ("/announce?info_hash=%4", "malformed query string"),
            ("/scrape", "missing parameter info_hash"),
        ] {
            let response = try await HTTPTestClient.get(port: port, target)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(
                try Bencode.decode(response.body)["failure reason"]?.byteString.map {
                    String(decoding: $0, as: UTF8.self)
                }, reason, target)
        }
        let missing = try await HTTPTestClient.get(port: port, "/nothing")
        XCTAssertEqual(missing.status, .notFound)
        let root = try await HTTPTestClient.get(port: port, "/")
        XCTAssertEqual(root.status, .upgradeRequired)
        let metrics = try await HTTPTestClient.get(port: port, "/metrics")
        XCTAssertTrue(metrics.text.contains("# TYPE megatorrent_tracker_announces_total counter"))
        XCTAssertTrue(metrics.text.contains("megatorrent_tracker_announces_total 4"), metrics.text)
        try await server.shutdown()
    }

    /// Peers expire after the lifetime; a seed gets only leechers.
    func testSwarmExpiryAndSeeds() throws {
        var configuration = TrackerConfiguration()
        configuration.announceInterval = 10
        let table = SwarmTable(configuration: configuration)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        func announce(_ port: UInt16, left: Int64, at time: NIODeadline) -> SwarmTable.Reply? {
            let request = AnnounceRequest(
                infoHash: Array(repeating: 7, count: 20), peerID: Array(repeating: UInt8(port & 0xff), count: 20),
                port: port, left: left,
                event: .none, compact: true, numwant: nil, noPeerID: false)
            return try? table.announce(request, from: PeerAddress(bytes: [10, 0, 0, 1]), now: time).get()
        }
        _ = announce(1, left: 0, at: start)
        _ = announce(2, left: 0, at: start)
        _ = announce(3, left: 5, at: start + .seconds(15))
        XCTAssertEqual(
            announce(1, left: 0, at: start + .seconds(16))?.peers.map(\.endpoint.port), [3], "a seed gets leechers only"
        )
        XCTAssertEqual(table.counts.peers, 3)
        table.expire(now: start + .seconds(21))
        XCTAssertEqual(table.counts.peers, 2, "peer 2 expired after two intervals")
        table.expire(now: start + .seconds(60))
        XCTAssertEqual(table.counts.swarms, 0)
    }

    func testQueryStringDecodesBinary() {
        let pairs = QueryString.pairs("a=%00%FFz&b&c=%2B+")
        XCTAssertEqual(pairs?.map(\.name), ["a", "b", "c"])
        XCTAssertEqual(pairs?[0].value, [0, 0xFF, UInt8(ascii: "z")])
        XCTAssertEqual(pairs?[1].value, [])
        XCTAssertEqual(pairs?[2].value, Array("++".utf8))
        XCTAssertNil(QueryString.pairs("a=%G0"))
        XCTAssertEqual(QueryString.split("/announce?x=1").path, "/announce")
    }
}
