import Foundation
import MegatorrentTestSupport
import MegatorrentTorrent
import XCTest

/// Removing torrents (with and without their files), adding one twice, and clear errors for what cannot be added.
final class TorrentLifecycleTests: XCTestCase {
    func testRemoveKeepsOrDeletesTheFiles() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let seeder = try TorrentSession(settings: loopbackPeerSettings())
        let seeded = try await SeededFile(in: folder, seeder: seeder)
        let session = try TorrentSession(settings: loopbackPeerSettings())
        let savePath = try folder.path("download", folder: true)
        let file = savePath + "/" + SeededFile.name
        let torrents = session.torrents

        let infoHash = try await torrents.add(torrentFile: seeded.torrent.bytes, savePath: savePath, peers: [seeded.peer])
        let outcome1 = await torrents.waitUntilFinished(infoHash, timeout: .seconds(60))
        XCTAssertEqual(outcome1, .finished)
        XCTAssertEqual(try torrents.list(), [infoHash])

        // Without its files: gone from the session, the data stays.
        let outcome2 = try await torrents.remove(infoHash)
        XCTAssertEqual(outcome2, .removed)
        XCTAssertEqual(try torrents.list(), [])
        XCTAssertThrowsError(try torrents.status(infoHash)) { error in
            XCTAssertEqual((error as? TorrentError)?.code, .noSuchTorrent, "\(error)")
        }
        XCTAssertEqual(try seeded.downloaded(in: savePath), seeded.content, "the files stay")
        let waited = await torrents.waitUntilFinished(infoHash, timeout: .seconds(5))
        guard case .failed(let message) = waited else { return XCTFail("waiting for a removed torrent: \(waited)") }
        XCTAssertTrue(message.contains(infoHash.hex), message)

