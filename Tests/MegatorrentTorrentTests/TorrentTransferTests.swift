import Foundation
import MegatorrentTestSupport
import MegatorrentTorrent
import XCTest

/// A 3 MiB file created, seeded by one session and downloaded by another over 127.0.0.1: by .torrent and explicit
/// peer, by magnet (metadata from the peer). Every wait is bounded; timings are printed, not asserted.
final class TorrentTransferTests: XCTestCase {
    func testDownloadByTorrentFileFromExplicitPeer() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let downloader = try TorrentSession(settings: loopbackPeerSettings())
        let seeder = try TorrentSession(settings: loopbackPeerSettings())
        let seeded = try await SeededFile(in: folder, seeder: seeder)
        let savePath = try folder.path("download", folder: true)

        let start = ContinuousClock.now
        let infoHash = try await downloader.torrents.add(
            torrentFile: seeded.torrent.bytes, savePath: savePath, peers: [seeded.peer])
        XCTAssertEqual(infoHash, seeded.torrent.infoHash)
        let recorder = ProgressRecorder(downloader.torrents.progressUpdates(of: infoHash, interval: .milliseconds(50)))
        let result = await downloader.torrents.waitUntilFinished(infoHash, timeout: .seconds(60))
        print("downloaded 3 MiB by .torrent from an explicit peer: \(result) in \(seconds(since: start))")
        XCTAssertEqual(result, .finished)
        let arrived1 = await seeded.arrives(in: savePath)
        XCTAssertTrue(arrived1, "byte-for-byte")

        let status = try downloader.torrents.status(infoHash)
        XCTAssertEqual(status.state, .seeding)
        XCTAssertEqual(status.progress, 1)
        XCTAssertEqual(status.bytesDone, Int64(SeededFile.size))
        XCTAssertEqual(status.bytesWanted, Int64(SeededFile.size))
        XCTAssertTrue(status.hasMetadata)
        XCTAssertEqual(status.name, SeededFile.name)
        XCTAssertEqual(status.savePath, savePath)
        XCTAssertNil(status.errorMessage)
        XCTAssertGreaterThanOrEqual(status.bytesDownloaded, Int64(SeededFile.size))

        // Progress was reported along the way, never going back, ending complete.
        let updates = await recorder.updates(within: .seconds(10))
        print("progress updates: \(updates.map { String(format: "%.2f", $0.progress) }.joined(separator: " "))")
        XCTAssertEqual(updates.last?.state.isComplete, true, "the stream saw the torrent complete")
        XCTAssertEqual(updates.last?.bytesDone, Int64(SeededFile.size))
        XCTAssertEqual(updates.map(\.progress), updates.map(\.progress).sorted(), "progress never goes back")
        XCTAssertTrue(updates.allSatisfy { $0.infoHash == infoHash })
    }
}

/// Fetching by magnet link: the metadata comes from the peer.
final class TorrentMagnetTests: XCTestCase {
    func testDownloadByMagnetFetchesMetadataFromThePeer() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let seeder = try TorrentSession(settings: loopbackPeerSettings())
        let seeded = try await SeededFile(in: folder, seeder: seeder)
        let downloader = try TorrentSession(settings: loopbackPeerSettings())
        let savePath = try folder.path("download", folder: true)

        let start = ContinuousClock.now
        let magnet = "magnet:?xt=urn:btih:\(seeded.torrent.infoHash.hex)&dn=\(SeededFile.name)"
        let infoHash = try await downloader.torrents.add(magnet: magnet, savePath: savePath, peers: [seeded.peer])
        XCTAssertEqual(infoHash, seeded.torrent.infoHash)
        let result = await downloader.torrents.waitUntilFinished(infoHash, timeout: .seconds(60))
        print("downloaded 3 MiB by magnet, metadata from the peer: \(result) in \(seconds(since: start))")
        XCTAssertEqual(result, .finished)
        let arrived2 = await seeded.arrives(in: savePath)
        XCTAssertTrue(arrived2, "byte-for-byte")
        let status = try downloader.torrents.status(infoHash)
        XCTAssertTrue(status.hasMetadata, "the info dictionary came from the seeder")
        XCTAssertEqual(status.name, SeededFile.name)
        XCTAssertEqual(status.bytesWanted, Int64(SeededFile.size))
    }

    func testMagnetWithoutPeersWaitsForMetadata() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let session = try TorrentSession(settings: loopbackPeerSettings())
        let infoHash = try XCTUnwrap(InfoHash(hex: String(repeating: "ab", count: 20)))
        let added = try await session.torrents.add(
            magnet: "magnet:?xt=urn:btih:\(infoHash.hex)&dn=nothing", savePath: folder.path)
        XCTAssertEqual(added, infoHash)
        let status = try session.torrents.status(infoHash)
        XCTAssertEqual(status.state, .downloadingMetadata)
        XCTAssertFalse(status.hasMetadata)
        XCTAssertEqual(status.name, "nothing", "the magnet's dn until the metadata arrives")
        XCTAssertEqual(status.progress, 0)
        XCTAssertEqual(status.bytesWanted, 0)
        let outcome1 = await session.torrents.waitUntilFinished(infoHash, timeout: .milliseconds(200))
        XCTAssertEqual(outcome1, .timedOut)
    }
}
