import MegatorrentBencode
import NIOCore
import XCTest

@testable import MegatorrentTracker

/// The HTTP announce client: its URL and query forms, the pure reply parser, and real announces to our tracker on
/// 127.0.0.1 (holders with `mtkey`, a dictionary-model query that gets them back, a tracker that is down).
final class AnnounceClientTests: XCTestCase {
    var folder: (path: String, remove: () -> Void)!

    override func setUpWithError() throws { folder = try temporaryFolder("announce-client") }
    override func tearDownWithError() throws { folder.remove() }

    func testAnnounceURLs() throws {
        XCTAssertEqual(try AnnounceURL(url: "ws://127.0.0.1:8080/").description, "http://127.0.0.1:8080/announce")
        XCTAssertEqual(try AnnounceURL(url: "wss://tracker.example/ws").description, "https://tracker.example:443/announce")
        XCTAssertEqual(try AnnounceURL(url: "http://[::1]:6969/a?passkey=x").description, "http://[::1]:6969/a?passkey=x")
        XCTAssertEqual(try AnnounceURL(url: "HTTP://h").description, "http://h:80/announce")
        for bad in ["udp://h:1/announce", "http://", "http://h:0/", "http://h:99999/", "http://h/a b", "magnet:?x"] {
            XCTAssertThrowsError(try AnnounceURL(url: bad), bad) { error in
                XCTAssertEqual(error as? AnnounceError, .invalidURL(bad))
            }
        }
        let query = AnnounceQuery(infoHash: Array(repeating: 0x25, count: 20), peerID: Array("-MT0001-abcdefghijkl".utf8), port: 1, left: 0)
        XCTAssertTrue(try AnnounceURL(url: "http://h/a?k=1").target(query).hasPrefix("/a?k=1&info_hash=%25%25"))
    }

    /// What the client sends is what the server reads.
    func testTheQueryIsReadBackByTheServerParser() throws {
        let infoHash = (0..<20).map { UInt8($0 * 13) }
        let key = (0..<32).map { UInt8(255 - $0) }
        let query = AnnounceQuery(
            infoHash: infoHash, peerID: Array("-MT0001-~._-AZaz09xy".utf8), port: 6881, left: 0, event: .started, numwant: 7,
            compact: false, staticKey: key)
        let parsed = try AnnounceRequest.parse(query: Substring(query.queryString))
        XCTAssertEqual(parsed.infoHash, infoHash)
        XCTAssertEqual(parsed.peerID, query.peerID)
        XCTAssertEqual(parsed.port, 6881)
        XCTAssertEqual(parsed.left, 0)
        XCTAssertEqual(parsed.event, .started)
        XCTAssertEqual(parsed.numwant, 7)
        XCTAssertFalse(parsed.compact)
        XCTAssertTrue(parsed.noPeerID)
        XCTAssertEqual(parsed.staticKey, key)
        XCTAssertFalse(AnnounceQuery(infoHash: infoHash, peerID: query.peerID, port: 1, left: 5).queryString.contains("event="))
    }

