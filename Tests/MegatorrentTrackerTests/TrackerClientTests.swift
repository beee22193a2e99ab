import MegatorrentCrypto
import MegatorrentManifest
import NIOCore
import XCTest

@testable import MegatorrentTracker

final class TrackerClientTests: XCTestCase {
    var folder: (path: String, remove: () -> Void)!
    var databasePath: String { folder.path + "/state.sqlite" }

    override func setUpWithError() throws { folder = try temporaryFolder("client") }
    override func tearDownWithError() throws { folder.remove() }

    func client(_ port: Int) -> TrackerClient {
        TrackerClient(
            endpoint: TrackerEndpoint(host: "127.0.0.1", port: port), configuration: testClientConfiguration(),
            logger: quietLogger)
    }

    /// Publish returns a receipt or the tracker's typed refusal; subscribe yields verified
    /// manifests, newest only, starting with the held one.
    func testPublishAndSubscribe() async throws {
        let server = try await startServer(databasePath: databasePath)
        let port = try XCTUnwrap(server.port)
        let author = client(port)
        let reader = client(port)
        let key = try Ed25519.PrivateKey.generate()
        let hex = key.publicKey.hex

        let first = try makeManifest(key, sequence: 1)
        let receipt = try await author.publish(first)
        XCTAssertEqual(receipt, PublishReceipt(key: hex, sequence: 1))
        do throws(TrackerClientError) {
            _ = try await author.publish(first)
            XCTFail("a replay was stored")
        } catch {
            guard case .refused(let failure) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(failure.code, 17)
        }

        let stream = StreamReader(try reader.subscribe(to: hex))
        let held = await stream.next()
        XCTAssertEqual(held, first, "the held manifest at once")
        // Several publishes in a row: replies match their requests, the stream sees them in order.
        for sequence: UInt64 in 2...4 {
            let receipt = try await author.publish(try makeManifest(key, sequence: sequence))
            XCTAssertEqual(receipt.sequence, sequence)
        }
        for sequence: UInt64 in 2...4 {
            let next = await stream.next()
            XCTAssertEqual(next?.sequence, sequence)
        }
        // A second stream for the same key starts from the newest, or after a given sequence.
        let again = StreamReader(try reader.subscribe(to: "magnet:?xs=urn:btpk:\(hex)"))
        let newest = await again.next()
        XCTAssertEqual(newest?.sequence, 4)
        let afterFive = StreamReader(try reader.subscribe(to: hex, after: 5))
        let none = await afterFive.next(timeout: .milliseconds(200))
        XCTAssertNil(none)

        XCTAssertThrowsError(try reader.subscribe(to: "not a key"))
        stream.cancel()
        again.cancel()
        afterFive.cancel()
        await author.close()
        await reader.close()
        try await server.shutdown()
    }

    /// Several publishes in flight at once from one client: each gets its own reply.
    func testConcurrentPublishesAreMatched() async throws {
        let server = try await startServer(databasePath: databasePath)
        let author = client(try XCTUnwrap(server.port))
        let keys = try (0..<8).map { _ in try Ed25519.PrivateKey.generate() }
        let manifests = try keys.map { try makeManifest($0, sequence: 7) }
        let receipts = try await withThrowingTaskGroup(of: PublishReceipt.self) { group in
            for manifest in manifests { group.addTask { try await author.publish(manifest) } }
            var receipts: [PublishReceipt] = []
            for try await receipt in group { receipts.append(receipt) }
            return receipts
        }
        XCTAssertEqual(Set(receipts.map(\.key)), Set(keys.map(\.publicKey.hex)))
        await author.close()
        try await server.shutdown()
    }

