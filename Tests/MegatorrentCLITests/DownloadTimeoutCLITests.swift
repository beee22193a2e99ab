import Foundation
import XCTest

extension TrackerCLITests {
    /// `subscribe --once --download` of a torrent nobody seeds ends at `--timeout` with a non-zero exit and one
    /// line that says so (it used to wait for the download past the timeout). A watchdog kills it after 120 s.
    func testOnceDownloadEndsAtTheTimeout() throws {
        let (server, port) = try startServer(db: folder + "/tracker.sqlite")
        defer { server.terminate(); server.waitUntilExit() }
        let author = CLIRunner(stateDirectory: folder + "/author")
        let channel = try author.run(["keygen", "--out", folder + "/k"]).lastLine
        let published = try author.run(
            ["publish", "--tracker", "ws://127.0.0.1:\(port)/", "--key", folder + "/k", "-"],
            stdin: #"{"collections":[{"title":"A","items":["magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"]}]}"#)
        XCTAssertEqual(published.status, 0, published.stderr)

        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = [
            "subscribe", channel, "--tracker", "ws://127.0.0.1:\(port)/", "--once", "--download", folder + "/downloads",
            "--torrent-listen", "127.0.0.1:0", "--timeout", "3",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(["MEGATORRENT_HOME": folder + "/reader"]) { $1 }
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let watchdog = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        XCTAssertEqual(process.terminationReason, .exit, "killed by the watchdog: the timeout was ignored")
        XCTAssertEqual(process.terminationStatus, 1, stderr)
        XCTAssertTrue(stderr.contains("did not complete within 3 s"), stderr)
    }
}
