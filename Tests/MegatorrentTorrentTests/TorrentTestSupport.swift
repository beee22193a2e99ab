import Foundation
import MegatorrentTestSupport
import MegatorrentTorrent
import XCTest

/// A folder of its own under the temporary directory; `remove()` deletes it with everything in it.
final class TestFolder: Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "megatorrent-torrent-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// `name` inside the folder (a sub-folder is created when `folder` is true).
    func path(_ name: String, folder: Bool = false) throws -> String {
        let full = path + "/" + name
        if folder {
            try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        }
        return full
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Writes `size` random bytes to `path` and returns them.
func writeRandomFile(at path: String, size: Int) throws -> Data {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: size)
    for index in stride(from: 0, to: size, by: 8) {
        withUnsafeBytes(of: generator.next() as UInt64) { random in
            for offset in 0..<min(8, size - index) { bytes[index + offset] = random[offset] }
        }
    }
    let data = Data(bytes)
    try data.write(to: URL(fileURLWithPath: path))
    return data
}

/// A session that exchanges torrent data with others on 127.0.0.1 (no DHT): every peer has the same IP, so libtorrent
/// must tell peers apart by port too.
func loopbackPeerSettings() -> TorrentSessionSettings {
    var settings = TorrentSessionSettings()
    settings.allowMultipleConnectionsPerIP = true
    return settings
}

/// A 3 MiB random file in `folder/seed`, its .torrent (64 KiB pieces unless asked otherwise), and `seeder` serving it
/// in seed mode.
struct SeededFile {
    static let size = 3 * 1024 * 1024
    static let name = "payload.bin"

    let content: Data
    let torrent: CreatedTorrent
    /// The seeder's "127.0.0.1:PORT".
    let peer: String

    /// Creates the file and the torrent, adds it to `seeder` in seed mode and waits until it seeds.
    init(in folder: TestFolder, seeder: TorrentSession, pieceSize: Int = 65536) async throws {
        let seedFolder = try folder.path("seed", folder: true)
        let file = seedFolder + "/" + Self.name
        content = try writeRandomFile(at: file, size: Self.size)
        torrent = try Torrents.createTorrent(file: file, pieceSize: pieceSize)
        let added = try await seeder.torrents.add(torrentFile: torrent.bytes, savePath: seedFolder, seedMode: true)
        XCTAssertEqual(added, torrent.infoHash)
        let ready = await seeder.torrents.waitUntilFinished(added, timeout: .seconds(30))
        XCTAssertEqual(ready, .finished, "a seed-mode torrent is complete once started")
        peer = "127.0.0.1:\(try seeder.listenPort)"
    }

    /// The bytes a downloader saved in `savePath`.
    func downloaded(in savePath: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: savePath + "/" + Self.name))
    }

    /// Whether the file in `savePath` equals the content within 10 s: libtorrent reports a torrent finished once every
    /// piece passed its hash check, and its disk threads may still be writing the last blocks (seen under load).
    func arrives(in savePath: String) async -> Bool {
        await eventually(within: 10) { (try? downloaded(in: savePath)) == content }
    }
}

/// Collects a progress stream's updates on a task of its own until the stream ends or shows the torrent complete.
final class ProgressRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [TorrentProgress] = []
    private var task: Task<Void, Never>?

    init(_ stream: AsyncStream<TorrentProgress>) {
        task = Task { [self] in
            for await update in stream {
                lock.withLock { recorded.append(update) }
                if update.state.isComplete { return }
            }
        }
    }

    /// Waits (bounded) until the recording ended; returns the updates.
    func updates(within timeout: Duration) async -> [TorrentProgress] {
        let task = self.task
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await task?.value; return true }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !ended { task?.cancel() }
        return lock.withLock { recorded }
    }
}

/// SHA-1 of `bytes` in hex, computed independently of libtorrent (sha1sum).
func sha1sum(_ bytes: [UInt8]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha1sum"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(bytes))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}
