import Foundation
import MegatorrentProxy
import NIOCore
import XCTest
import MegatorrentTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Our SOCKS5 client against a real Tor (apt `tor`) that cannot reach its network: its only bridge is a closed
/// port on 127.0.0.1, so it never leaves the machine and never bootstraps. Its SOCKS port still answers, with
/// failure replies: REP=1 at once for private addresses and .onion names, REP=6 (TTL expired, Tor's "could not
/// resolve or build a circuit") after SocksTimeout for other names and public addresses. Each comes out as one
/// clear error, with and without (isolation) credentials.
final class TorOfflineTests: XCTestCase {
    func testOfflineTorRepliesGiveClearErrors() async throws {
        let tor = try OfflineTor()
        defer { tor.stop() }
        let plain = ProxyConfiguration(host: "127.0.0.1", port: tor.port)
        let isolated = try ProxyConfiguration(url: "socks5://127.0.0.1:\(tor.port)?isolate=1")
        for proxy in [plain, isolated] {
            let local = try await failure(through: proxy, to: "127.0.0.1", port: 80)
            XCTAssertEqual(local, .connectFailed(target: "127.0.0.1:80", reply: .generalFailure))
            XCTAssertTrue(local.description.contains("general SOCKS server failure (reply 1)"), local.description)
            let onion = try await failure(through: proxy, to: "expyuzz4wqqyqhjn.onion", port: 80)
            XCTAssertEqual(onion, .connectFailed(target: "expyuzz4wqqyqhjn.onion:80", reply: .generalFailure))
        }
        // A name goes to Tor unresolved (DOMAINNAME); Tor gives up on it after SocksTimeout.
        let name = try await failure(through: plain, to: "tracker.example.org", port: 443)
        XCTAssertEqual(name, .connectFailed(target: "tracker.example.org:443", reply: .ttlExpired))
        XCTAssertTrue(name.description.contains("the name did not resolve or the circuit timed out"), name.description)
    }

    private func failure(through proxy: ProxyConfiguration, to host: String, port: Int) async throws -> SOCKS5Error {
        do {
            let channel = try await SOCKS5Connector.connect(through: proxy, to: host, port: port, timeout: .seconds(30)) { _ in }
            channel.close(promise: nil)
        } catch {
            return error
        }
        throw SkipReason("Tor connected to \(host):\(port) although it has no network")
    }
}

/// A Tor process on a free port of 127.0.0.1 whose one bridge is a closed local port (it never reaches the
/// Internet), with SocksTimeout 5; stopped by its PID.
final class OfflineTor: @unchecked Sendable {
    let port: Int
    private let process = Process()
    private let directory: URL

    init() throws {
        guard let tor = executablePath("tor") else { throw XCTSkip("tor not installed (apt tor; scripts/setup.sh)") }
        port = try freeLoopbackPort()
        let closed = try freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let torrc = """
            SocksPort 127.0.0.1:\(port)
            DataDirectory \(directory.path)/data
            Log notice file \(directory.path)/tor.log
            SocksTimeout 5
            UseBridges 1
            Bridge 127.0.0.1:\(closed)

            """
        let path = directory.appendingPathComponent("torrc")
        try torrc.write(to: path, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: tor)
        process.arguments = ["-f", path.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !isListening(port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw SkipReason("tor did not open its SOCKS port within 30 s")
            }
            usleep(50_000)
        }
    }

    deinit { stop() }

    /// SIGTERM (a client-only Tor exits at once), SIGKILL after 5 s.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
