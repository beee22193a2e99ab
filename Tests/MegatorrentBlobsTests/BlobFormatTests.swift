import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentWire
import XCTest

final class BlobFormatTests: XCTestCase {
    func testDescriptorRoundTripsAndIsOneChunk() throws {
        let key = try SecureBytes.random(count: 32)
        let ids = (0..<3).map { BlobID([UInt8](repeating: UInt8($0), count: 32))! }
        let descriptor = try FileDescriptor(
            name: "film.mkv", size: 2 * 1_048_576 + 5, plaintextSHA256: [UInt8](repeating: 9, count: 32), key: key, chunks: ids)
        let bytes = descriptor.encoded()
        XCTAssertEqual(bytes.count, BlobFormat.chunkSize)
        let parsed = try FileDescriptor.parse(bytes)
        XCTAssertEqual(parsed.name, "film.mkv")
        XCTAssertEqual(parsed.size, 2 * 1_048_576 + 5)
        XCTAssertEqual(parsed.chunks, ids)
        XCTAssertTrue(parsed.key.constantTimeEquals(key))
        let linkKey = try SecureBytes.random(count: 32)
        let (id, sealed) = try descriptor.seal(linkKey: linkKey)
        XCTAssertEqual(sealed.count, BlobFormat.sealedSize)
        XCTAssertEqual(try FileDescriptor.open(sealed, id: id, linkKey: linkKey).chunks, ids)
        XCTAssertThrowsError(try FileDescriptor.open(sealed, id: id, linkKey: try SecureBytes.random(count: 32)))
    }

    func testMalformedDescriptorsAreRefused() throws {
        let good = try FileDescriptor(
            name: "a", size: 1, plaintextSHA256: [UInt8](repeating: 0, count: 32), key: try SecureBytes.random(count: 32),
            chunks: [BlobID([UInt8](repeating: 1, count: 32))!]
        ).encoded()
        var badPadding = good
        badPadding[badPadding.count - 1] = 1
        var badCount = good
        badCount[12] = 0  // size 0 with one chunk
        var badName = good
        badName[79] = 0x2f  // "/"
        var hugeSize = good  // size 0xffffffffffffff1f: the chunk count must not overflow (a fuzzer's find)
        hugeSize.replaceSubrange(5..<13, with: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f])
        XCTAssertEqual(BlobFormat.chunkCount(forSize: .max), UInt64.max / UInt64(BlobFormat.chunkSize) + 1)
        XCTAssertEqual(BlobFormat.chunkCount(forSize: UInt64(BlobFormat.chunkSize)), 1)
        XCTAssertEqual(BlobFormat.chunkCount(forSize: UInt64(BlobFormat.chunkSize) + 1), 2)
        for bytes in [Array(good.prefix(100)), badPadding, badCount, badName, hugeSize, [UInt8](repeating: 0, count: BlobFormat.chunkSize)] {
            XCTAssertThrowsError(try FileDescriptor.parse(bytes))
        }
        XCTAssertThrowsError(try FileDescriptor(name: "..", size: 0, plaintextSHA256: [UInt8](repeating: 0, count: 32), key: try SecureBytes.random(count: 32), chunks: []))
    }

    func testLinkRoundTripsAndHidesItsKey() throws {
        let id = BlobID([UInt8](repeating: 0xab, count: 32))!
        let link = BlobLink(descriptor: id, key: SecureBytes(copying: [UInt8](repeating: 0xcd, count: 32)))
        XCTAssertEqual(link.uri, "magnet:?xs=urn:mtblob:\(String(repeating: "ab", count: 32))&mtk=\(String(repeating: "cd", count: 32))")
        XCTAssertFalse("\(link)".contains("cdcd"))
        let parsed = try BlobLink.parse(link.uri + "&dn=film")
        XCTAssertEqual(parsed.descriptor, id)
        XCTAssertTrue(parsed.key.constantTimeEquals(link.key))
        let bad = [
            "magnet:?xs=urn:mtblob:\(String(repeating: "ab", count: 32))",
            "magnet:?mtk=\(String(repeating: "cd", count: 32))",
            "magnet:?xs=urn:mtblob:abc&mtk=\(String(repeating: "cd", count: 32))",
            link.uri + "&xs=urn:mtblob:\(String(repeating: "ab", count: 32))",
            link.uri + "&tr=x", "megatorrent:blob:x", "",
        ]
        for text in bad { XCTAssertThrowsError(try BlobLink.parse(text), text) }
    }

    func testBlobMessagesRoundTrip() throws {
        let id = BlobID([UInt8](repeating: 3, count: 32))!
        let messages: [WireMessage] = [
            .blobQuery([id, id]), .blobHave([]), .blobGet(id), .blobMissing(id),
            .blobData(id, [UInt8](repeating: 7, count: BlobFormat.sealedSize)),
        ]
        for message in messages { XCTAssertEqual(try WireCodec.decode(try WireCodec.encode(message)), message) }
        // The in-place view of a BLOB_DATA message gives what decoding gives, and nothing for other messages.
        let data = try WireCodec.encode(.blobData(id, (0..<100).map { UInt8($0) }))
        let parts = try XCTUnwrap(WireCodec.blobDataParts(data))
        XCTAssertEqual(parts.id, id)
        XCTAssertEqual(Array(parts.blob), (0..<100).map { UInt8($0) })
        XCTAssertNil(WireCodec.blobDataParts(try WireCodec.encode(.blobGet(id))))
        XCTAssertNil(WireCodec.blobDataParts([WireType.blobData] + [UInt8](repeating: 0, count: 31)))
        XCTAssertNil(WireCodec.blobDataParts([WireType.blobData] + [UInt8](repeating: 0, count: 33 + BlobFormat.sealedSize)))
        XCTAssertThrowsError(try WireCodec.decode([WireType.blobGet] + [UInt8](repeating: 0, count: 31)))
        XCTAssertThrowsError(try WireCodec.decode([WireType.blobData] + [UInt8](repeating: 0, count: 33 + BlobFormat.sealedSize)))
        XCTAssertThrowsError(try WireCodec.encode(.blobData(id, [UInt8](repeating: 0, count: BlobFormat.sealedSize + 1))))
    }
}
