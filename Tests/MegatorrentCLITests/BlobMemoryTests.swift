import Foundation
import XCTest

/// Ingest and reassembly stream in bounded memory: the peak RSS of `megatorrent ingest` and `megatorrent fetch` on a
/// large sparse file stays under 64 MiB whatever the file's size (512 MiB here; 4 GiB in the benchmark `blob-rss`).
final class BlobMemoryTests: XCTestCase {
    /// Runs the CLI with `arguments` under GNU time and returns its exit status and peak RSS in KiB. (A child's own
    /// rusage would not do: Linux carries the parent's high-water mark into a forked or vforked child across exec, and
    /// this test process is large; `time` is small and reports its child's.)
    private func runMeasured(_ arguments: [String], home: String) throws -> (status: Int32, peakKiB: Int) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { throw XCTSkip("needs /usr/bin/time") }
        let report = home + "-rss-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M", "-o", report, CLIRunner.binary.path] + arguments
        process.environment = ["MEGATORRENT_HOME": home, "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = try String(contentsOfFile: report, encoding: .utf8)
        let peak = try XCTUnwrap(text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last, text)
        return (process.terminationStatus, peak)
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
