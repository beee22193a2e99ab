import Foundation
import MegatorrentTestSupport
import MegatorrentTorrent
import XCTest

/// Peers found through the DHT only: in an 8-node loopback swarm, a seeder announces a torrent and another node
/// downloads it knowing nothing but its info-hash (no .torrent, no peer address, no tracker, no LSD). Every wait is
/// bounded; timings are printed, not asserted.
///
/// Measured (libtorrent 2.0.8): a downloader added 0.5 to 8 s after the seeder finishes in about 40 ms; added at the
/// same moment, in about 40 ms or, when its first lookup ran before the seeder's announce had landed, in 4.05 s: a
/// session's DHT announce timer looks a new torrent up again about 4 s after the first time (then every
/// dht_announce_interval, 15 min).
final class TorrentDHTTests: XCTestCase {
    func testDownloadByInfoHashWithPeersFromTheDHTOnly() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let swarm = try await DHTSwarm(count: 8)
        let seeded = try await SeededFile(in: folder, seeder: swarm.session(0))
        let savePath = try folder.path("download", folder: true)

        let start = ContinuousClock.now
        var downloader: Torrents? = try swarm.session(5).torrents
        let infoHash = try await downloader!.add(infoHash: seeded.torrent.infoHash, savePath: savePath)
        XCTAssertEqual(try downloader!.status(infoHash).hasMetadata, false)
        let result = await downloader!.waitUntilFinished(infoHash, timeout: .seconds(60))
        print("downloaded 3 MiB by info-hash, peers from the DHT: \(result) in \(seconds(since: start))")
        XCTAssertEqual(result, .finished)
        let arrived1 = await seeded.arrives(in: savePath)
        XCTAssertTrue(arrived1, "byte-for-byte")
        let status = try downloader!.status(infoHash)
        XCTAssertTrue(status.hasMetadata)
        XCTAssertEqual(status.name, SeededFile.name)
        XCTAssertEqual(status.state, .seeding)
        downloader = nil  // it holds node 5's session
        await swarm.shutDown()
    }

    func testTwoDownloadersFindTheSeederAndFinish() async throws {
        let folder = try TestFolder()
        defer { folder.remove() }
        let swarm = try await DHTSwarm(count: 8)
        let seeded = try await SeededFile(in: folder, seeder: swarm.session(2))
        let start = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: (Int, FinishResult, String).self) { group in
            for node in [4, 7] {
                let torrents = try swarm.session(node).torrents
                let savePath = try folder.path("download-\(node)", folder: true)
                group.addTask {
                    let infoHash = try await torrents.add(infoHash: seeded.torrent.infoHash, savePath: savePath)
                    return (node, await torrents.waitUntilFinished(infoHash, timeout: .seconds(60)), savePath)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        print("two downloads by info-hash through the DHT: \(results.map { "\($0.0): \($0.1)" }) in \(seconds(since: start))")
        for (node, result, savePath) in results {
            XCTAssertEqual(result, .finished, "node \(node)")
            let arrived2 = await seeded.arrives(in: savePath)
            XCTAssertTrue(arrived2, "node \(node), byte-for-byte")
        }
        await swarm.shutDown()
    }
}