    func testReplyParser() throws {
        let key = Array(repeating: UInt8(0xab), count: 32)
        let dictionary = Bencode.encode(
            .dictionary([
                "interval": .integer(1800), "min interval": .integer(900),
                "peers": .list([
                    .dictionary(["ip": .string("127.0.0.1"), "port": .integer(7000), "mtkey": .string(String(repeating: "AB", count: 32))]),
                    .dictionary(["ip": .string("::1"), "port": .integer(7001)]),
                    .dictionary(["ip": .string("10.0.0.1"), "port": .integer(0)]),  // bad port: skipped
                    .dictionary(["ip": .string("10.0.0.2"), "port": .integer(7002), "mtkey": .string("abc")]),  // bad key
                    .dictionary(["ip": .string("a b"), "port": .integer(7003)]),  // bad host
                    .integer(3),
                ]),
            ]))
        let reply = try AnnounceResponse.parse(dictionary)
        XCTAssertEqual(reply.interval, 1800)
        XCTAssertEqual(reply.minInterval, 900)
        XCTAssertEqual(
            reply.peers,
            [AnnounceResponse.Peer(host: "127.0.0.1", port: 7000, staticKey: key), AnnounceResponse.Peer(host: "::1", port: 7001)])
        XCTAssertEqual(reply.skippedPeers, 4)
        XCTAssertEqual(try AnnounceResponse.parse(dictionary, maxPeers: 1).peers.count, 1)

        let compact = Bencode.encode(
            .dictionary([
                "interval": .integer(60), "peers": .bytes([127, 0, 0, 1, 0x1b, 0x58, 10, 0, 0, 9, 0, 0]),
                "peers6": .bytes([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1, 0x1b, 0x59]),
            ]))
        XCTAssertEqual(
            try AnnounceResponse.parse(compact).peers,
            [AnnounceResponse.Peer(host: "127.0.0.1", port: 7000), AnnounceResponse.Peer(host: "2001:db8:0:0:0:0:0:1", port: 7001)])

        XCTAssertEqual(
            Result { try AnnounceResponse.parse(Bencode.encode(.dictionary(["failure reason": .string("no\u{7}pe")]))) }.problem,
            .failure("no?pe"))
        XCTAssertEqual(Result { try AnnounceResponse.parse(Array("d8:intervali5ee".utf8)) }.problem, .invalidField("peers"))
        XCTAssertEqual(Result { try AnnounceResponse.parse(Array("d5:peers0:e".utf8)) }.problem, .invalidField("interval"))
        XCTAssertEqual(Result { try AnnounceResponse.parse(Array("d8:intervali-1e5:peers0:e".utf8)) }.problem, .invalidField("interval"))
        XCTAssertEqual(Result { try AnnounceResponse.parse(Array("d8:intervali5e5:peers5:abcdee".utf8)) }.problem, .invalidField("peers"))
        XCTAssertEqual(Result { try AnnounceResponse.parse(Array("li1ee".utf8)) }.problem, .notADictionary)
        XCTAssertEqual(Result { try AnnounceResponse.parse(Array("<html>".utf8)) }.problem, .notBencode(.unexpectedByte(offset: 0)))
    }

