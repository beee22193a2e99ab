import CLibtorrentShim
import Foundation
import MegatorrentTestSupport
import MegatorrentTorrent
import XCTest

/// The routing table across restarts, and the checks every put makes before the network.
final class DHTStateTests: XCTestCase {
    func testRestartedNodeRejoinsFromSavedState() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let item = try TestAuthor().sign(salt: [], sequence: 1, value: pointerValue())
        _ = try await swarm.dht(2).putMutable(item: item, timeout: .seconds(30))
        let state = try swarm.dht(7).saveState()
        XCTAssertFalse(state.isEmpty)
        await swarm.leave(7)

        let start = ContinuousClock.now
        let restarted = try TorrentSession(settings: loopbackDHTSettings(), dhtState: state)
        let running = try await eventually(within: 10) { try restarted.dht.isRunning }
        XCTAssertTrue(running)
        let rejoined = try await eventually(within: 10) { try restarted.dht.nodeCount > 0 }
        XCTAssertTrue(rejoined, "the saved nodes answered and fill the routing table")
        print("restarted node knows \(try restarted.dht.nodeCount) nodes after \(seconds(since: start))")

        // And it works as a node, with no add_dht_node: it finds the item.
        let got = try await restarted.dht.getMutable(publicKey: item.publicKey, timeout: .seconds(30))
        XCTAssertEqual(got.item, item)
        await swarm.shutDown()
    }

    func testFreshNodeWithoutStateKnowsNobody() async throws {
        let session = try TorrentSession(settings: loopbackDHTSettings())
        let running = try await eventually(within: 10) { try session.dht.isRunning }
        XCTAssertTrue(running)
        XCTAssertEqual(try session.dht.nodeCount, 0)
        let state = try session.dht.saveState()
        XCTAssertFalse(state.isEmpty, "a node id is saved even without nodes")
        // A state without nodes is still a state.
        XCTAssertNoThrow(try TorrentSession(settings: loopbackDHTSettings(), dhtState: state))
    }

    func testGarbageStateIsRefused() {
        for garbage in [[], Array("not bencoded".utf8), Array("d3:fooi1ee".utf8), Array("i42e".utf8)] {
            XCTAssertThrowsError(try TorrentSession(settings: loopbackDHTSettings(), dhtState: garbage)) { error in
                XCTAssertEqual((error as? TorrentError)?.code, .invalidArgument, "\(garbage): \(error)")
            }
        }
    }

    func testOversizedValueIsRefusedBeforeTheNetwork() async throws {
        // The DHT is off: a refusal about the value proves the check comes before any network step.
        let session = try TorrentSession()
        let author = TestAuthor()
        let atLimit = try author.sign(salt: [], sequence: 1, value: bencodedString(totalSize: 1000))
        let overLimit = try author.sign(salt: [], sequence: 1, value: bencodedString(totalSize: 1001))
        XCTAssertEqual(atLimit.value.count, 1000)
        XCTAssertEqual(overLimit.value.count, 1001)

        await assertPutFails(session.dht, overLimit, .invalidArgument, mentioning: "1001 bytes")
        await assertPutFails(session.dht, atLimit, .dhtNotRunning, mentioning: "not running")
        do {
            _ = try await session.dht.putImmutable(value: bencodedString(totalSize: 1001))
            XCTFail("an immutable value over 1000 bytes was accepted")
        } catch {
            XCTAssertEqual(error.code, .invalidArgument)
        }
    }

    func testBadItemsAreRefusedBeforeTheNetwork() async throws {
        let session = try TorrentSession()
        let author = TestAuthor()
        let good = try author.sign(salt: Array("s".utf8), sequence: 5, value: Array("d1:ai1e1:bi2ee".utf8))

        let tampered = try SignedMutableItem(
            publicKey: good.publicKey, salt: good.salt, sequence: 6, value: good.value, signature: good.signature)
        await assertPutFails(session.dht, tampered, .invalidArgument, mentioning: "signature does not verify")

        // Unsorted keys: bencoded, but libtorrent would re-encode other bytes than those signed.
        let unsorted = try author.sign(salt: [], sequence: 1, value: Array("d1:bi2e1:ai1ee".utf8))
        await assertPutFails(session.dht, unsorted, .invalidArgument, mentioning: "not canonical")

        let notBencoded = try author.sign(salt: [], sequence: 1, value: Array("hello".utf8))
        await assertPutFails(session.dht, notBencoded, .invalidArgument, mentioning: "not bencoded")

        let longSalt = try author.sign(salt: Array(repeating: 1, count: 65), sequence: 1, value: good.value)
        await assertPutFails(session.dht, longSalt, .invalidArgument, mentioning: "salt")

        let negative = try author.sign(salt: [], sequence: -1, value: good.value)
        await assertPutFails(session.dht, negative, .invalidArgument, mentioning: "seq")

        XCTAssertThrowsError(
            try SignedMutableItem(publicKey: [1, 2], sequence: 1, value: good.value, signature: good.signature))
        // The well-formed item only fails for want of a DHT.
        await assertPutFails(session.dht, good, .dhtNotRunning, mentioning: "not running")
    }

    func testLookupsNeedARunningDHT() async throws {
        let dht = try TorrentSession().dht
        do {
            _ = try await dht.getMutable(publicKey: Array(repeating: 0, count: 32))
            XCTFail("a lookup without a DHT was accepted")
        } catch {
            XCTAssertEqual(error.code, .dhtNotRunning)
        }
        do {
            _ = try await dht.getImmutable(target: Array(repeating: 0, count: 20))
            XCTFail("a lookup without a DHT was accepted")
        } catch {
            XCTAssertEqual(error.code, .dhtNotRunning)
        }
        XCTAssertThrowsError(try dht.addNode(host: "127.0.0.1", port: 6881)) { error in
            XCTAssertEqual((error as? TorrentError)?.code, .dhtNotRunning)
        }
        XCTAssertEqual(try dht.nodeCount, 0)
    }

    func testCancelledLookupEndsAtOnce() async throws {
        // Two nodes; one leaves. Its entry stays in the other's table and, as UDP gets no refusal, every lookup waits
        // for it to time out (seconds): a lookup that only cancellation can end quickly.
        let swarm = try await DHTSwarm(count: 2)
        await swarm.leave(1)
        do {
            let dht = try swarm.dht(0)
            let task = Task { try await dht.getMutable(publicKey: TestAuthor().publicKey, timeout: .seconds(600)) }
            try await Task.sleep(for: .milliseconds(50))
            task.cancel()
            let result = try await task.value
            XCTAssertEqual(result, .timedOut)
        }
        await swarm.shutDown()
    }

    private func assertPutFails(
        _ dht: DHTNode, _ item: SignedMutableItem, _ code: TorrentError.Code, mentioning word: String,
        file: StaticString = #filePath, line: UInt = #line
    ) async {
        do {
            let result = try await dht.putMutable(item: item, timeout: .seconds(5))
            XCTFail("put was accepted: \(result)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(word), error.message, file: file, line: line)
        }
    }
}
