import Foundation
import XCTest
import MegatorrentTestSupport
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentState
@testable import MegatorrentEngine

final class SubscriptionEngineTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws { folder = NSTemporaryDirectory() + "/mt-engine-\(UUID().uuidString)" }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }


    func engine() throws -> SubscriptionEngine {
        SubscriptionEngine(database: try StateDatabase(directory: StateDirectory(explicit: folder)), clock: { 42 })
    }

    /// Manifests from several sources in any order: the highest valid sequence wins, replays and
    /// rollbacks are refused, listeners see each update once with its source.
    func testSourcesMergeHighestWins() async throws {
        let key = try Ed25519.PrivateKey.generate()
        let engine = try engine()
        try await engine.follow(key.publicKey)
        var events = await engine.events().makeAsyncIterator()

        let outcome2 = try await engine.offer(makeSignedManifest(key, 2).jsonBytes, from: .tracker("ws://a"))
        let outcome1 = try await engine.offer(makeSignedManifest(key, 1).jsonBytes, from: .dht)
        let duplicate = try await engine.offer(makeSignedManifest(key, 2).jsonBytes, from: .peer("p"))
        let outcome5 = try await engine.offer(makeSignedManifest(key, 5), from: .dht)
        XCTAssertEqual([outcome2, outcome1, duplicate, outcome5], [.updated, .stale(last: 2), .duplicate, .updated])

        let first = await events.next(), second = await events.next()
        XCTAssertEqual(first, .updated(try makeSignedManifest(key, 2), previous: nil, source: .tracker("ws://a")))
        XCTAssertEqual(second, .updated(try makeSignedManifest(key, 5), previous: 2, source: .dht))
        let latest = try await engine.latest(key.publicKey)
        XCTAssertEqual(latest?.sequence, 5)
    }

    func testForgedAndUnfollowed() async throws {
        let key = try Ed25519.PrivateKey.generate(), other = try Ed25519.PrivateKey.generate()
        let engine = try engine()
        try await engine.follow(key.publicKey)
        var events = await engine.events().makeAsyncIterator()

        let notFollowed = try await engine.offer(makeSignedManifest(other, 1).jsonBytes, from: .dht)
        XCTAssertEqual(notFollowed, .notFollowed)
        let forged = String(decoding: try makeSignedManifest(key, 3).jsonBytes, as: UTF8.self).replacingOccurrences(of: "\"sequence\":3", with: "\"sequence\":4")
        let refused = try await engine.offer(Array(forged.utf8), from: .peer("mallory"))
        XCTAssertEqual(refused, .invalid(.badSignature))
        let event = await events.next()
        XCTAssertEqual(event, .refused(channel: key.publicKey.hex, reason: .badSignature, source: .peer("mallory")))
        let garbage = try await engine.offer(Array("{not json".utf8), from: .dht)
        guard case .invalid(.malformedJSON) = garbage else { return XCTFail("\(garbage)") }
    }

    func testEquivocationReportedAndStateSurvivesRestart() async throws {
        let key = try Ed25519.PrivateKey.generate()
        do {
            let engine = try engine()
            try await engine.follow(key.publicKey)
            var events = await engine.events().makeAsyncIterator()
            _ = try await engine.offer(makeSignedManifest(key, 9, title: "a"), from: .tracker("ws://a"))
            let outcome = try await engine.offer(makeSignedManifest(key, 9, title: "b"), from: .dht)
            XCTAssertEqual(outcome, .equivocation)
            _ = await events.next()
            let event = await events.next()
            XCTAssertEqual(event, .equivocation(held: try makeSignedManifest(key, 9, title: "a"), offered: try makeSignedManifest(key, 9, title: "b"), source: .dht))
        }
        let restarted = try engine()
        let followed = try await restarted.followed()
        XCTAssertEqual(followed, [key.publicKey.hex])
        let replay = try await restarted.offer(makeSignedManifest(key, 8), from: .dht)
        XCTAssertEqual(replay, .stale(last: 9))
        let latest = try await restarted.latest(key.publicKey)
        XCTAssertEqual(latest?.body.collections.first?.title, "a")
        try await restarted.unfollow(key.publicKey)
        let after = try await restarted.offer(makeSignedManifest(key, 10), from: .dht)
        XCTAssertEqual(after, .notFollowed)
    }
}
