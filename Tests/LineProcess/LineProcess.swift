import Foundation

/// A child process spoken to one line at a time (commands on its stdin, answers on its stdout), every wait bounded.
/// ``stop()`` (also run by `deinit`) closes its stdin and kills it when it has not exited within 5 s. Shared by the
/// test targets and the benchmarks (a target of its own: test support imports XCTest, the benchmarks must not).
public final class LineProcess: @unchecked Sendable {
    /// What went wrong talking to the child.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The child's name in messages.
    public let name: String
    private let process = Process()
    private let input = Pipe()
    private let lock = NSLock()
    private var lines: [String] = []
    private var ended = false
    private let arrived = DispatchSemaphore(value: 0)

    /// Starts `executable arguments…` (with `environment` added to ours); its stderr goes to ours.
    public init(name: String, executable: String, arguments: [String], environment: [String: String] = [:]) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let reader = output.fileHandleForReading
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                pending.append(data)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    lock.withLock { lines.append(line) }
                    arrived.signal()
                }
            }
            lock.withLock { ended = true }
            arrived.signal()
        }
    }

    deinit { stop() }

    /// The next line the child prints, waiting at most `timeout` seconds.
    public func readLine(timeout: Double) throws -> String {
        let deadline = DispatchTime.now() + timeout
        while true {
            let (line, over): (String?, Bool) = lock.withLock {
                if !lines.isEmpty { return (lines.removeFirst(), false) }
                return (nil, ended)
            }
            if let line { return line }
            if over { throw Failure(description: "\(name) exited without answering") }
            if arrived.wait(timeout: deadline) == .timedOut {
                throw Failure(description: "\(name) did not answer within \(timeout) s")
            }
        }
    }

    /// Writes `line` and a newline to the child's stdin.
    public func send(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Sends `line` and returns the next line as a JSON object.
    public func request(_ line: String, timeout: Double) throws -> [String: Any] {
        try send(line)
        let answer = try readLine(timeout: timeout)
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any] else {
            throw Failure(description: "\(name) answered \(line.split(separator: " ").first ?? "") with \(answer)")
        }
        return object
    }

    /// Sends SIGTERM and waits for the exit (SIGKILL after 20 s); returns the exit status. For long-running
    /// commands that stop cleanly on a signal.
    @discardableResult
    public func terminate() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Kills the child at once (SIGKILL, a crash as far as it can tell) and waits for it.
    public func killImmediately() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Closes the child's stdin and waits 5 s for it to exit, then kills it (SIGKILL). Idempotent.
    public func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