    /// Mutated replies (bytes flipped, cut, repeated; a fixed seed): the parser never traps, and what it accepts keeps
    /// its invariants (the same as the `announce-reply` fuzz target's).
    func testMutatedRepliesNeverTrap() throws {
        let seeds: [[UInt8]] = try ["dictionary", "compact", "failure"].map { name in
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("fuzz/corpus/announce-reply/" + name).path
            return try XCTUnwrap(FileManager.default.contents(atPath: path).map(Array.init), path)
        }
        XCTAssertEqual(try AnnounceResponse.parse(seeds[0]).peers.first?.staticKey?.count, 32)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(truncatingIfNeeded: state & 0x7fff_ffff)
        }
        var accepted = 0
        for round in 0..<20_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + next() % 4) {
                switch next() % 3 {
                case 0: bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next())
                case 1: bytes.removeLast(min(bytes.count - 1, next() % 8))
                default: bytes.insert(bytes[next() % bytes.count], at: next() % bytes.count)
                }
            }
            guard let reply = try? AnnounceResponse.parse(bytes) else { continue }
            accepted += 1
            XCTAssertTrue(reply.peers.allSatisfy { $0.port != 0 && ($0.staticKey?.count ?? 32) == 32 })
            XCTAssertEqual(try AnnounceResponse.parse(bytes, maxPeers: 0).peers, [])
        }
        XCTAssertGreaterThan(accepted, 0, "some mutations stay valid replies")
    }

    /// Two holders announce with their static keys; an event-less dictionary-model query gets both with their keys, a
    /// `stopped` takes one out, and a holder that re-announces is listed once.
    func testHoldersAnnounceAndAQueryGetsTheirKeys() async throws {
        let server = try await startServer(databasePath: folder.path + "/state.sqlite")
        let url = try AnnounceURL(url: "ws://127.0.0.1:\(try XCTUnwrap(server.port))/")
        let client = AnnounceClient()
        let infoHash = Array(repeating: UInt8(7), count: 20)
        let keys = [Array(repeating: UInt8(1), count: 32), Array(repeating: UInt8(2), count: 32)]
        for (number, key) in keys.enumerated() {
            for event in [AnnounceQuery.Event.started, .none] {
                let reply = try await client.announce(
                    AnnounceQuery(
                        infoHash: infoHash, peerID: Array("-MT0001-holder\(number)aaaaa".utf8.prefix(20)), port: UInt16(7000 + number),
                        left: 0, event: event, numwant: 0, compact: true, staticKey: key), to: url)
                XCTAssertEqual(reply.interval, 1800)
                XCTAssertEqual(reply.peers, [])
            }
        }
        var query = AnnounceQuery(
            infoHash: infoHash, peerID: Array("-MT0001-askeraaaaaaa".utf8), port: 50000, left: 1, numwant: 50, compact: false)
        let reply = try await client.announce(query, to: url)
        XCTAssertEqual(
            Set(reply.peers), [.init(host: "127.0.0.1", port: 7000, staticKey: keys[0]), .init(host: "127.0.0.1", port: 7001, staticKey: keys[1])])
        query.event = .stopped
        _ = try await client.announce(query, to: url)
        var other = query
        (other.port, other.event) = (50001, .none)
        let afterLeaving = try await client.announce(other, to: url)
        XCTAssertEqual(Set(afterLeaving.peers.map(\.port)), [7000, 7001], "the first asker left the swarm")
        other.event = .stopped
        _ = try await client.announce(other, to: url)

        _ = try await client.announce(
            AnnounceQuery(infoHash: infoHash, peerID: Array("-MT0001-holder0aaaaa".utf8), port: 7000, left: 0, event: .stopped, staticKey: keys[0]),
            to: url)
        query.event = .none
        let afterStop = try await client.announce(query, to: url)
        XCTAssertEqual(afterStop.peers.map(\.port), [7001])
        try await server.shutdown()
    }

    func testATrackerThatIsDownOrNotATrackerIsAClearError() async throws {
        let server = try await startServer(databasePath: folder.path + "/state.sqlite")
        let port = try XCTUnwrap(server.port)
        try await server.shutdown()
        let client = AnnounceClient(timeout: .seconds(5))
        let query = AnnounceQuery(infoHash: Array(repeating: 1, count: 20), peerID: Array(repeating: 0x41, count: 20), port: 1, left: 1)
        do {
            _ = try await client.announce(query, to: try AnnounceURL(url: "http://127.0.0.1:\(port)/announce"))
            XCTFail("nobody listens")
        } catch {
            guard case .unreachable = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.hasPrefix("tracker http://127.0.0.1:\(port)/announce cannot be reached"), error.description)
        }

        // A tracker that refuses (a bad info-hash) and a path that is not an announce endpoint.
        let live = try await startServer(databasePath: folder.path + "/state2.sqlite")
        let livePort = try XCTUnwrap(live.port)
        do {
            _ = try await client.announce(
                AnnounceQuery(infoHash: [1], peerID: Array(repeating: 0x41, count: 20), port: 1, left: 1),
                to: try AnnounceURL(url: "http://127.0.0.1:\(livePort)/announce"))
            XCTFail("a one-byte info-hash is refused")
        } catch {
            XCTAssertEqual(error, .badReply("http://127.0.0.1:\(livePort)/announce", .failure("invalid parameter info_hash")))
        }
        do {
            _ = try await client.announce(query, to: try AnnounceURL(url: "http://127.0.0.1:\(livePort)/nothing"))
            XCTFail("not an announce endpoint")
        } catch {
            guard case .httpStatus(_, let status) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 404)
        }
        try await live.shutdown()
    }
}

extension Result where Success == AnnounceResponse, Failure == any Error {
    init(_ body: () throws -> AnnounceResponse) {
        do { self = .success(try body()) } catch { self = .failure(error) }
    }

    /// The parser's problem, nil on success.
    var problem: AnnounceResponse.Problem? {
        if case let .failure(error) = self { return error as? AnnounceResponse.Problem }
        return nil
    }
}
