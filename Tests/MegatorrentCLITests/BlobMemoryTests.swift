import Foundation
import XCTest

/// Ingest and reassembly stream in bounded memory: the peak RSS of `megatorrent ingest` and `megatorrent fetch` on a
/// large sparse file stays under 64 MiB whatever the file's size (512 MiB here; 4 GiB in the benchmark `blob-rss`).
final class BlobMemoryTests: XCTestCase {
    /// Runs the CLI with `arguments` and returns its exit status and peak RSS in KiB (from wait4's rusage).
    private func runMeasured(_ arguments: [String], home: String) throws -> (status: Int32, peakKiB: Int) {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ([CLIRunner.binary.path] + arguments).map { (text: String) -> UnsafeMutablePointer<CChar>? in strdup(text) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ["MEGATORRENT_HOME=\(home)", "PATH=/usr/bin:/bin"].map { (text: String) -> UnsafeMutablePointer<CChar>? in strdup(text) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        guard posix_spawn(&pid, CLIRunner.binary.path, &actions, nil, argv, envp) == 0 else { throw XCTSkip("cannot spawn") }
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        return ((status >> 8) & 0xff, usage.ru_maxrss)
    }

    func testIngestAndFetchOfALargeFileStayUnder64MiB() throws {
        let folder = NSTemporaryDirectory() + "/mt-cli-rss-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let size = Int(ProcessInfo.processInfo.environment["MT_BLOB_RSS_MIB"] ?? "512")! << 20
        let input = folder + "/sparse.bin"
        FileManager.default.createFile(atPath: input, contents: nil)
        XCTAssertEqual(truncate(input, off_t(size)), 0)

        let ingest = try runMeasured(["ingest", input, "--json"], home: folder + "/state")
        XCTAssertEqual(ingest.status, 0)
        XCTAssertLessThan(ingest.peakKiB, 64 * 1024, "ingest peak RSS \(ingest.peakKiB) KiB")
        let link = try CLIRunner(stateDirectory: folder + "/state").run(["ingest", input]).lastLine
        let fetch = try runMeasured(["fetch", link, "--out", folder + "/out.bin"], home: folder + "/state")
        XCTAssertEqual(fetch.status, 0)
        XCTAssertLessThan(fetch.peakKiB, 64 * 1024, "fetch peak RSS \(fetch.peakKiB) KiB")
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/out.bin")
        XCTAssertEqual(attributes[.size] as? Int, size)
        print("blob RSS: ingest \(ingest.peakKiB) KiB, fetch \(fetch.peakKiB) KiB for \(size >> 20) MiB")
    }
}
