import Foundation
import XCTest

/// The safe-mode leak proof (docs/anonymity.md): `scripts/safe-mode-capture.sh` runs the client in a fresh
/// network namespace whose only way out is a veth to a dante SOCKS5 proxy, records every packet with tcpdump
/// while the client publishes, subscribes and downloads a seeded torrent, and counts them. Needs root.
final class SafeModeCaptureTests: XCTestCase {
    /// In safe mode through `--proxy`: the download completes, and not one UDP datagram, DNS query or TCP
    /// segment to anything but the proxy left the namespace.
    func testSafeModeSendsNothingButTCPToTheProxy() throws {
        let counts = try capture(control: false)
        XCTAssertEqual(counts["publish_status"], "0", "\(counts)")
        XCTAssertEqual(counts["subscribe_status"], "0", "subscribe failed: \(counts["subscribe.err"] ?? "") \(counts)")
        XCTAssertEqual(counts["downloaded"], "yes", "the torrent did not arrive through the proxy: \(counts)")
        XCTAssertEqual(counts["udp"], "0", "UDP left the client in safe mode: \(counts)")
        XCTAssertEqual(counts["dns"], "0", "DNS queries left the client in safe mode: \(counts)")
        XCTAssertEqual(counts["tcp_elsewhere"], "0", "TCP went around the proxy: \(counts)")
        XCTAssertGreaterThan(Int(counts["tcp_to_proxy"] ?? "") ?? 0, 0, "nothing reached the proxy: \(counts)")
    }

    /// The control: the same run with `--no-safe-mode --dht` does send UDP (the DHT node looks up the public routers
    /// outside the proxy), so the assertions above are able to fail. Only the leak is asserted here: whether the DHT
    /// node comes up within its start time depends on how fast the unanswered lookups fail in the namespace (libtorrent
    /// starts the DHT once its router lookups end), and the subscriber gives up when it does not.
    func testControlRunWithoutSafeModeShowsUDP() throws {
        let counts = try capture(control: true)
        XCTAssertEqual(counts["publish_status"], "0", "\(counts)")
        XCTAssertGreaterThan(Int(counts["udp"] ?? "") ?? 0, 0, "the control run sent no UDP: \(counts)")
        XCTAssertGreaterThan(Int(counts["dns"] ?? "") ?? 0, 0, "the control run looked up no name: \(counts)")
    }

    /// Runs the script and returns its `key=value` lines.
    private func capture(control: Bool) throws -> [String: String] {
        guard getuid() == 0 else {
            throw XCTSkip("the namespace leak proof needs root (network namespaces, tcpdump): run the tests as root")
        }
        for tool in ["/usr/sbin/ip", "/usr/bin/tcpdump", "/usr/sbin/danted"] where !FileManager.default.isExecutableFile(atPath: tool) {
            XCTFail("\(tool) is missing: run scripts/setup.sh")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let work = NSTemporaryDirectory() + "/mt-safe-mode-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root.path + "/scripts/safe-mode-capture.sh"] + (control ? ["--control"] : []) + [CLIRunner.binary.path, work]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "safe-mode-capture.sh failed: \(stderr)")
        var counts: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { counts[parts[0]] = parts[1] }
        }
        counts["subscribe.err"] = (try? String(contentsOfFile: work + "/subscribe.err", encoding: .utf8)) ?? ""
        print("safe-mode capture (\(control ? "control" : "safe mode")): \(stdout.split(separator: "\n").joined(separator: " "))")
        return counts
    }
}
