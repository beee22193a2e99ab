import XCTest
import MegatorrentCrypto
@testable import MegatorrentNoise

final class StaticStaticCacheTests: XCTestCase {
    func testCachedSecretEqualsTheDirectDH() throws {
        let cache = StaticStaticCache(capacity: 4)
        let local = try X25519.PrivateKey.generate(), remote = try X25519.PrivateKey.generate()
        let direct = try local.sharedSecret(with: remote.publicKey)
        let first = try cache.sharedSecret(local: local, remote: remote.publicKey)
        let second = try cache.sharedSecret(local: local, remote: remote.publicKey)
        XCTAssertTrue(first.constantTimeEquals(direct))
        XCTAssertTrue(second === first, "the second lookup is served from the cache")
        XCTAssertEqual(cache.count, 1)
        // The other side's view of the same pair is its own entry with the same secret.
        XCTAssertTrue(try cache.sharedSecret(local: remote, remote: local.publicKey).constantTimeEquals(direct))
        XCTAssertEqual(cache.count, 2)
    }

    func testBoundedOldestFirst() throws {
        let cache = StaticStaticCache(capacity: 3)
        let local = try X25519.PrivateKey.generate()
        let remotes = try (0..<10).map { _ in try X25519.PrivateKey.generate().publicKey }
        let firstSecret = try cache.sharedSecret(local: local, remote: remotes[0])
        for remote in remotes.dropFirst() { _ = try cache.sharedSecret(local: local, remote: remote) }
        XCTAssertEqual(cache.count, 3)
        // The first pair was evicted: asking again computes (and caches) a new object.
        XCTAssertFalse(try cache.sharedSecret(local: local, remote: remotes[0]) === firstSecret)
        XCTAssertEqual(cache.count, 3)
    }

    func testLowOrderKeyIsRefusedAndNotCached() throws {
        let cache = StaticStaticCache(capacity: 3)
        let local = try X25519.PrivateKey.generate()
        let lowOrder = [UInt8](repeating: 0, count: 32)
        XCTAssertThrowsError(try cache.sharedSecret(local: local, remote: lowOrder))
        XCTAssertEqual(cache.count, 0)
    }

    func testHandshakesWithTheSharedCacheStillRefuseAWrongKey() throws {
        let responderKey = try X25519.PrivateKey.generate(), impostor = try X25519.PrivateKey.generate()
        let initiatorKey = try X25519.PrivateKey.generate()
        _ = try handshake(initiatorKey: initiatorKey, responderKey: responderKey)
        _ = try handshake(initiatorKey: initiatorKey, responderKey: responderKey)  // served from the cache
        // The initiator expects `responderKey`, an impostor answers: message 1 does not decrypt.
        let initiator = try InitiatorHandshake(localStatic: initiatorKey, remoteStatic: responderKey.publicKey)
        let responder = try ResponderHandshake(localStatic: impostor, replayGuard: ReplayGuard())
        XCTAssertThrowsError(try responder.consumeInitiation(initiator.initiation()))
    }
}
