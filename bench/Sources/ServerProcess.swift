// The servers of the fan-out benchmark run as child processes, so that their resident memory is
// theirs alone. A child reads its standard input until it ends and then stops: it never outlives
// the benchmark, even when the benchmark is killed.
import Foundation
import MegatorrentTracker
import Synchronization

/// A server child process that prints `listening on HOST:PORT` once it accepts connections.
final class ServerProcess {
    let name: String
    let port: Int
    private let process: Process
    private let input: Pipe

    /// Starts `executable arguments…` and waits (at most `timeout` seconds) for its listening line.
    init(name: String, executable: String, arguments: [String], timeout: Double = 30) throws {
        self.name = name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        self.input = input

        // Read its output on a thread until it ends (so the child never blocks writing), and hand
        // over the first line.
        let firstLine = Mutex<String?>(nil)
        let gotLine = DispatchSemaphore(value: 0)
        let reader = output.fileHandleForReading
        Thread.detachNewThread {
            var text = "", handed = false
            while true {
                let data = reader.availableData
                if data.isEmpty { break }  // end of file: the child exited
                guard !handed else { continue }
                text += String(decoding: data, as: UTF8.self)
                if let newline = text.firstIndex(of: "\n") {
                    let line = String(text[..<newline])
                    firstLine.withLock { $0 = line }
                    handed = true
                    gotLine.signal()
                }
            }
            if !handed { gotLine.signal() }
        }
        guard gotLine.wait(timeout: .now() + timeout) == .success, let line = firstLine.withLock({ $0 }),
            line.hasPrefix("listening on "), let colon = line.lastIndex(of: ":"),
            let port = Int(line[line.index(after: colon)...].prefix(while: \.isNumber))
        else {
            Self.stop(process, input: input, name: name)
            throw BenchError("\(name) did not start listening within \(Int(timeout)) s")
        }
        self.port = port
    }

    var pid: Int32 { process.processIdentifier }

    /// VmRSS of the child in KiB.
    var residentKiB: Int? { Self.residentKiB(pid: pid) }

    /// CPU seconds (user and system, all threads) the child has used, from /proc (10 ms ticks).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return 0 }
        // After "pid (comm)": state is field 3, utime field 14, stime field 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func residentKiB(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst("VmRSS:".count).split(whereSeparator: \.isWhitespace).first ?? "")
        }
        return nil
    }

    /// Closes its standard input and waits for it to exit; SIGTERM after 20 s, SIGKILL after 5 more.
    func stop() { Self.stop(process, input: input, name: name) }

    private static func stop(_ process: Process, input: Pipe, name: String) {
        try? input.fileHandleForWriting.close()
        func exited(within seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            return !process.isRunning
        }
        if exited(within: 20) { return }
        FileHandle.standardError.write(Data("\(name): still running 20 s after its input closed; SIGTERM\n".utf8))
        process.terminate()
        if exited(within: 5) { return }
        kill(process.processIdentifier, SIGKILL)
        _ = exited(within: 5)
    }
}

/// `megatorrent-bench --tracker-server DB`: the tracker child of the fan-out benchmark. It runs a
/// TrackerServer with the default configuration on 127.0.0.1 (port 0), exactly as
/// `megatorrent serve --listen 127.0.0.1:0 --db DB` does, without the CLI's other code loaded, and
/// deletes the database when it stops.
func runTrackerServerChild(databasePath: String) -> Never {
    let server = TrackerServer()
    let started = DispatchSemaphore(value: 0)
    let failure = Mutex<String?>(nil)
    Task {
        do {
            try await server.start(host: "127.0.0.1", port: 0, databasePath: databasePath)
        } catch {
            failure.withLock { $0 = "\(error)" }
        }
        started.signal()
    }
    started.wait()
    if let failure = failure.withLock({ $0 }) {
        FileHandle.standardError.write(Data("tracker child: \(failure)\n".utf8))
        exit(1)
    }
    FileHandle.standardOutput.write(Data("listening on 127.0.0.1:\(server.port ?? 0)\n".utf8))
    // Until the benchmark closes our input (or exits): a read returns 0 at end of file.
    var byte: UInt8 = 0
    while read(0, &byte, 1) > 0 {}
    let stopped = DispatchSemaphore(value: 0)
    Task {
        try? await server.shutdown()
        stopped.signal()
    }
    _ = stopped.wait(timeout: .now() + 15)
    for suffix in ["", "-wal", "-shm", "-journal"] { unlink(databasePath + suffix) }
    exit(0)
}
