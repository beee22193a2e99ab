import Foundation
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentWire
import XCTest

/// A temporary folder removed at the end of a test.
func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "blobs-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A file of `size` pseudo-random bytes (a cheap generator, so big files are quick to make).
func writeRandomFile(_ path: String, size: Int, seed: UInt64 = 1) throws {
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var state = seed | 1
    var left = size
    while left > 0 {
        let n = min(left, 1 << 22)
        var chunk = [UInt8](repeating: 0, count: n)
        chunk.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in 0..<words.count {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                words[i] = state
            }
        }
        try handle.write(contentsOf: chunk)
        left -= n
    }
}

func sha256(ofFile path: String) throws -> [UInt8] {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var digest = try Digest(.sha256)
    while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { digest.update(Array(data)) }
    return digest.finalize()
}

final class BlobStoreTests: XCTestCase {
    func testRoundTripsOfEdgeSizes() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try BlobStore(path: folder + "/store")
        let fetcher = BlobFetcher(store: store, localStatic: try X25519.PrivateKey.generate(), peers: [])
        for size in [0, 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) - 7] {
            let input = folder + "/in-\(size)"
            try writeRandomFile(input, size: size, seed: UInt64(size) + 1)
            let result = try BlobIngest.ingest(path: input, store: store)
            XCTAssertEqual(result.chunks, (size + (1 << 20) - 1) / (1 << 20))
            XCTAssertEqual(result.name, "in-\(size)")
            let link = try BlobLink.parse(result.link.uri)
            let output = folder + "/out-\(size)"
            let fetched = try await fetcher.fetch(link: link, outputPath: output)
            XCTAssertEqual(fetched.size, UInt64(size))
            XCTAssertEqual(fetched.fromStore, result.chunks)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), try Data(contentsOf: URL(fileURLWithPath: input)), "size \(size)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output + ".mtpart"))
            XCTAssertFalse(FileManager.default.fileExists(atPath: output + ".mtpart.state"))
        }
        // Every blob in the store is the same size, chunk or descriptor.
        for id in store.ids() {
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: store.filePath(id))[.size] as? Int, BlobFormat.sealedSize)
        }
    }

    func testACorruptBlobIsDetected() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try BlobStore(path: folder + "/store")
        try writeRandomFile(folder + "/in", size: 3 << 20)
        let result = try BlobIngest.ingest(path: folder + "/in", store: store)
        XCTAssertEqual(store.corruptBlobs(), [])
        let victim = store.ids().first { $0 != result.link.descriptor }!
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: store.filePath(victim)))
        try handle.seek(toOffset: 1000)
        try handle.write(contentsOf: Data([0x42, 0x43]))
        try handle.close()
        XCTAssertEqual(store.corruptBlobs(), [victim])
        XCTAssertThrowsError(try store.get(victim)) { XCTAssertEqual($0 as? BlobError, .corruptBlob(victim)) }
        // The local reassembly refuses it (and removes it), so the file is not produced from a damaged store.
        let fetcher = BlobFetcher(store: store, localStatic: try X25519.PrivateKey.generate(), peers: [])
        do {
            _ = try await fetcher.fetch(link: result.link, outputPath: folder + "/out")
            XCTFail("a corrupt blob was used")
        } catch let error as BlobError {
            XCTAssertEqual(error, .unavailable(missing: 1, of: 3))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out"))
        XCTAssertFalse(store.contains(victim))
    }

    func testALargeFileRoundTrips() async throws {
        let size = Int(ProcessInfo.processInfo.environment["MT_BLOB_TEST_MIB"] ?? "200")! << 20
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try BlobStore(path: folder + "/store")
        try writeRandomFile(folder + "/big", size: size + 12345)
        let result = try BlobIngest.ingest(path: folder + "/big", store: store)
        let fetcher = BlobFetcher(store: store, localStatic: try X25519.PrivateKey.generate(), peers: [])
        _ = try await fetcher.fetch(link: result.link, outputPath: folder + "/big.out")
        XCTAssertEqual(try sha256(ofFile: folder + "/big.out"), try sha256(ofFile: folder + "/big"))
    }
}
