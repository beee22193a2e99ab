import Foundation
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
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("socks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = Process()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        switch kind {
        case .dante, .danteUserPass:
            guard let danted = Self.which("danted") else { throw XCTSkip("danted not installed (apt dante-server; scripts/setup.sh)") }
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
            guard let pproxy = Self.which("pproxy") else { throw XCTSkip("pproxy not installed (pip pproxy; scripts/setup.sh)") }
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
            if Self.canConnect(port: port) { return }
            usleep(50_000)
        }
        throw SkipReason("the SOCKS5 server did not listen within 15 s")
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw SkipReason("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let extra = ["/usr/sbin", "/usr/local/bin", "\(NSHomeDirectory())/.local/bin", "\(NSHomeDirectory())/.pyenv/shims"]
        for folder in path.split(separator: ":").map(String.init) + extra {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
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
