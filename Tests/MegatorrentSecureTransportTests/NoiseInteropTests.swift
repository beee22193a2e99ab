import Foundation
import XCTest
import MegatorrentCrypto
import MegatorrentNoise
import Synchronization
@testable import MegatorrentSecureTransport

/// tests/interop/noise_peer.py (PyPI noiseprotocol, an independent Noise implementation) as a
/// child process.
final class PythonNoisePeer: Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tests/interop/noise_peer.py").path
    /// The interpreter scripts/setup.sh installs noiseprotocol for: $PYTHON, else the first
    /// `python3` on PATH (not necessarily /usr/bin/python3).
    static let python: String = {
        let environment = ProcessInfo.processInfo.environment
        if let python = environment["PYTHON"] { return python }
        let directories = (environment["PATH"] ?? "/usr/bin").split(separator: ":")
        let found = directories.map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        return found ?? "/usr/bin/python3"
    }()

    private let process: Process
    private final class Text: Sendable {
        let value = Mutex("")
    }
    private let output = Text()
    private let errors = Text()

    init(_ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.script] + arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        for (pipe, sink) in [(stdout, output), (stderr, errors)] {
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread {
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    sink.value.withLock { $0 += String(decoding: data, as: UTF8.self) }
                }
            }
        }
    }

    /// The first output line starting with `prefix`, without it (waits up to 10 s).
    func line(startingWith prefix: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let line = output.value.withLock({ $0 }).split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line.dropFirst(prefix.count))
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SecureTransportError.connectionFailed("python peer printed no \(prefix) line; stderr: \(errors.value.withLock { $0 })")
    }

    /// Waits for the child to exit and returns its status (kills it after 10 s).
    func exitStatus() async -> Int32 {
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var stderr: String { errors.value.withLock { $0 } }
}

final class NoiseInteropTests: XCTestCase {
    override func setUp() async throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: PythonNoisePeer.python)
        check.arguments = ["-c", "import noise.connection"]
        try check.run()
        check.waitUntilExit()
        // Not a skip: the test command installs noiseprotocol, so its absence is a failure.
        guard check.terminationStatus == 0 else {
            XCTFail("\(PythonNoisePeer.python) has no PyPI noiseprotocol; run scripts/setup.sh")
            throw CancellationError()
        }
    }

    private func hexKey(_ key: X25519.PrivateKey) -> String {
        key.rawRepresentation.withUnsafeBytes { Hex.encode(Array($0)) }
    }

    /// The messages both sides send: small, one cell exactly, several cells, 200 KiB.
    private let messages: [[UInt8]] = [
        Array("one".utf8), [], [UInt8](repeating: 0x41, count: RecordLayer.cellDataCapacity),
        (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }, [UInt8](repeating: 7, count: 200_000), Array("after rekey".utf8),
    ]

    /// Talks to the Python peer: its greeting first, then each message echoed (the peer rekeys
    /// after the third), then a clean close both ways.
    private func converse(_ socket: SecureSocket) async throws {
        let greeting = try await socket.receive()
        XCTAssertEqual(greeting, Array("hello from python".utf8))
        for message in messages {
            try await socket.send(message)
            let echo = try await socket.receive()
            XCTAssertEqual(echo, Array("echo:".utf8) + message)
        }
        await socket.close()
    }

    /// Python (noiseprotocol) initiates; our SecureListener responds.
    func testPythonInitiatorOurResponder() async throws {
        let serverKey = try X25519.PrivateKey.generate(), pythonKey = try X25519.PrivateKey.generate()
        let listener = try await SecureListener.bind(host: "127.0.0.1", port: 0, localStatic: serverKey)
        let peer = try PythonNoisePeer(["initiator", "--key", hexKey(pythonKey), "--remote", Hex.encode(serverKey.publicKey), "--port", "\(listener.port)"])
        var iterator = listener.connections.makeAsyncIterator()
        let next = await iterator.next()
        let socket = try XCTUnwrap(next)
        XCTAssertEqual(socket.remoteStatic, pythonKey.publicKey, "the listener learnt Python's static key")
        try await converse(socket)
        let status = await peer.exitStatus()
        XCTAssertEqual(status, 0, peer.stderr)
        await listener.close()
    }

    /// Our SecureSocket initiates; Python (noiseprotocol) responds.
    func testOurInitiatorPythonResponder() async throws {
        let pythonKey = try X25519.PrivateKey.generate(), clientKey = try X25519.PrivateKey.generate()
        let peer = try PythonNoisePeer(["responder", "--key", hexKey(pythonKey)])
        let address = try await peer.line(startingWith: "listening on 127.0.0.1:")
        let port = try XCTUnwrap(Int(address.trimmingCharacters(in: .whitespaces)))
        let socket = try await SecureSocket.connect(host: "127.0.0.1", port: port, localStatic: clientKey, remoteStatic: pythonKey.publicKey)
        let seen = try await peer.line(startingWith: "peer ")
        XCTAssertEqual(seen, Hex.encode(clientKey.publicKey), "Python learnt our static key")
        try await converse(socket)
        let status = await peer.exitStatus()
        XCTAssertEqual(status, 0, peer.stderr)
    }
}
