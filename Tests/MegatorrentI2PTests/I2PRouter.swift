import Foundation
import MegatorrentTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real i2pd for one test: one router on 127.0.0.1, offline (no reseed, private netid, nothing
/// published), SAM on a free port, in a temporary data folder. Started through a watchdog shell that
/// kills i2pd when the test process goes away, so even a crashed test leaves no router behind;
/// `stop()` (also on deinit) stops it by PID: SIGTERM, SIGKILL after 5 s (i2pd 2.45.1 can hang while
/// stopping its SAM bridge). Skips the test when i2pd is not installed (scripts/setup.sh installs it).
final class I2PRouter: @unchecked Sendable {
    let samPort: Int
    let directory: URL
    private let watchdog: Process
    private var stopped = false

    init() throws {
        guard let i2pd = executablePath("i2pd") else { throw XCTSkip("i2pd not installed (apt i2pd; scripts/setup.sh)") }
        samPort = try freeLoopbackPort()
        let ntcpPort = try freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("i2pd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tunnels.d"), withIntermediateDirectories: true)
        let d = directory.path
        try "".write(toFile: "\(d)/tunnels.conf", atomically: true, encoding: .utf8)
        let config = """
            log = file
            logfile = \(d)/i2pd.log
            loglevel = warn
            pidfile = \(d)/i2pd.pid
            tunconf = \(d)/tunnels.conf
            tunnelsdir = \(d)/tunnels.d
            certsdir = /usr/share/i2pd/certificates
            daemon = false
            host = 127.0.0.1
            ipv4 = true
            ipv6 = false
            nat = false
            netid = 77
            floodfill = false
            [ntcp2]
            enabled = true
            published = false
            port = \(ntcpPort)
            [ssu2]
            enabled = false
            [upnp]
            enabled = false
            [reseed]
            verify = true
            threshold = 0
            urls =
            yggurls =
            [nettime]
            enabled = false
            [addressbook]
            enabled = true
            [http]
            enabled = false
            [httpproxy]
            enabled = false
            [socksproxy]
            enabled = false
            [bob]
            enabled = false
            [i2cp]
            enabled = false
            [i2pcontrol]
            enabled = false
            [sam]
            enabled = true
            address = 127.0.0.1
            port = \(samPort)

            """
        try config.write(toFile: "\(d)/i2pd.conf", atomically: true, encoding: .utf8)
        // The watchdog: i2pd in the background, its PID in child.pid; when this test process or i2pd ends, i2pd is killed.
        let script = """
            "$1" --datadir="$2" --conf="$2/i2pd.conf" >"$2/stdout.txt" 2>&1 &
            child=$!
            echo $child > "$2/child.pid"
            while kill -0 "$3" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done
            kill -9 $child 2>/dev/null
            """
        watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", script, "watchdog", i2pd, d, "\(getpid())"]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if isListening(samPort) { return }
            usleep(100_000)
        }
        stop()
        throw XCTSkip("i2pd's SAM bridge did not listen within 30 s")
    }

    deinit { stop() }

    /// i2pd's PID, once the watchdog wrote it.
    private var childPID: pid_t? {
        (try? String(contentsOfFile: directory.path + "/child.pid", encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Stops i2pd (SIGTERM, SIGKILL after 5 s) and the watchdog, and removes the data folder. Idempotent.
    func stop() {
        guard !stopped else { return }
        stopped = true
        if let pid = childPID, pid > 0 {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while kill(pid, 0) == 0, Date() < deadline { usleep(50_000) }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        if watchdog.isRunning { kill(watchdog.processIdentifier, SIGKILL) }
        watchdog.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Whether the i2pd process is still alive.
    var isRunning: Bool { childPID.map { kill($0, 0) == 0 } ?? false }
}
