import CLibtorrentShim
import Foundation
import MegatorrentTestSupport
import MegatorrentTorrent
import XCTest

/// BEP 44 items across a real loopback swarm of 8 sessions. Every wait is bounded; timings are printed, not asserted.
final class DHTSwarmTests: XCTestCase {
    func testMutableItemIsFoundUpdatedAndNotReplacedByALowerSequence() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let author = TestAuthor()
        let salt = Array("channel".utf8)
        let first = try author.sign(salt: salt, sequence: 1, value: pointerValue())

        var start = ContinuousClock.now
        let put = try await swarm.dht(0).putMutable(item: first, timeout: .seconds(30))
        print("put seq 1: \(put) in \(seconds(since: start))")
        guard case .completed(let stored) = put else { return XCTFail("put: \(put)") }
        XCTAssertGreaterThan(stored, 0)

        start = ContinuousClock.now
        let got = try await swarm.dht(5).getMutable(publicKey: first.publicKey, salt: salt, timeout: .seconds(30))
        print("get seq 1 from node 5: authoritative \(got.isAuthoritative) in \(seconds(since: start))")
        XCTAssertEqual(got.item, first, "the item as put, signature included")

        // A higher sequence replaces it. A lookup returns its first answer, which may come from a node that missed the
        // put, so look again until the new sequence shows (bounded).
        let second = try author.sign(salt: salt, sequence: 2, value: pointerValue())
        let secondPut = try await swarm.dht(0).putMutable(item: second, timeout: .seconds(30))
        XCTAssertGreaterThan(secondPut.successCount ?? 0, 0, "\(secondPut)")
        let sawSecond = try await seesSequence(2, of: second, from: swarm.dht(5))
        XCTAssertEqual(sawSecond, second)

        // A lower sequence is refused by every node that holds 2.
        let stale = try author.sign(salt: salt, sequence: 1, value: pointerValue())
        let stalePut = try await swarm.dht(3).putMutable(item: stale, timeout: .seconds(30))
        XCTAssertEqual(stalePut, .completed(successCount: 0))
        let afterStale = try await swarm.dht(6).getMutable(
            publicKey: first.publicKey, salt: salt, timeout: .seconds(30))
        XCTAssertEqual(afterStale.item?.sequence, 2, "\(afterStale)")
        await swarm.shutDown()
    }

    func testUnknownKeyEndsNotFound() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let start = ContinuousClock.now
        let got = try await swarm.dht(2).getMutable(
            publicKey: TestAuthor().publicKey, salt: [], timeout: .seconds(30))
        print("get of an unknown key: \(got) in \(seconds(since: start))")
        XCTAssertEqual(got, .notFound)
        await swarm.shutDown()
    }

    func testItemOutlivesItsAuthorsNode() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let author = TestAuthor()
        let item = try author.sign(salt: [], sequence: 7, value: pointerValue())
        let put = try await swarm.dht(0).putMutable(item: item, timeout: .seconds(30))
        XCTAssertGreaterThan(put.successCount ?? 0, 0, "\(put)")

        await swarm.leave(0)
        let start = ContinuousClock.now
        let got = try await swarm.dht(4).getMutable(publicKey: item.publicKey, timeout: .seconds(30))
        print("get after the author left: authoritative \(got.isAuthoritative) in \(seconds(since: start))")
        XCTAssertEqual(got.item, item)
        await swarm.shutDown()
    }

    func testImmutableItemRoundTrip() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let value = Array("d4:name13:megatorrent 14:sizei1234ee".utf8)
        var start = ContinuousClock.now
        let put = try await swarm.dht(1).putImmutable(value: value, timeout: .seconds(30))
        print("immutable put: \(put.result) in \(seconds(since: start))")
        XCTAssertGreaterThan(put.result.successCount ?? 0, 0, "\(put.result)")
        XCTAssertEqual(put.target.count, 20)

        start = ContinuousClock.now
        let got = try await swarm.dht(6).getImmutable(target: put.target, timeout: .seconds(30))
        print("immutable get: found \(got != .notFound && got != .timedOut) in \(seconds(since: start))")
        XCTAssertEqual(got, .found(value))

        let unknown = (0..<20).map { _ in UInt8.random(in: 0...255) }
        let missing = try await swarm.dht(3).getImmutable(target: unknown, timeout: .seconds(30))
        XCTAssertEqual(missing, .notFound)
        await swarm.shutDown()
    }

    func testConcurrentGetsOfOneItemAllEnd() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let item = try TestAuthor().sign(salt: Array("s".utf8), sequence: 3, value: pointerValue())
        _ = try await swarm.dht(2).putMutable(item: item, timeout: .seconds(30))
        do {
            let node = try swarm.dht(7)
            let results = try await withThrowingTaskGroup(of: MutableGetResult.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await node.getMutable(publicKey: item.publicKey, salt: item.salt, timeout: .seconds(30))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(results.map(\.item), Array(repeating: item, count: 5))
        }
        await swarm.shutDown()
    }

    func testSwarmTeardownAfterTrafficDoesNotHang() async throws {
        let swarm = try await DHTSwarm(count: 8)
        try await makeTraffic(in: swarm)
        // Lookups may still be running inside libtorrent; freeing must not wait for them.
        try swarm.dht(1).addNode(host: "127.0.0.1", port: 9)  // a node that never answers
        _ = try await swarm.dht(1).getMutable(publicKey: TestAuthor().publicKey, timeout: .milliseconds(1))
        await swarm.shutDown(timeout: 30)
    }

    /// Puts and gets from every node, so that every session has lookups and stored items when it is freed.
    private func makeTraffic(in swarm: DHTSwarm) async throws {
        for index in 0..<8 {
            let item = try TestAuthor().sign(salt: [], sequence: 1, value: pointerValue())
            let put = try await swarm.dht(index).putMutable(item: item, timeout: .seconds(30))
            XCTAssertGreaterThan(put.successCount ?? 0, 0)
            let got = try await swarm.dht((index + 3) % 8).getMutable(publicKey: item.publicKey, timeout: .seconds(30))
            XCTAssertEqual(got.item, item)
        }
    }

    /// Gets the item until an answer carries `sequence` (at most 20 lookups); returns that answer's item.
    private func seesSequence(_ sequence: Int64, of item: SignedMutableItem, from node: DHTNode) async throws
        -> SignedMutableItem?
    {
        for attempt in 1...20 {
            let got = try await node.getMutable(publicKey: item.publicKey, salt: item.salt, timeout: .seconds(30))
            if got.item?.sequence == sequence {
                print("seq \(sequence) seen on lookup \(attempt)")
                return got.item
            }
        }
        return nil
    }
}

extension MutableGetResult {
    var item: SignedMutableItem? {
        if case .found(let item, _) = self { return item }
        return nil
    }

    var isAuthoritative: Bool {
        if case .found(_, let authoritative) = self { return authoritative }
        return false
    }
}

extension PutResult {
    var successCount: Int? {
        if case .completed(let count) = self { return count }
        return nil
    }
}
