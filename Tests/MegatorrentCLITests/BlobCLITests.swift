import Foundation
import MegatorrentTestSupport
import XCTest
import MegatorrentTestSupport

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

    /// `serve --listen … --peer-listen …` of `runner` as a process, with `extra` arguments: the node (stop it), its
    /// tracker address HOST:PORT and its peer address HOST:PORT:KEY.
    private func startServe(_ runner: CLIRunner, db: String, _ extra: [String] = []) throws -> (node: LongRunning, listening: String, peer: String) {
        let node = try LongRunning(
            runner, ["serve", "--listen", "127.0.0.1:0", "--peer-listen", "127.0.0.1:0", "--db", folder + "/" + db, "--json"] + extra)
        let listening = try XCTUnwrap(node.nextJSON(timeout: 30)["listening"] as? String)
        let peers = try node.nextJSON(timeout: 30)
        let peer = try XCTUnwrap(peers["peers"] as? String) + ":" + (try XCTUnwrap(peers["staticKey"] as? String))
        return (node, listening, peer)
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
        let (node, _, peer) = try startServe(author, db: "tracker.sqlite", ["--blobs", "--blob-rate", "8"])
        defer { node.stop() }

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
        let (reseeder, _, reseed) = try startServe(downloader, db: "t2.sqlite", ["--blobs"])
        defer { reseeder.stop() }
        let third = try CLIRunner(stateDirectory: folder + "/third").run(["fetch", link, "--peer", reseed, "--out", folder + "/third.bin"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/third.bin"), FileManager.default.contents(atPath: folder + "/in.bin"))
    }

    /// `subscribe --download DIR` fetches the blob links of a new version from the node it follows (`serve --blobs`).
    func testSubscribeDownloadsTheBlobLinksOfAVersion() throws {
        let holder = CLIRunner(stateDirectory: folder + "/holder")
        makeFile(folder + "/film.bin", size: (2 << 20) + 5)
        let ingested = try holder.run(["ingest", folder + "/film.bin"])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        let link = ingested.lastLine

        let (node, listening, peer) = try startServe(holder, db: "t.sqlite", ["--blobs"])
        defer { node.stop() }

        let author = CLIRunner(stateDirectory: folder + "/author")
        let channel = try author.run(["keygen", "--out", folder + "/k"]).lastLine
        let input = folder + "/in.json"
        _ = FileManager.default.createFile(
            atPath: input, contents: Data(#"{"collections":[{"title":"Films","items":["\#(link)&dn=Film"]}]}"#.utf8))
        let published = try author.run(["publish", "--tracker", "ws://\(listening)/", "--key", folder + "/k", input])
        XCTAssertEqual(published.status, 0, published.stderr)

        let downloads = folder + "/downloads"
        let subscriber = CLIRunner(stateDirectory: folder + "/subscriber")
        let run = try subscriber.run(["subscribe", channel, "--peer", peer, "--download", downloads, "--once", "--json", "--timeout", "60"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let done = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.lastLine.utf8)) as? [String: Any])
        XCTAssertEqual(done["downloaded"] as? String, "film.bin")
        XCTAssertEqual(done["bytes"] as? Int, (2 << 20) + 5)
        XCTAssertEqual(done["folder"] as? String, downloads)
        XCTAssertEqual(FileManager.default.contents(atPath: downloads + "/film.bin"), FileManager.default.contents(atPath: folder + "/film.bin"))

        // Another subscriber with the same folder: the file is there already and is not fetched again.
        let again = try CLIRunner(stateDirectory: folder + "/subscriber2").run(["subscribe", channel, "--peer", peer, "--download", downloads, "--once", "--json", "--timeout", "60"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.lastLine.contains(#""existing":true"#), again.stdout)
    }

    /// Holder discovery through peer exchange: the fetcher is given only a middle node, which holds nothing (it answers
    /// "missing") but knows the holder (it follows it); the fetcher asks it for peers, finds the holder, fetches.
    func testAHolderKnownOnlyThroughTheMiddleNode() throws {
        let holderState = CLIRunner(stateDirectory: folder + "/holder")
        makeFile(folder + "/in.bin", size: (3 << 20) + 1)
        let ingested = try holderState.run(["ingest", folder + "/in.bin"])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        let link = ingested.lastLine
        let (holder, _, holderPeer) = try startServe(holderState, db: "h.sqlite", ["--blobs"])
        defer { holder.stop() }
        let (middle, _, middlePeer) = try startServe(CLIRunner(stateDirectory: folder + "/middle"), db: "m.sqlite", ["--peer", holderPeer])
        defer { middle.stop() }

        // The middle node holds nothing: with the discovery of holders off (no one to ask but it), the fetch fails.
        let fetcher = CLIRunner(stateDirectory: folder + "/fetcher")
        let out = folder + "/out.bin"
        assertCleanFailure(try fetcher.run(["fetch", link, "--peer", middlePeer, "--out", out, "--no-discovery"]), contains: "descriptor was found neither")

        // With discovery (the default) the middle node names the holder. It learns the holder's record when its
        // connection to the holder is up (it retries every second), so the first attempts may find no one.
        var result = try fetcher.run(["fetch", link, "--peer", middlePeer, "--out", out, "--json"])
        for _ in 0..<10 where result.status != 0 {
            Thread.sleep(forTimeInterval: 1)
            result = try fetcher.run(["fetch", link, "--peer", middlePeer, "--out", out, "--json"])
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        let done = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.lastLine.utf8)) as? [String: Any])
        XCTAssertEqual(done["fromPeers"] as? Int, 4)
        XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: folder + "/in.bin"))
    }

    /// `fetch --proxy`: every connection to the holder goes through a real SOCKS5 server (PyPI pproxy, which
    /// scripts/setup.sh installs); with the proxy gone the same fetch fails, so the proxy is really on the path.
    func testFetchThroughASOCKS5Proxy() throws {
        let holderState = CLIRunner(stateDirectory: folder + "/holder")
        makeFile(folder + "/in.bin", size: (1 << 20) + 7)
        let ingested = try holderState.run(["ingest", folder + "/in.bin"])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        let link = ingested.lastLine
        // The holder announces itself to a tracker, so the fetch can also find it there through the proxy.
        let (tracker, trackerAddress, _) = try startServe(CLIRunner(stateDirectory: folder + "/tracker"), db: "t.sqlite")
        defer { tracker.stop() }
        let (holder, _, peer) = try startServe(holderState, db: "h.sqlite", ["--blobs", "--tracker", "ws://\(trackerAddress)/"])
        defer { holder.stop() }
        XCTAssertEqual(try holder.nextJSON(timeout: 30)["announced"] as? Int, 1)

        let proxyPort = try freeLoopbackPort()
        let fetcher = CLIRunner(stateDirectory: folder + "/fetcher")
        let out = folder + "/out.bin"
        // No proxy listening yet: the fetch must fail rather than go around it.
        let refused = try fetcher.run(["fetch", link, "--peer", peer, "--out", out, "--proxy", "socks5://127.0.0.1:\(proxyPort)", "--no-discovery"])
        XCTAssertNotEqual(refused.status, 0, refused.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let trackerRefused = try fetcher.run(
            ["fetch", link, "--tracker", "ws://\(trackerAddress)/", "--out", out, "--proxy", "socks5://127.0.0.1:\(proxyPort)"])
        XCTAssertNotEqual(trackerRefused.status, 0, trackerRefused.stdout)
        XCTAssertTrue(trackerRefused.stderr.contains("through the proxy"), trackerRefused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let pproxy = Process()
        pproxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        pproxy.arguments = ["pproxy", "-v", "-l", "socks5://127.0.0.1:\(proxyPort)"]
        let log = Pipe()
        pproxy.standardOutput = log
        pproxy.standardError = log
        try pproxy.run()
        defer { if pproxy.isRunning { pproxy.terminate(); pproxy.waitUntilExit() } }
        for _ in 0..<100 where !isListening(proxyPort) { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertTrue(isListening(proxyPort), "pproxy did not start (pip pproxy; scripts/setup.sh)")

        let fetched = try fetcher.run(["fetch", link, "--peer", peer, "--out", out, "--proxy", "socks5://127.0.0.1:\(proxyPort)", "--json"])
        XCTAssertEqual(fetched.status, 0, fetched.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: folder + "/in.bin"))
        // The holder found only through the tracker, the announce going through the proxy as well.
        let second = folder + "/second.bin"
        let viaTracker = try CLIRunner(stateDirectory: folder + "/fetcher2").run(
            ["fetch", link, "--tracker", "ws://\(trackerAddress)/", "--out", second, "--proxy", "socks5://127.0.0.1:\(proxyPort)", "--no-discovery"])
        XCTAssertEqual(viaTracker.status, 0, viaTracker.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: second), FileManager.default.contents(atPath: folder + "/in.bin"))
        pproxy.terminate()
        pproxy.waitUntilExit()
        // pproxy -v logs each tunnel it opened: the holder's port must be among them.
        let logged = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let holderPort = peer.split(separator: ":").dropLast().last.map(String.init) ?? "?"
        XCTAssertTrue(logged.contains(":\(holderPort)"), logged)
        let trackerPort = trackerAddress.split(separator: ":").last.map(String.init) ?? "?"
        XCTAssertTrue(logged.contains(":\(trackerPort)"), logged)
    }

    /// `serve --blobs --tracker`: a holder announces what it holds; `fetch --tracker` with no --peer at all finds it
    /// there. A dead tracker beside a live one changes nothing; with only dead trackers the fetch fails with one clear
    /// line and writes nothing.
    func testAFetchFindsItsHolderThroughTheTracker() throws {
        let (tracker, trackerAddress, _) = try startServe(CLIRunner(stateDirectory: folder + "/tracker"), db: "t.sqlite")
        defer { tracker.stop() }
        let announce = "http://\(trackerAddress)/announce"
        let holderState = CLIRunner(stateDirectory: folder + "/holder")
        makeFile(folder + "/in.bin", size: (3 << 20) + 9)
        let ingested = try holderState.run(["ingest", folder + "/in.bin"])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        let link = ingested.lastLine
        let out = folder + "/out.bin"
        // No holder announced yet: the tracker names nobody.
        assertCleanFailure(
            try CLIRunner(stateDirectory: folder + "/early").run(["fetch", link, "--tracker", announce, "--out", out]),
            contains: "descriptor was found neither")

        // Usage errors (ArgumentParser adds its usage lines).
        let noListener = try holderState.run(["serve", "--listen", "127.0.0.1:0", "--tracker", announce])
        XCTAssertNotEqual(noListener.status, 0)
        XCTAssertTrue(noListener.stderr.contains("needs --blobs and --peer-listen HOST:PORT"), noListener.stderr)
        let udp = try holderState.run(["serve", "--listen", "127.0.0.1:0", "--peer-listen", "127.0.0.1:0", "--blobs", "--tracker", "udp://x:1"])
        XCTAssertNotEqual(udp.status, 0)
        XCTAssertTrue(udp.stderr.contains("not an http://, https://, ws:// or wss:// tracker URL"), udp.stderr)
        let (holder, _, _) = try startServe(holderState, db: "h.sqlite", ["--blobs", "--tracker", "ws://\(trackerAddress)/"])
        defer { holder.stop() }
        let round = try holder.nextJSON(timeout: 30)
        XCTAssertEqual(round["announced"] as? Int, 1, "\(round)")
        XCTAssertEqual(round["held"] as? Int, 1)

        let fetched = try CLIRunner(stateDirectory: folder + "/fetcher").run(["fetch", link, "--tracker", announce, "--out", out, "--json"])
        XCTAssertEqual(fetched.status, 0, fetched.stderr)
        let done = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fetched.lastLine.utf8)) as? [String: Any])
        XCTAssertEqual(done["fromPeers"] as? Int, 4)
        XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: folder + "/in.bin"))

        let deadPort = try freeLoopbackPort()
        let dead = "http://127.0.0.1:\(deadPort)/announce"
        let second = folder + "/second.bin"
        let beside = try CLIRunner(stateDirectory: folder + "/second").run(["fetch", link, "--tracker", dead, "--tracker", announce, "--out", second])
        XCTAssertEqual(beside.status, 0, beside.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: second), FileManager.default.contents(atPath: folder + "/in.bin"))

        let lost = folder + "/lost.bin"
        assertCleanFailure(
            try CLIRunner(stateDirectory: folder + "/third").run(["fetch", link, "--tracker", dead, "--out", lost]),
            contains: "tracker \(dead) cannot be reached")
        XCTAssertFalse(FileManager.default.fileExists(atPath: lost))
    }

    /// `subscribe --download --tracker` finds the holder of a blob link through the tracker, and with `--blobs
    /// --peer-listen` serves the file in turn: once the first holder is gone, a fetch that knows only the tracker gets
    /// it from the subscriber.
    func testSubscribeFindsHoldersThroughTheTrackerAndThenServes() throws {
        let (tracker, trackerAddress, _) = try startServe(CLIRunner(stateDirectory: folder + "/tracker"), db: "t.sqlite")
        defer { tracker.stop() }
        let holderState = CLIRunner(stateDirectory: folder + "/holder")
        makeFile(folder + "/film.bin", size: (2 << 20) + 5)
        let link = try holderState.run(["ingest", folder + "/film.bin"]).lastLine
        let (holder, _, _) = try startServe(holderState, db: "h.sqlite", ["--blobs", "--tracker", "ws://\(trackerAddress)/"])
        defer { holder.stop() }
        XCTAssertEqual(try holder.nextJSON(timeout: 30)["announced"] as? Int, 1)

        let author = CLIRunner(stateDirectory: folder + "/author")
        let channel = try author.run(["keygen", "--out", folder + "/k"]).lastLine
        _ = FileManager.default.createFile(
            atPath: folder + "/in.json", contents: Data(#"{"collections":[{"title":"Films","items":["\#(link)"]}]}"#.utf8))
        let published = try author.run(["publish", "--tracker", "ws://\(trackerAddress)/", "--key", folder + "/k", folder + "/in.json"])
        XCTAssertEqual(published.status, 0, published.stderr)

        let downloads = folder + "/downloads"
        let subscriber = try LongRunning(
            CLIRunner(stateDirectory: folder + "/subscriber"),
            ["subscribe", channel, "--tracker", "ws://\(trackerAddress)/", "--download", downloads, "--blobs", "--peer-listen", "127.0.0.1:0", "--json"])
        defer { subscriber.stop() }
        var downloaded: [String: Any]?
        for _ in 0..<6 where downloaded == nil {
            let line = try subscriber.nextJSON(timeout: 60)
            if line["downloaded"] != nil || line["download"] != nil { downloaded = line }
        }
        XCTAssertEqual(downloaded?["downloaded"] as? String, "film.bin", "\(downloaded ?? [:])")
        XCTAssertEqual(FileManager.default.contents(atPath: downloads + "/film.bin"), FileManager.default.contents(atPath: folder + "/film.bin"))

        XCTAssertEqual(holder.stop(), 0)
        let out = folder + "/out.bin"
        let fetcher = CLIRunner(stateDirectory: folder + "/fetcher")
        var result = try fetcher.run(["fetch", link, "--tracker", "ws://\(trackerAddress)/", "--out", out, "--no-discovery"])
        // The subscriber announces the file as soon as it is whole; give that announce a moment if needed.
        for _ in 0..<10 where result.status != 0 {
            Thread.sleep(forTimeInterval: 1)
            result = try fetcher.run(["fetch", link, "--tracker", "ws://\(trackerAddress)/", "--out", out, "--no-discovery"])
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: folder + "/film.bin"))
    }

    /// `subscribe --dht --blobs --peer-listen` announces the files the node holds on the DHT (a loopback swarm of 8
    /// libtorrent nodes); `fetch --dht`, with no --peer and no tracker, finds the holder there and ends byte-identical.
    func testAFetchFindsItsHolderOnTheDHT() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let join = swarm.ports.prefix(3).flatMap { ["--dht-node", "127.0.0.1:\($0)"] }
        let dhtArguments = ["--dht", "--dht-listen", "127.0.0.1:0"] + join
        let holderState = CLIRunner(stateDirectory: folder + "/holder")
        makeFile(folder + "/in.bin", size: (2 << 20) + 11)
        let ingested = try holderState.run(["ingest", folder + "/in.bin"])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        let link = ingested.lastLine
        // The holder follows some channel on the DHT (nobody publishes it): what matters is its DHT node.
        let holder = try LongRunning(
            holderState,
            ["subscribe", String(repeating: "ab", count: 32), "--blobs", "--peer-listen", "127.0.0.1:0", "--json"] + dhtArguments)
        defer { holder.stop() }
        let round = try holder.nextJSON(timeout: 60)
        XCTAssertEqual(round["dhtAnnounced"] as? Int, 1, "\(round)")
        XCTAssertEqual(round["held"] as? Int, 1)

        let out = folder + "/out.bin"
        let fetcher = CLIRunner(stateDirectory: folder + "/fetcher")
        let arguments = ["fetch", link, "--out", out, "--json", "--no-discovery"] + dhtArguments
        var result = try fetcher.run(arguments)
        // A lookup may first meet a node that missed the item's put (docs/dht.md): asked again, bounded.
        for _ in 0..<5 where result.status != 0 {
            try await Task.sleep(for: .seconds(1))
            result = try fetcher.run(arguments)
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        let done = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.lastLine.utf8)) as? [String: Any])
        XCTAssertEqual(done["fromPeers"] as? Int, 3)
        XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: folder + "/in.bin"))
        XCTAssertEqual(holder.stop(), 0)
        for index in 0..<8 { await swarm.leave(index) }
    }
}
