import Foundation
import XCTest
import MegatorrentBencode
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTestSupport
import MegatorrentTorrent
@testable import MegatorrentDHT

/// Channel pointers on a real libtorrent swarm of 8 sessions on 127.0.0.1.
final class DHTChannelSwarmTests: XCTestCase {
    func manifest(_ key: Ed25519.PrivateKey, _ sequence: UInt64) throws -> SignedManifest {
        let body = ManifestBody(publicKey: key.publicKey, sequence: sequence, timestamp: 1, collections: [
            ManifestCollection(title: "v\(sequence)", items: ["magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"])])
        return try ManifestSigner.sign(body, with: key)
    }

    func testPublishResolveUpdateAndAuthorLeaves() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let key = try Ed25519.PrivateKey.generate()
        // Channels are made per call: a stored one would keep its session alive after it leaves.
        func author() throws -> DHTChannel { DHTChannel(dht: try swarm.dht(0)) }
        func reader() throws -> DHTChannel { DHTChannel(dht: try swarm.dht(5)) }

        let first = try manifest(key, 1)
        let (sidecar, put) = try await author().publishPointer(for: first, with: key)
        guard case let .completed(successCount) = put else { return XCTFail("put timed out") }
        XCTAssertGreaterThan(successCount, 0)

        guard case let .found(pointer, item, _) = try await reader().resolvePointer(for: key.publicKey, timeout: .seconds(20)) else {
            return XCTFail("pointer not found")
        }
        XCTAssertEqual(pointer.infoHash, ManifestTorrent(manifest: first).infoHash)
        XCTAssertEqual(item, sidecar)

        // An update to a higher sequence is seen (lookups report rising sequences; look until it shows).
        let second = try manifest(key, 2)
        _ = try await author().publishPointer(for: second, with: key)
        var seen: UInt64 = 0
        for _ in 0..<20 where seen < 2 {
            if case let .found(_, item, _) = try await reader().resolvePointer(for: key.publicKey, timeout: .seconds(10)) {
                seen = UInt64(item.sequence)
            }
        }
        XCTAssertEqual(seen, 2)

        // A lower sequence does not replace it, even re-put from its own valid sidecar.
        _ = try await author().put(sidecar)
        if case let .found(_, item, _) = try await DHTChannel(dht: try swarm.dht(3)).resolvePointer(for: key.publicKey, timeout: .seconds(10)) {
            XCTAssertEqual(item.sequence, 2)
        } else {
            XCTFail("pointer lost")
        }

        // The author leaves; the pointer is still found from another node.
        await swarm.leave(0)
        guard case let .found(_, after, _) = try await DHTChannel(dht: try swarm.dht(7)).resolvePointer(for: key.publicKey, timeout: .seconds(20)) else {
            return XCTFail("pointer gone with its author")
        }
        XCTAssertEqual(after.sequence, 2)
        await swarm.shutDown()
    }

    /// A validly signed item whose value is not a channel pointer is refused, and an unknown
    /// channel ends in `.notFound`.
    func testNonPointerItemRefusedAndUnknownChannelNotFound() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let key = try Ed25519.PrivateKey.generate()
        func channel() throws -> DHTChannel { DHTChannel(dht: try swarm.dht(1)) }
        let notPointer = try MutableItem(signing: Bencode.encode(.string("not a pointer")), sequence: 1, with: key)
        _ = try await channel().put(notPointer)
        let lookup = try await DHTChannel(dht: try swarm.dht(6)).resolvePointer(for: key.publicKey, timeout: .seconds(20))
        XCTAssertEqual(lookup, .invalid("the item's value is not a channel pointer"))

        let unknown = try Ed25519.PrivateKey.generate()
        let missing = try await channel().resolvePointer(for: unknown.publicKey, timeout: .seconds(30))
        XCTAssertEqual(missing, .notFound)
        await swarm.shutDown()
    }
}
