import Foundation
import XCTest

/// `ingest`, `fetch` and `serve --blobs` as processes: a local round trip, and a download from a serving node killed
/// with SIGKILL mid-way that resumes and ends byte-identical, after which the downloader serves the file to a third.
final class BlobCLITests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "/mt-cli-blobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    private func makeFile(_ path: String, size: Int) {
        var bytes = [UInt8](repeating: 0, count: size)
        var state: UInt32 = 2_463_534_242
        for i in 0..<size {
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            bytes[i] = UInt8(truncatingIfNeeded: state)
        }
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    func testIngestThenFetchFromTheLocalStore() throws {
        let author = CLIRunner(stateDirectory: folder + "/author")
        makeFile(folder + "/in.bin", size: (3 << 20) + 17)
        let ingested = try author.run(["ingest", folder + "/in.bin"])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        let link = ingested.lastLine
        XCTAssertTrue(link.hasPrefix("magnet:?xs=urn:mtblob:"), link)
        let fetched = try author.run(["fetch", link, "--out", folder + "/out.bin", "--json"])
        XCTAssertEqual(fetched.status, 0, fetched.stderr)
        let done = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fetched.lastLine.utf8)) as? [String: Any])
        XCTAssertEqual(done["event"] as? String, "done")
        XCTAssertEqual(done["fromStore"] as? Int, 4)
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/out.bin"), FileManager.default.contents(atPath: folder + "/in.bin"))

        assertCleanFailure(try author.run(["fetch", link, "--out", folder + "/out.bin"]), contains: "exists (--force replaces it)")
        XCTAssertEqual(try author.run(["fetch", link, "--out", folder + "/out.bin", "--force"]).status, 0)
        assertCleanFailure(try author.run(["fetch", "magnet:?xs=urn:mtblob:00"]), contains: "not a blob link")
        let elsewhere = CLIRunner(stateDirectory: folder + "/empty")
        assertCleanFailure(try elsewhere.run(["fetch", link, "--out", folder + "/x"]), contains: "descriptor was found neither")
    }

    func testAFetchKilledMidwayResumesByteIdentical() throws {
        let author = CLIRunner(stateDirectory: folder + "/author")
        makeFile(folder + "/in.bin", size: (40 << 20) + 3)
        let ingested = try author.run(["ingest", folder + "/in.bin", "--json"])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        let link = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(ingested.lastLine.utf8)) as? [String: Any])?["link"] as? String)

        // A node serving the author's store, slowly (8 blobs a second per peer), so the download can be killed.
        let node = try LongRunning(
            author, ["serve", "--listen", "127.0.0.1:0", "--peer-listen", "127.0.0.1:0", "--blobs", "--blob-rate", "8",
                     "--db", folder + "/tracker.sqlite", "--json"])
        defer { node.stop() }
        _ = try node.nextJSON(timeout: 30)
        let peers = try node.nextJSON(timeout: 30)
        let peer = try XCTUnwrap(peers["peers"] as? String) + ":" + (try XCTUnwrap(peers["staticKey"] as? String))

        let downloader = CLIRunner(stateDirectory: folder + "/downloader")
        let out = folder + "/out.bin"
        let first = try LongRunning(downloader, ["fetch", link, "--peer", peer, "--out", out, "--json"])
        var seen = 0
        while seen < 12 {
            let line = try first.nextJSON(timeout: 30)
            XCTAssertEqual(line["event"] as? String, "progress")
            seen = line["done"] as? Int ?? 0
        }
        first.process.killImmediately()
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no file before it is whole")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".mtpart"))

        let resumed = try downloader.run(["fetch", link, "--peer", peer, "--out", out, "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let done = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(resumed.lastLine.utf8)) as? [String: Any])
        let resumedChunks = try XCTUnwrap(done["resumed"] as? Int), fromStore = try XCTUnwrap(done["fromStore"] as? Int)
        XCTAssertGreaterThanOrEqual(resumedChunks + fromStore, seen, "what the first run fetched is not fetched again")
        XCTAssertEqual(resumedChunks + fromStore + (done["fromPeers"] as? Int ?? 0), 41)
        XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: folder + "/in.bin"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".mtpart"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".mtpart.state"))

        // The downloader serves what it fetched: a third node gets the file from it alone, the author's node gone.
        XCTAssertEqual(node.stop(), 0)
        let reseeder = try LongRunning(
            downloader, ["serve", "--listen", "127.0.0.1:0", "--peer-listen", "127.0.0.1:0", "--blobs", "--db", folder + "/t2.sqlite", "--json"])
        defer { reseeder.stop() }
        _ = try reseeder.nextJSON(timeout: 30)
        let second = try reseeder.nextJSON(timeout: 30)
        let reseed = try XCTUnwrap(second["peers"] as? String) + ":" + (try XCTUnwrap(second["staticKey"] as? String))
        let third = try CLIRunner(stateDirectory: folder + "/third").run(["fetch", link, "--peer", reseed, "--out", folder + "/third.bin"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/third.bin"), FileManager.default.contents(atPath: folder + "/in.bin"))
    }
}