        // Added again (no longer a duplicate) over the complete data, then removed with its files.
        _ = try await torrents.add(torrentFile: seeded.torrent.bytes, savePath: savePath, seedMode: true)
        let outcome3 = await torrents.waitUntilFinished(infoHash, timeout: .seconds(30))
        XCTAssertEqual(outcome3, .finished)
        let outcome4 = try await torrents.remove(infoHash, deleteFiles: true)
        XCTAssertEqual(outcome4, .removed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file), "the files are deleted")
        XCTAssertTrue(FileManager.default.fileExists(atPath: savePath), "the save path itself stays")

        do {
            _ = try await torrents.remove(infoHash)
            XCTFail("removing an unknown torrent")
        } catch {
            XCTAssertEqual(error.code, .noSuchTorrent)
            XCTAssertTrue(error.message.contains(infoHash.hex), error.message)
        }
    }

    func testRemovingATorrentWithoutMetadataAndItsFilesEnds() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let session = try TorrentSession(settings: loopbackPeerSettings())
        let infoHash = try InfoHash(bytes: (0..<20).map { _ in UInt8.random(in: 0...255) })
        _ = try await session.torrents.add(infoHash: infoHash, savePath: folder.path)
        let stream = session.torrents.progressUpdates(of: infoHash, interval: .milliseconds(20))
        let result = try await session.torrents.remove(infoHash, deleteFiles: true, timeout: .seconds(30))
        XCTAssertEqual(result, .removed)
        // The progress stream ends with the torrent.
        var count = 0
        for await _ in stream { count += 1 }
        XCTAssertGreaterThanOrEqual(count, 1, "at least the status at subscription")
    }

    func testAddingTheSameTorrentTwiceIsRefusedWhicheverTheSource() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let session = try TorrentSession(settings: loopbackPeerSettings())
        let seeded = try await SeededFile(in: folder, seeder: session)
        let infoHash = seeded.torrent.infoHash
        let sources: [(String, () async throws(TorrentError) -> InfoHash)] = [
            ("torrent file", { () throws(TorrentError) in
                try await session.torrents.add(torrentFile: seeded.torrent.bytes, savePath: folder.path) }),
            ("magnet", { () throws(TorrentError) in
                try await session.torrents.add(magnet: "magnet:?xt=urn:btih:\(infoHash.hex)", savePath: folder.path) }),
            ("info-hash", { () throws(TorrentError) in
                try await session.torrents.add(infoHash: infoHash, savePath: folder.path) }),
        ]
        for (name, add) in sources {
            do {
                _ = try await add()
                XCTFail("adding by \(name) a second time")
            } catch {
                XCTAssertEqual(error.code, .duplicateTorrent, "\(name): \(error)")
                XCTAssertTrue(error.message.contains(infoHash.hex), error.message)
            }
        }
        XCTAssertEqual(try session.torrents.list(), [infoHash], "still one torrent")
        XCTAssertEqual(try session.torrents.status(infoHash).state, .seeding, "the first one is left as it was")
    }

    func testCorruptTorrentsAreRefusedWithClearErrors() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let session = try TorrentSession(settings: loopbackPeerSettings())
        let seeder = try TorrentSession(settings: loopbackPeerSettings())
        let valid = try await SeededFile(in: folder, seeder: seeder).torrent.bytes
        let corrupt: [(String, [UInt8])] = [
            ("random bytes", (0..<500).map { _ in UInt8.random(in: 0...255) }),
            ("truncated", Array(valid.prefix(valid.count / 2))),
            ("no info dictionary", Array("d8:announce9:udp://x:1e".utf8)),
            ("bencoded string", Array("4:spam".utf8)),
            ("empty", []),
        ]
        for (name, bytes) in corrupt {
            do {
                _ = try await session.torrents.add(torrentFile: bytes, savePath: folder.path)
                XCTFail("\(name) was added")
            } catch {
                XCTAssertEqual(error.code, .badTorrent, "\(name): \(error)")
                XCTAssertFalse(error.message.isEmpty)
                print("\(name): \(error)")
            }
        }
        XCTAssertEqual(try session.torrents.list(), [])
    }

    func testBadMagnetsAndArgumentsAreRefusedWithClearErrors() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let session = try TorrentSession(settings: loopbackPeerSettings())
        let magnets = [
            "magnet:?dn=no-topic",
            "magnet:?xt=urn:btih:1234",
            "magnet:?xt=urn:btih:\(String(repeating: "zz", count: 20))",
            "http://example.com/file.torrent",
            "",
        ]
        for magnet in magnets {
            do {
                _ = try await session.torrents.add(magnet: magnet, savePath: folder.path)
                XCTFail("\"\(magnet)\" was added")
            } catch {
                XCTAssertEqual(error.code, .badTorrent, "\"\(magnet)\": \(error)")
                print("\"\(magnet)\": \(error)")
            }
        }
        let good = "magnet:?xt=urn:btih:\(String(repeating: "cd", count: 20))"
        let badArguments: [(String, String, [String])] = [
            ("host name peer", folder.path, ["localhost:6881"]),
            ("peer without port", folder.path, ["127.0.0.1"]),
            ("peer port 0", folder.path, ["127.0.0.1:0"]),
            ("unbracketed IPv6 peer", folder.path, ["::1:6881"]),
            ("empty save path", "", []),
            ("NUL in save path", "a\u{0}b", []),
        ]
        for (name, savePath, peers) in badArguments {
            do {
                _ = try await session.torrents.add(magnet: good, savePath: savePath, peers: peers)
                XCTFail("\(name) was accepted")
            } catch {
                XCTAssertEqual(error.code, .invalidArgument, "\(name): \(error)")
                print("\(name): \(error)")
            }
        }
        XCTAssertEqual(try session.torrents.list(), [], "nothing was added")
        // IPv6 peers in brackets are fine.
        _ = try await session.torrents.add(magnet: good, savePath: folder.path, peers: ["[::1]:6881", "127.0.0.1:9"])
        XCTAssertEqual(try session.torrents.list().count, 1)
    }

    func testConnectPeerJoinsASeederLater() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let seeder = try TorrentSession(settings: loopbackPeerSettings())
        let seeded = try await SeededFile(in: folder, seeder: seeder)
        let session = try TorrentSession(settings: loopbackPeerSettings())
        let savePath = try folder.path("download", folder: true)
        let infoHash = try await session.torrents.add(torrentFile: seeded.torrent.bytes, savePath: savePath)
        let outcome5 = await session.torrents.waitUntilFinished(infoHash, timeout: .milliseconds(300))
        XCTAssertEqual(outcome5, .timedOut)
        try session.torrents.connectPeer(infoHash, host: "127.0.0.1", port: seeder.listenPort)
        let outcome6 = await session.torrents.waitUntilFinished(infoHash, timeout: .seconds(60))
        XCTAssertEqual(outcome6, .finished)
        XCTAssertEqual(try seeded.downloaded(in: savePath), seeded.content)
        XCTAssertThrowsError(try session.torrents.connectPeer(infoHash, host: "localhost", port: 1))
    }
}
