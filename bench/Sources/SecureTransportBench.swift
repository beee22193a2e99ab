// The secure-transport benchmarks (issue 5): complete IK handshakes per second against PyPI
// noiseprotocol (bench/baselines/noise_handshakes.py), and bulk goodput through SecureSocket over
// loopback against OpenSSL TLS 1.3 with TLS_CHACHA20_POLY1305_SHA256 (bench/baselines/tls_goodput.py),
// each measured in the same run.
import Foundation
import MegatorrentCrypto
import MegatorrentNoise
import MegatorrentSecureTransport
import Synchronization

/// Runs a Python baseline script and decodes its one JSON line.
func runPythonBaseline(_ script: String, _ arguments: [String]) throws -> [String: Any] {
    let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, "bench/baselines/\(script)"] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.standardError
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last,
        let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    else { throw BenchError("\(script) failed (status \(process.terminationStatus)); needs PyPI noiseprotocol (scripts/setup.sh)") }
    return json
}

/// Complete IK handshakes, both sides in this process, as the profile runs them (timestamp in
/// message 1, replay guard, both record layers ready), against noiseprotocol doing the same.
func handshakeBenchmark(quick: Bool) throws -> Report {
    let initiatorKey = try X25519.PrivateKey.generate(), responderKey = try X25519.PrivateKey.generate()
    let replayGuard = ReplayGuard()
    var seconds: UInt64 = 1_800_000_000
    func handshake() {
        seconds += 1
        let initiator = try! InitiatorHandshake(
            localStatic: initiatorKey, remoteStatic: responderKey.publicKey, timestamp: TAI64NTimestamp(seconds: seconds, nanoseconds: 0))
        let responder = try! ResponderHandshake(localStatic: responderKey, replayGuard: replayGuard)
        _ = try! responder.consumeInitiation(initiator.initiation())
        let (response, _) = try! responder.response()
        _ = try! initiator.consumeResponse(response)
    }
    // The X25519 work a handshake cannot avoid (the `ss` DH is cached): two ephemeral keys and six
    // DH results, both sides together. Its time bounds the ratio any handshake code could reach.
    let peerKey = try X25519.PrivateKey.generate().publicKey
    func x25519Floor() {
        for _ in 0..<2 { _ = try! X25519.PrivateKey.generate() }
        for _ in 0..<6 { _ = try! initiatorKey.sharedSecret(with: peerKey) }
    }
    handshake()
    let rounds = quick ? 3 : 7, iterations = quick ? 200 : 1000
    var ours: [Double] = [], baseline: [Double] = [], floor: [Double] = []
    for _ in 0..<3 {
        ours.append(measure(rounds: rounds, iterations: iterations) { handshake() })
        floor.append(measure(rounds: rounds, iterations: iterations) { x25519Floor() })
        let python = try runPythonBaseline("noise_handshakes.py", ["\(rounds)", "\(iterations / 2)"])
        baseline.append(python["seconds_per_handshake"] as! Double)
    }
    // The least disturbed samples (this machine is shared) for the bound: a floor is a minimum.
    let (floorBest, oursBest, baselineBest) = (floor.min()!, ours.min()!, baseline.min()!)
    let bound = String(
        format: "at best, X25519 alone (2 key generations + 6 DH, OpenSSL) %.0f us of our %.0f us, against %.0f us: no handshake code on this OpenSSL beats ratio %.2f",
        floorBest * 1e6, oursBest * 1e6, baselineBest * 1e6, baselineBest / floorBest)
    return Report(
        name: "noise-ik-handshakes", ours: ours.sorted()[1], baseline: baseline.sorted()[1], baselineName: "python-noiseprotocol-ik", target: 3,
        note: bound)
}

/// Bulk goodput: `mebibytes` 1 MiB messages from a SecureSocket to a SecureListener's socket on
/// 127.0.0.1, timed from the first send to the receiver's one-byte answer after the last byte;
/// against TLS 1.3 ChaCha20-Poly1305 moving the same bytes the same way. Figures are seconds per
/// MiB (shown as MiB/s).
func goodputBenchmark(quick: Bool) throws -> Report {
    let mebibytes = quick ? 128 : 512
    var ours: [Double] = [], baseline: [Double] = []
    // CPU milliseconds per MiB, both sides together: a figure that a busy machine does not skew,
    // shown beside the goodput ratio (the target is on goodput).
    var oursCPU: [Double] = [], baselineCPU: [Double] = []
    for _ in 0..<3 {
        let cpuBefore = processCPUSeconds()
        ours.append(try runBlocking { try await secureSocketGoodput(mebibytes: mebibytes) } / Double(mebibytes))
        oursCPU.append((processCPUSeconds() - cpuBefore) * 1000 / Double(mebibytes))
        let tls = try runPythonBaseline("tls_goodput.py", ["\(mebibytes)"])
        baseline.append((tls["seconds"] as! Double) / Double(mebibytes))
        baselineCPU.append((tls["cpu_seconds"] as! Double) * 1000 / Double(mebibytes))
    }
    let cpu = String(format: "CPU ms per MiB, both sides: %.2f ours, %.2f TLS", oursCPU.sorted()[1], baselineCPU.sorted()[1])
    return Report(
        name: "secure-socket-goodput", ours: ours.sorted()[1], baseline: baseline.sorted()[1],
        baselineName: "openssl-tls13-chacha20-poly1305", target: 1.0, unit: .mebibytesPerSecond,
        note: "16 KiB cells, \(mebibytes) MiB in 1 MiB messages over 127.0.0.1; \(cpu)")
}

/// Seconds to move `mebibytes` MiB through one SecureSocket connection.
func secureSocketGoodput(mebibytes: Int) async throws -> Double {
    let serverKey = try X25519.PrivateKey.generate(), clientKey = try X25519.PrivateKey.generate()
    let listener = try await SecureListener.bind(host: "127.0.0.1", port: 0, localStatic: serverKey)
    let total = mebibytes << 20
    let receiver = Task {
        var connections = listener.connections.makeAsyncIterator()
        guard let socket = await connections.next() else { throw BenchError("no connection") }
        var received = 0
        while received < total, let message = try await socket.receive() { received += message.count }
        try await socket.send([1])
        await socket.close()
    }
    let client = try await SecureSocket.connect(host: "127.0.0.1", port: listener.port, localStatic: clientKey, remoteStatic: serverKey.publicKey)
    let message = [UInt8](repeating: 0x5a, count: 1 << 20)
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<mebibytes { try await client.send(message) }
    guard try await client.receive() == [1] else { throw BenchError("no answer from the receiver") }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    try await receiver.value
    await client.close()
    await listener.close()
    return seconds
}
