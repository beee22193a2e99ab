import Foundation
import MegatorrentTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real SOCKS5 server on 127.0.0.1 for one test: dante-server (`danted`) or `pproxy`, on a free
/// port, stopped (by its PID) when the test ends. Skips the test when the server is not installed
/// (scripts/setup.sh installs both).
final class SOCKSServer: @unchecked Sendable {
    enum Kind {
        /// danted, no authentication; CONNECT allowed to 127.0.0.0/8 only (REP=2 elsewhere).
        case dante
        /// danted with RFC 1929 checked against the system accounts (the test makes a throwaway one).
        case danteUserPass
        /// pproxy, optionally with one username and password.
        case pproxy(user: String?, password: String?)
    }

    let port: Int
    private let process: Process
    private let directory: URL

    init(_ kind: Kind) throws {
        port = try freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("socks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = Process()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        switch kind {
        case .dante, .danteUserPass:
            guard let danted = executablePath("danted") else { throw XCTSkip("danted not installed (apt dante-server; scripts/setup.sh)") }
            let auth = if case .danteUserPass = kind { "username" } else { "none" }
            let config = """
                logoutput: \(directory.path)/danted.log
                internal: 127.0.0.1 port = \(port)
                external: 127.0.0.1
                clientmethod: none
                socksmethod: \(auth)
                user.privileged: root
                user.unprivileged: nobody
                client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
                socks pass {
                  from: 127.0.0.0/8 to: 127.0.0.0/8
                  command: connect
                  socksmethod: \(auth)
                }
                socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect error }

                """
            let path = directory.appendingPathComponent("danted.conf")
            try config.write(to: path, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: danted)
            process.arguments = ["-f", path.path, "-p", directory.appendingPathComponent("danted.pid").path]
        case .pproxy(let user, let password):
            guard let pproxy = executablePath("pproxy") else { throw XCTSkip("pproxy not installed (pip pproxy; scripts/setup.sh)") }
            process.executableURL = URL(fileURLWithPath: pproxy)
            let auth = user.map { "#\($0):\(password ?? "")" } ?? ""
            // --auth 0: check the credentials on every connection (pproxy otherwise trusts an address for 30 days).
            process.arguments = ["--auth", "0", "-l", "socks5://127.0.0.1:\(port)\(auth)"]
        }
        try process.run()
        try waitUntilListening()
    }

    deinit { stop() }

    /// Stops the server (SIGTERM, SIGKILL after 5 s) and removes its folder.
    func stop() {
        if process.isRunning {
            let exited = DispatchSemaphore(value: 0)
            let process = self.process
            Thread.detachNewThread {
                process.waitUntilExit()
                exited.signal()
            }
            kill(process.processIdentifier, SIGTERM)
            if exited.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            guard process.isRunning else { throw SkipReason("the SOCKS5 server exited at once") }
            if isListening(port) { return }
            usleep(50_000)
        }
        throw SkipReason("the SOCKS5 server did not listen within 15 s")
    }
}

/// A throwaway system account for danted's RFC 1929 check (root only), removed by `remove()`.
final class ThrowawayUser: @unchecked Sendable {
    let name: String
    let password: String

    init() throws {
        guard getuid() == 0 else { throw XCTSkip("danted's username method checks system accounts: needs root") }
        name = "mtsocks\(UInt32.random(in: 10000...99999))"
        password = "pw-\(UInt64.random(in: 0...UInt64.max))"
        try Self.run("/usr/sbin/useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", name])
        try Self.run("/bin/sh", ["-c", "echo '\(name):\(password)' | /usr/sbin/chpasswd"])
    }

    func remove() { try? Self.run("/usr/sbin/userdel", [name]) }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SkipReason("\(executable) \(arguments) failed") }
    }
}

/// Why a test was skipped.
struct SkipReason: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
