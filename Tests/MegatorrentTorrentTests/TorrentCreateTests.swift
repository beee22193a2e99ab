import Foundation
import MegatorrentTorrent
import XCTest

/// Making .torrent files with libtorrent's create_torrent: deterministic by default, the format of docs/dht.md for a
/// single file, and clear errors.
final class TorrentCreateTests: XCTestCase {
    func testSameFileGivesTheSameBytesWithoutACreationDate() throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let file = try folder.path("data.bin")
        _ = try writeRandomFile(at: file, size: 100_000)
        let first = try Torrents.createTorrent(file: file, pieceSize: 16384)
        let second = try Torrents.createTorrent(file: file, pieceSize: 16384)
        XCTAssertEqual(first, second, "deterministic")
        let text = String(decoding: first.bytes, as: UTF8.self)
        XCTAssertFalse(text.contains("creation date"))
        XCTAssertFalse(text.contains("created by"))

        let dated = try Torrents.createTorrent(file: file, pieceSize: 16384, includeCreationDate: true)
        XCTAssertTrue(String(decoding: dated.bytes, as: UTF8.self).contains("13:creation date"))
        XCTAssertEqual(dated.infoHash, first.infoHash, "the date is outside the info dictionary")

        let tracked = try Torrents.createTorrent(file: file, pieceSize: 16384, trackers: ["http://127.0.0.1:9/announce"])
        XCTAssertTrue(String(decoding: tracked.bytes, as: UTF8.self).contains("8:announce27:http://127.0.0.1:9/announce"))
        XCTAssertEqual(tracked.infoHash, first.infoHash, "trackers are outside the info dictionary")

        let hybrid = try Torrents.createTorrent(file: file, pieceSize: 16384, hybrid: true)
        XCTAssertNotEqual(hybrid.infoHash, first.infoHash, "a hybrid's info dictionary has the v2 fields too")
        XCTAssertTrue(String(decoding: hybrid.bytes, as: UTF8.self).contains("9:file tree"))
        let again = try Torrents.createTorrent(file: file, pieceSize: 16384, hybrid: true)
        XCTAssertEqual(again, hybrid, "hybrids are deterministic too")
    }

    /// The manifest torrent of docs/dht.md: `d4:infod6:length…4:name13:manifest.json12:piece lengthi16384e6:pieces…ee`
    /// and nothing else, so the shim's torrent has the info-hash MegatorrentDHT computes for the same manifest.
    func testSingleFileV1TorrentHasOnlyTheFourInfoKeys() throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let file = try folder.path("manifest.json")
        let content = Data(#"{"collections":[],"publicKey":"00","sequence":1}"#.utf8) + Data(count: 40_000)
        try content.write(to: URL(fileURLWithPath: file))
        let created = try Torrents.createTorrent(file: file, pieceSize: 16384)
        let pieces = (content.count + 16383) / 16384
        let prefix = "d4:infod6:lengthi\(content.count)e4:name13:manifest.json12:piece lengthi16384e6:pieces\(20 * pieces):"
        XCTAssertEqual(Array(created.bytes.prefix(prefix.utf8.count)), Array(prefix.utf8))
        XCTAssertEqual(created.bytes.count, prefix.utf8.count + 20 * pieces + 2)
        XCTAssertEqual(Array(created.bytes.suffix(2)), Array("ee".utf8))
        // The info-hash is SHA-1 of the info dictionary, "d4:info" to the last "e".
        let info = Array(created.bytes.dropFirst("d4:info".utf8.count).dropLast())
        XCTAssertEqual(try sha1sum(info), created.infoHash.hex)
    }

    func testBadInputIsRefused() throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let file = try folder.path("data.bin")
        _ = try writeRandomFile(at: file, size: 1000)
        let empty = try folder.path("empty.bin")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        let cases: [(String, () throws -> CreatedTorrent)] = [
            ("missing file", { try Torrents.createTorrent(file: folder.path + "/missing") }),
            ("a folder", { try Torrents.createTorrent(file: folder.path) }),
            ("an empty file", { try Torrents.createTorrent(file: empty) }),
            ("piece size not a power of two", { try Torrents.createTorrent(file: file, pieceSize: 20000) }),
            ("piece size under 16 KiB", { try Torrents.createTorrent(file: file, pieceSize: 8192) }),
            ("empty tracker", { try Torrents.createTorrent(file: file, trackers: [""]) }),
        ]
        for (name, create) in cases {
            XCTAssertThrowsError(try create(), name) { error in
                XCTAssertEqual((error as? TorrentError)?.code, .invalidArgument, "\(name): \(error)")
                print("\(name): \(error)")
            }
        }
    }

    func testInfoHashParsesAndPrintsHex() throws {
        let hex = "0123456789abcdef0123456789ABCDEF01234567"
        let infoHash = try XCTUnwrap(InfoHash(hex: hex))
        XCTAssertEqual(infoHash.hex, hex.lowercased())
        XCTAssertEqual("\(infoHash)", hex.lowercased())
        XCTAssertEqual(infoHash.bytes.first, 0x01)
        XCTAssertNil(InfoHash(hex: String(hex.dropLast())))
        XCTAssertNil(InfoHash(hex: String(hex.dropLast()) + "g"))
        XCTAssertThrowsError(try InfoHash(bytes: [1, 2, 3]))
        XCTAssertEqual(try InfoHash(bytes: infoHash.bytes), infoHash)
    }
}