    /// The client reconnects after the server restarts (same port and database), subscribes again
    /// and gets the next manifest.
    func testReconnectsAfterServerRestart() async throws {
        let key = try Ed25519.PrivateKey.generate()
        let hex = key.publicKey.hex
        let first = try await startServer(databasePath: databasePath)
        let port = try XCTUnwrap(first.port)
        let reader = client(port)
        let stream = StreamReader(try reader.subscribe(to: hex))
        let author = client(port)
        _ = try await author.publish(try makeManifest(key, sequence: 1))
        let one = await stream.next()
        XCTAssertEqual(one?.sequence, 1)

        try await first.shutdown()
        let lost = await eventually { !reader.isConnected }
        XCTAssertTrue(lost)
        let second = try await startServer(databasePath: databasePath, port: port)
        let back = await eventually(timeout: .seconds(15)) { reader.connectionCount >= 2 && reader.isConnected }
        XCTAssertTrue(back, "reconnected")

        let receipt = try await author.publish(try makeManifest(key, sequence: 2))
        XCTAssertEqual(receipt.sequence, 2)
        let two = await stream.next(timeout: .seconds(15))
        XCTAssertEqual(two?.sequence, 2)
        let nothingOlder = await stream.next(timeout: .milliseconds(200))
        XCTAssertNil(nothingOlder, "the held manifest sent again on resubscribe is not yielded twice")

        stream.cancel()
        await reader.close()
        await author.close()
        try await second.shutdown()
    }

    /// A publish with no tracker to talk to ends with a timeout, not a hang; close ends streams.
    func testTimeoutAndClose() async throws {
        // A port nothing listens on: bind a server, read its port, stop it.
        let probe = try await startServer(databasePath: databasePath)
        let port = try XCTUnwrap(probe.port)
        try await probe.shutdown()
        var configuration = testClientConfiguration()
        configuration.requestTimeout = .milliseconds(300)
        let lonely = TrackerClient(
            endpoint: TrackerEndpoint(host: "127.0.0.1", port: port), configuration: configuration, logger: quietLogger)
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeManifest(key, sequence: 1)
        do throws(TrackerClientError) {
            _ = try await lonely.publish(manifest)
            XCTFail("published to nobody")
        } catch {
            XCTAssertEqual(error, .timedOut)
        }
        let stream = StreamReader(try lonely.subscribe(to: key.publicKey.hex))
        await lonely.close()
        let end = await stream.next(timeout: .seconds(5))
        XCTAssertNil(end)
        do throws(TrackerClientError) {
            _ = try await lonely.publish(manifest)
            XCTFail("published after close")
        } catch {
            XCTAssertEqual(error, .closed)
        }
    }

    /// The feed verifies every manifest itself and reports equivocation.
    func testFeedVerifiesAndFilters() throws {
        let feed = SubscriptionFeed(bufferSize: 4)
        let key = try Ed25519.PrivateKey.generate()
        let other = try Ed25519.PrivateKey.generate()
        let hex = key.publicKey.hex
        XCTAssertEqual(feed.receive(key: hex, manifest: try makeManifest(key, sequence: 1).jsonBytes), .notSubscribed)
        let (_, _, isNew) = feed.add(key: hex, after: nil) { _, _ in }
        XCTAssertTrue(isNew)
        XCTAssertEqual(
            feed.receive(key: hex, manifest: try makeManifest(key, sequence: 2).jsonBytes), .delivered(streams: 1))
        XCTAssertEqual(feed.receive(key: hex, manifest: try makeManifest(key, sequence: 2).jsonBytes), .stale)
        XCTAssertEqual(feed.receive(key: hex, manifest: try makeManifest(key, sequence: 1).jsonBytes), .stale)
        XCTAssertEqual(
            feed.receive(key: hex, manifest: try makeManifest(key, sequence: 2, items: 2).jsonBytes), .equivocation)
        XCTAssertEqual(
            feed.receive(key: hex, manifest: try makeManifest(other, sequence: 3).jsonBytes),
            .invalid(.keyMismatch(expected: hex, got: other.publicKey.hex)))
        let forged = Array(
            String(decoding: try makeManifest(key, sequence: 3).jsonBytes, as: UTF8.self)
                .replacingOccurrences(of: "\"v3\"", with: "\"v4\"").utf8)
        XCTAssertEqual(feed.receive(key: hex, manifest: forged), .invalid(.badSignature))
    }
}
