import ArgumentParser
import Foundation
import MegatorrentTorrent

/// `megatorrent seed FILE --announce URL`: make a torrent of a file and seed it.
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Make a torrent of a file and seed it; print its magnet link (for a manifest) as the last line of the header.",
        discussion: "Runs until SIGINT/SIGTERM. The torrent is deterministic (no creation date), so the same file gives the same magnet.")

    @Argument(help: "The file to share.")
    var file: String

    @Option(name: .customLong("announce"), help: "A tracker announce URL, e.g. http://127.0.0.1:8080/announce (repeatable).")
    var trackers: [String] = []

    @OptionGroup var network: TorrentNetworkOptions
    @OptionGroup var anonymity: AnonymityOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw CLIFailure("\(file) is not a file")
        }
        let created = try Torrents.createTorrent(file: url.path, trackers: trackers)
        let session = try network.makeSession(anonymity)
        let infoHash = try await session.torrents.add(
            torrentFile: created.bytes, savePath: url.deletingLastPathComponent().path, seedMode: true)
        let magnet = MagnetText.make(infoHash: infoHash, name: url.lastPathComponent, trackers: trackers)
        if global.json {
            printJSON(["seeding": url.path, "infoHash": infoHash.hex, "magnet": magnet, "port": try session.listenPort])
        } else {
            printLine("seeding \(url.lastPathComponent) on port \(try session.listenPort) (Ctrl-C to stop)")
            printLine(magnet)
        }
        await Signals.waitForTermination()
    }
}
