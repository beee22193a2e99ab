import Foundation
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentWire
import XCTest

/// The check at the end of a download: the file's plaintext SHA-256, hashed while the chunks arrive (in any order,
/// across a resume), must be the descriptor's, or nothing is moved into place.
final class PartialDownloadTests: XCTestCase {
    /// A file of `size` pseudo-random bytes, ingested into `folder`/store: its bytes, descriptor id and descriptor.
    private func ingested(_ folder: String, size: Int) throws -> (plain: [UInt8], id: BlobID, descriptor: FileDescriptor) {
        let store = try BlobStore(path: folder + "/store")
        try writeRandomFile(folder + "/in", size: size, seed: 7)
        let link = try BlobIngest.ingest(path: folder + "/in", store: store).link
        let descriptor = try FileDescriptor.open(try store.get(link.descriptor)!, id: link.descriptor, linkKey: link.key)
        return (Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/in"))), link.descriptor, descriptor)
    }

    /// Writes chunk `index` of `plain` (padded to a whole chunk, as a decrypted chunk is).
    private func write(_ partial: PartialDownload, _ plain: [UInt8], chunk index: Int) throws {
        var chunk = [UInt8](repeating: 0, count: BlobFormat.chunkSize)
        let start = index * BlobFormat.chunkSize, end = min(plain.count, start + BlobFormat.chunkSize)
        chunk.replaceSubrange(0..<(end - start), with: plain[start..<end])
        try chunk.withUnsafeBytes { try partial.write(index: index, plaintext: $0) }
    }

    func testChunksWrittenInAnyOrderGiveTheFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (plain, id, descriptor) = try ingested(folder, size: 5 * BlobFormat.chunkSize + 123)
        let partial = try PartialDownload(outputPath: folder + "/out", descriptorID: id, descriptor: descriptor)
        for index in [3, 5, 1, 0, 4, 2] { try write(partial, plain, chunk: index) }
        try partial.finish()
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/out"))), plain)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial.partPath))
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial.statePath))
    }

    func testADescriptorWithAnotherPlaintextHashLeavesNoFile() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (_, _, honest) = try ingested(folder, size: 3 * BlobFormat.chunkSize)
        // The same chunks and key under a descriptor that names another plaintext hash: every blob checks out, the
        // file does not.
        var wrongHash = honest.plaintextSHA256
        wrongHash[0] ^= 1
        let forged = try FileDescriptor(name: "forged", size: honest.size, plaintextSHA256: wrongHash, key: honest.key, chunks: honest.chunks)
        let linkKey = try SecureBytes.random(count: BlobFormat.keyLength)
        let (id, sealed) = try forged.seal(linkKey: linkKey)
        let store = try BlobStore(path: folder + "/store")
        XCTAssertEqual(try store.put(sealed: sealed), id)
        let fetcher = BlobFetcher(store: store, localStatic: try X25519.PrivateKey.generate(), peers: [])
        do {
            _ = try await fetcher.fetch(link: BlobLink(descriptor: id, key: linkKey), outputPath: folder + "/out")
            XCTFail("a file whose plaintext hash differs was moved into place")
        } catch let error as BlobError {
            XCTAssertEqual(error, .plaintextMismatch)
        }
        for path in ["/out", "/out.mtpart", "/out.mtpart.state"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + path), path)
        }
    }

    func testAResumedDownloadHashesWhatIsOnDisk() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (plain, id, descriptor) = try ingested(folder, size: 4 * BlobFormat.chunkSize)
        let first = try PartialDownload(outputPath: folder + "/out", descriptorID: id, descriptor: descriptor)
        for index in [0, 1] { try write(first, plain, chunk: index) }
        try first.checkpoint()
        // A byte of a chunk marked done changes on disk between the runs: the resumed run must not trust it.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: first.partPath))
        try handle.seek(toOffset: UInt64(BlobFormat.chunkSize + 10))
        let byte = try XCTUnwrap(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: UInt64(BlobFormat.chunkSize + 10))
        try handle.write(contentsOf: Data([byte ^ 0x80]))
        try handle.close()

        let resumed = try PartialDownload(outputPath: folder + "/out", descriptorID: id, descriptor: descriptor)
        XCTAssertEqual(resumed.missing, [2, 3])
        for index in resumed.missing { try write(resumed, plain, chunk: index) }
        XCTAssertThrowsError(try resumed.finish()) { XCTAssertEqual($0 as? BlobError, .plaintextMismatch) }
        for path in ["/out", "/out.mtpart", "/out.mtpart.state"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + path), path)
        }

        // Resumed from an intact file, the same steps finish.
        let again = try PartialDownload(outputPath: folder + "/out", descriptorID: id, descriptor: descriptor)
        for index in [0, 1] { try write(again, plain, chunk: index) }
        try again.checkpoint()
        let last = try PartialDownload(outputPath: folder + "/out", descriptorID: id, descriptor: descriptor)
        XCTAssertEqual(last.missing, [2, 3])
        for index in last.missing { try write(last, plain, chunk: index) }
        try last.finish()
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/out"))), plain)
    }
}
