import Foundation
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentWire
import XCTest

final class BlobServerTests: XCTestCase {
    func testAnswersQueriesAndNeverServesACorruptBlob() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try BlobStore(path: folder + "/store")
        try writeRandomFile(folder + "/in", size: 2 << 20)
        let link = try BlobIngest.ingest(path: folder + "/in", store: store).link
        let held = store.ids()
        let absent = BlobID([UInt8](repeating: 0xee, count: 32))!
        let server = BlobServer(store: store)
        let have = await server.answer(.blobQuery([absent] + held), peer: "p")
        XCTAssertEqual(have, .blobHave(held))
        let data = await server.answer(.blobGet(link.descriptor), peer: "p")
        XCTAssertEqual(data, .blobData(link.descriptor, try store.get(link.descriptor)!))
        // What a connection sends: the same message, read straight into its encoding.
        let encoded = await server.encodedAnswer(.blobGet(link.descriptor), peer: "p")
        XCTAssertEqual(encoded, try WireCodec.encode(data!))
        let encodedHave = await server.encodedAnswer(.blobQuery(held), peer: "p")
        XCTAssertEqual(encodedHave, try WireCodec.encode(.blobHave(held)))
        let missing = await server.answer(.blobGet(absent), peer: "p")
        XCTAssertEqual(missing, .blobMissing(absent))
        let notARequest = await server.answer(.getPeers, peer: "p")
        XCTAssertNil(notARequest)

        // Damage one blob on disk: it is answered as missing and removed, never sent.
        let victim = held.first { $0 != link.descriptor }!
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: store.filePath(victim)))
        try handle.seek(toOffset: 5)
        try handle.write(contentsOf: Data([0xff, 0x00, 0xff]))
        try handle.close()
        let answer = await server.answer(.blobGet(victim), peer: "p")
        XCTAssertEqual(answer, .blobMissing(victim))
        XCTAssertFalse(store.contains(victim))
        XCTAssertEqual(server.served, 2)
        // The encoded path refuses a damaged blob the same way.
        let second = held.first { $0 != link.descriptor && $0 != victim }!
        var bytes = try Data(contentsOf: URL(fileURLWithPath: store.filePath(second)))
        bytes[bytes.count - 1] ^= 0x01  // the tag's last bit
        try bytes.write(to: URL(fileURLWithPath: store.filePath(second)))
        let encodedMissing = await server.encodedAnswer(.blobGet(second), peer: "p")
        XCTAssertEqual(encodedMissing, try WireCodec.encode(.blobMissing(second)))
        XCTAssertFalse(store.contains(second))
        XCTAssertEqual(server.served, 2)
    }

    func testEachPeerIsRateLimited() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try BlobStore(path: folder + "/store")
        try writeRandomFile(folder + "/in", size: 1)
        let link = try BlobIngest.ingest(path: folder + "/in", store: store).link
        var limits = BlobServerLimits()
        limits.blobsPerSecond = 20
        limits.burst = 2
        let server = BlobServer(store: store, limits: limits)
        let clock = ContinuousClock()
        // Two within the burst, then 20 a second: 8 more take about 0.4 s for one peer...
        let elapsed = await clock.measure {
            for _ in 0..<10 { _ = await server.answer(.blobGet(link.descriptor), peer: "a") }
        }
        XCTAssertGreaterThan(elapsed, .milliseconds(300))
        // ...while another peer has a bucket of its own.
        let other = await clock.measure {
            for _ in 0..<2 { _ = await server.answer(.blobGet(link.descriptor), peer: "b") }
        }
        XCTAssertLessThan(other, .milliseconds(100))
    }
}
