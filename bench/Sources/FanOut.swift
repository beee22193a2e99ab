// The fan-out benchmark (issue 4): one publish to N subscribed WebSocket connections on loopback,
// timed until every subscriber has the manifest, and the server's resident memory per idle
// subscriber; against a minimal Python `websockets` broadcast server (bench/baselines/ws_broadcast.py)
// driven by the same client in the same run.
import Foundation
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTracker
import NIOCore
import NIOPosix

/// What one server did.
struct FanOutResult {
    /// Seconds from writing each publish to the last subscriber having its manifest.
    var fanOut: [Double]
    /// Per publish, seconds from writing it to the publisher's acknowledgement and to the first
    /// subscriber having the manifest.
    var acknowledged: [Double], first: [Double]
    /// Per publish, CPU seconds (user and system) the server and this client spent from just before
    /// the publish until the last subscriber had it (the server's in 10 ms ticks).
    var serverCPU: [Double], clientCPU: [Double]
    /// Server VmRSS with only the publisher connected, and with every subscriber subscribed (KiB).
    var residentBefore: Int, residentAfter: Int
    var subscribers: Int
    var setupSeconds: Double
    /// Messages that matched only once decoded (not byte for byte).
    var decodedMatches: Int

    var kibPerSubscriber: Double { Double(residentAfter - residentBefore) / Double(subscribers) }
}

/// Waits for `future` at most `seconds`.
func waitBounded<T: Sendable>(_ future: EventLoopFuture<T>, seconds: Double, _ what: String) throws -> T {
    let done = DispatchSemaphore(value: 0)
    future.whenComplete { _ in done.signal() }
    guard done.wait(timeout: .now() + seconds) == .success else { throw BenchError("timed out after \(Int(seconds)) s: \(what)") }
    return try future.wait()
}

/// Polls `condition` every millisecond for at most `seconds`.
func poll(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = DispatchTime.now() + seconds
    while !condition() {
        if DispatchTime.now() >= deadline { return false }
        usleep(1_000)
    }
    return true
}

/// Closes every connection that was opened and waits (at most 30 s) for them to be closed.
func closeAll(_ connects: [EventLoopFuture<any Channel>], group: any EventLoopGroup) {
    let closed = connects.map { connect in
        connect.flatMap { channel in channel.close().recover { _ in } }.recover { _ in }
    }
    _ = try? waitBounded(EventLoopFuture.andAllComplete(closed, on: group.next()), seconds: 30, "closing connections")
}

/// IP_BIND_ADDRESS_NO_PORT: a socket bound to a source address gets its port at connect, by the
/// whole address pair, rather than at bind, by the port alone. Without it, binding takes longer
/// and longer as earlier runs leave tens of thousands of sockets in TIME_WAIT.
let bindAddressNoPort = ChannelOptions.Types.SocketOption(
    level: NIOBSDSocket.OptionLevel(rawValue: CInt(IPPROTO_IP)), name: NIOBSDSocket.Option(rawValue: CInt(IP_BIND_ADDRESS_NO_PORT)))

/// Opens the publisher and `subscribers` subscriber connections to `server`, measures its memory,
/// then publishes each manifest in turn and times its fan-out. Closes every connection it opened.
///
/// With `drainOnly`, each publish is written while every event loop of this client is held, and
/// the loops are let go only once the server has used no CPU for 0.2 s (it has written every
/// message): `fanOut` is then the time from letting them go to the last subscriber having the
/// manifest, what this client alone needs to read them, with no server running beside it.
func fanOutRun(
    server: ServerProcess, key: String, manifests: [[UInt8]], subscribers: Int, group: MultiThreadedEventLoopGroup,
    drainOnly: Bool = false
) throws -> FanOutResult {
    let port = server.port
    let harness = FanOutHarness(key: key, port: port, subscribers: subscribers, manifests: manifests, window: 128)
    var connects: [EventLoopFuture<any Channel>] = []
    defer { closeAll(connects, group: group) }

    let ready = group.next().makePromise(of: Void.self)
    let publisherConnect = ClientBootstrap(group: group)
        .connectTimeout(.seconds(10))
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(BenchSocketHandler(harness: harness, role: .publisher(ready: ready)))
            }
        }
        .connect(host: "127.0.0.1", port: port)
    connects.append(publisherConnect)
    let publisher = try waitBounded(publisherConnect, seconds: 15, "\(server.name): publisher connect")
    try waitBounded(ready.futureResult, seconds: 15, "\(server.name): publisher handshake")
    usleep(300_000)
    guard let before = server.residentKiB else { throw BenchError("\(server.name): no VmRSS") }

    // Subscribers, spread over source addresses 127.0.0.2… (at most 1,000 each) so no address runs
    // out of ephemeral ports; at most 128 between connect and acknowledgement at a time.
    let sources = max(4, (subscribers + 999) / 1000)
    let setupStart = DispatchTime.now().uptimeNanoseconds
    for index in 0..<subscribers {
        guard harness.window.wait(timeout: .now() + 30) == .success else {
            throw BenchError("\(server.name): no subscription acknowledged for 30 s (\(harness.subscribed.load(ordering: .relaxed)) so far)")
        }
        if harness.failures.load(ordering: .relaxed) > 0 { break }
        let source = try SocketAddress(ipAddress: "127.0.0.\(2 + index % sources)", port: 0)
        let connect = ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(bindAddressNoPort, value: 1)
            .connectTimeout(.seconds(10))
            .bind(to: source)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BenchSocketHandler(harness: harness, role: .subscriber))
                }
            }
            .connect(host: "127.0.0.1", port: port)
        connect.whenFailure { error in
            harness.fail("connect: \(error)")
            harness.window.signal()
        }
        connects.append(connect)
    }
    let allIn = poll(seconds: 60) {
        harness.failures.load(ordering: .relaxed) > 0 || harness.subscribed.load(ordering: .relaxed) == subscribers
    }
    if let failure = harness.failure {
        throw BenchError("\(server.name): \(harness.failures.load(ordering: .relaxed)) connection(s) failed; first: \(failure)")
    }
    guard allIn else { throw BenchError("\(server.name): only \(harness.subscribed.load(ordering: .relaxed)) of \(subscribers) subscribed within 60 s") }
    let setupSeconds = Double(DispatchTime.now().uptimeNanoseconds - setupStart) / 1e9
    usleep(500_000)
    guard let after = server.residentKiB else { throw BenchError("\(server.name): no VmRSS") }

    var fanOut: [Double] = [], acknowledged: [Double] = [], first: [Double] = []
    var serverCPU: [Double] = [], clientCPU: [Double] = []
    for round in manifests.indices {
        let serverBefore = server.cpuSeconds, clientBefore = processCPUSeconds()
        let publish: @Sendable () -> Void = {
            guard let context = try? publisher.pipeline.syncOperations.context(handlerType: BenchSocketHandler.self) else { return }
            (context.handler as! BenchSocketHandler).publish(context: context, round: round)
        }
        let state = harness.rounds[round]
        if drainOnly {
            let held = DispatchSemaphore(value: 0), gate = DispatchSemaphore(value: 0)
            let loops = Array(group.makeIterator())
            for loop in loops {
                loop.execute {
                    if loop === publisher.eventLoop { publish() }
                    held.signal()
                    gate.wait()
                }
            }
            for _ in loops { held.wait() }
            usleep(500_000)
            var cpu = server.cpuSeconds
            for _ in 0..<100 {
                usleep(200_000)
                let now = server.cpuSeconds
                if now == cpu { break }
                cpu = now
            }
            serverCPU.append(server.cpuSeconds - serverBefore)
            state.publishedAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
            for _ in loops { gate.signal() }
        } else {
            publisher.eventLoop.execute(publish)
        }
        let done = poll(seconds: 60) {
            harness.failures.load(ordering: .relaxed) > 0
                || (state.finishedAt.load(ordering: .acquiring) != 0 && state.storedAt.load(ordering: .acquiring) != 0)
        }
        if let failure = harness.failure { throw BenchError("\(server.name): publish \(round + 1): \(failure)") }
        guard done else {
            throw BenchError("\(server.name): publish \(round + 1): \(state.arrived.load(ordering: .relaxed)) of \(subscribers) got the manifest within 60 s")
        }
        if !drainOnly { serverCPU.append(server.cpuSeconds - serverBefore) }
        clientCPU.append(processCPUSeconds() - clientBefore)
        let published = state.publishedAt.load(ordering: .acquiring)
        fanOut.append(Double(state.finishedAt.load(ordering: .acquiring) - published) / 1e9)
        acknowledged.append(Double(state.storedAt.load(ordering: .acquiring) - published) / 1e9)
        first.append(Double(state.firstAt.load(ordering: .acquiring) - published) / 1e9)
        usleep(200_000)
    }
    return FanOutResult(fanOut: fanOut, acknowledged: acknowledged, first: first, serverCPU: serverCPU, clientCPU: clientCPU, residentBefore: before, residentAfter: after, subscribers: subscribers, setupSeconds: setupSeconds,
        decodedMatches: harness.decodedMatches.load(ordering: .relaxed))
}

/// CPU seconds (user and system) this process has used.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// CPU seconds the hypervisor took from this machine (the `steal` column of /proc/stat).
func stealSeconds() -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
        let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
    else { return 0 }
    let fields = line.split(separator: " ")
    guard fields.count > 8, let steal = Double(fields[8]) else { return 0 }
    return steal / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Raises the soft limit of open files to the hard one (children inherit it); returns the limit.
func raiseOpenFileLimit() -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return Int(clamping: limit.rlim_cur)
}

/// The Python baseline's script: beside this source's folder, or under the working directory.
func baselineScript(_ name: String) throws -> String {
    let besideSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("baselines/\(name)").path
    for path in [besideSource, FileManager.default.currentDirectoryPath + "/bench/baselines/\(name)"]
    where FileManager.default.fileExists(atPath: path) {
        return path
    }
    throw BenchError("cannot find bench/baselines/\(name)")
}

/// One publish to 10,000 (1,000 with --quick) subscribers of one channel: our tracker against the
/// Python baseline, and our tracker's memory per idle subscriber against its 10 KiB budget.
///
/// Each server runs as a child process, one after the other, driven by the same client (two event
/// loop threads in this process, on the same machine). After the compared phases, two more measure
/// the ceiling on this machine and are printed, not judged: the same client against a raw SwiftNIO
/// broadcast server (RawBroadcastServer.swift), and this client alone reading messages that were
/// written while its event loops were held (`drainOnly`). Fan-out time is from writing the publish to
/// the last subscriber having read the manifest message (ours verifies and commits it first; the
/// baseline does neither), the median over several publishes of successive versions in a phase,
/// of the better of two phases per server (one with --quick). Memory is the
/// growth of the server's VmRSS from "publisher connected" to "every subscriber acknowledged and
/// idle for 0.5 s", divided by the subscribers.
func fanOutBenchmark(quick: Bool) throws -> [Report] {
    // At most 9 publishes a phase: the tracker takes a burst of 10 per channel key, then 30 a minute.
    let subscribers = quick ? 1_000 : 10_000, rounds = quick ? 3 : 5
    let files = raiseOpenFileLimit()
    guard files >= subscribers + 256 else {
        throw BenchError("fan-out: \(subscribers) connections need `ulimit -n` of at least \(subscribers + 256) (it is \(files))")
    }

    // One channel, `rounds` versions of a 10-item manifest.
    let key = try Ed25519.PrivateKey.generate()
    let manifests = try (1...rounds).map { sequence -> [UInt8] in
        let items = (0..<10).map { n -> String in
            let hash = Hex.encode(Digest.hash(.sha256, Array("episode \(n) v\(sequence)".utf8)).prefix(20))
            return "magnet:?xt=urn:btih:\(hash)&dn=Episode%20\(n)&tr=udp%3A%2F%2Ftracker.opentrackr.org%3A1337%2Fannounce"
        }
        let body = ManifestBody(
            publicKey: key.publicKey, sequence: UInt64(sequence), timestamp: 1_763_769_600_000 + UInt64(sequence),
            collections: [ManifestCollection(title: "Season 1", items: items)])
        return try ManifestSigner.sign(body, with: key).jsonBytes
    }
    let channel = key.publicKey.hex
    let messageBytes = TrackerCodec.encode(ServerMessage.manifest(key: channel, manifest: manifests[0])).count

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    defer { try? group.syncShutdownGracefully() }
    func describe(_ name: String, _ result: FanOutResult, steal: Double) {
        func ms(_ values: [Double]) -> String { values.map { String(format: "%.1f", $0 * 1000) }.joined(separator: ", ") }
        let setup = String(format: "%.1f", result.setupSeconds), perSubscriber = String(format: "%.2f", result.kibPerSubscriber)
        var line = "fanout \(name): \(result.subscribers) subscribers connected and acknowledged in \(setup) s; "
        line += "VmRSS \(result.residentBefore) -> \(result.residentAfter) KiB (\(perSubscriber) KiB/subscriber); "
        line += "per publish, ms to the last subscriber: \(ms(result.fanOut)); to the first: \(ms(result.first)); "
        line += "to the publisher's acknowledgement: \(ms(result.acknowledged)); "
        line += "CPU ms, server: \(ms(result.serverCPU)), client: \(ms(result.clientCPU)); "
        line += "CPU stolen by the hypervisor over the phase: \(String(format: "%.0f", steal * 1000)) ms"
        if result.decodedMatches > 0 { line += "; \(result.decodedMatches) messages matched only once decoded" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    // Phases in the order ours, baseline, baseline, ours (--quick: baseline, ours), so that a slow
    // drift of the machine weighs on both alike. Each phase starts a fresh server.
    let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
    let script = try baselineScript("ws_broadcast.py")
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var ours: [FanOutResult] = [], baseline: [FanOutResult] = []
    let order: [Bool] = quick ? [false, true] : [true, false, false, true]  // true: ours
    for (phase, isOurs) in order.enumerated() {
        let server: ServerProcess
        if isOurs {
            // This executable as a tracker child (runTrackerServerChild), with a fresh database
            // that the child deletes when it stops.
            let database = FileManager.default.temporaryDirectory.appendingPathComponent(
                "megatorrent-bench-\(getpid())-\(phase).sqlite").path
            server = try ServerProcess(name: "megatorrent-tracker", executable: executable, arguments: ["--tracker-server", database])
        } else {
            server = try ServerProcess(name: "python-websockets", executable: "/usr/bin/env", arguments: [python, script])
        }
        let stealBefore = stealSeconds()
        let result: FanOutResult
        do {
            defer { server.stop() }
            result = try fanOutRun(server: server, key: channel, manifests: manifests, subscribers: subscribers, group: group)
        }
        describe(server.name, result, steal: stealSeconds() - stealBefore)
        if isOurs { ours.append(result) } else { baseline.append(result) }
    }
    // Interference from outside (this is a shared 2-core machine) slows a whole phase at times, never
    // speeds one up: each server's figure is the median of its better phase.
    func best(_ results: [FanOutResult]) -> Double {
        results.map { result in result.fanOut.sorted()[result.fanOut.count / 2] }.min()!
    }

    // The ceiling, after the compared phases (which keep their order): the same client against
    // the least a SwiftNIO broadcast server can do (RawBroadcastServer.swift), then this client
    // alone reading messages that server wrote while the client's event loops were held.
    var ceiling: [String: Double] = [:]
    for (name, drainOnly) in [("raw-nio-broadcast", false), ("client-drain", true)] {
        let server = try ServerProcess(name: name, executable: executable, arguments: ["--raw-broadcast-server"])
        let stealBefore = stealSeconds()
        let result: FanOutResult
        do {
            defer { server.stop() }
            result = try fanOutRun(
                server: server, key: channel, manifests: manifests, subscribers: subscribers, group: group, drainOnly: drainOnly)
        }
        describe(server.name, result, steal: stealSeconds() - stealBefore)
        ceiling[name] = best([result])
    }
    func kib(_ results: [FanOutResult]) -> Double { results.map(\.kibPerSubscriber).reduce(0, +) / Double(results.count) }
    FileHandle.standardError.write(Data(
        "fanout: manifest message \(messageBytes) bytes; \(rounds) publishes per phase; each server's better phase median is reported\n".utf8))
    let baselineTime = best(baseline), raw = ceiling["raw-nio-broadcast"]!, drain = ceiling["client-drain"]!
    func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
    func ratio(_ value: Double) -> String { String(format: "%.2f", baselineTime / value) }
    FileHandle.standardError.write(Data(
        ("fanout ceiling: the baseline's \(ms(baselineTime)) over the raw NIO broadcast server's \(ms(raw)) = \(ratio(raw)) "
            + "(a SwiftNIO server that does nothing but write one frame made once to each socket, with this client on "
            + "this machine); over the client's own read time of \(ms(drain)) = \(ratio(drain)) (the bound for a "
            + "server whose writes cost nothing)\n").utf8))

    return [
        Report(
            name: "fanout-\(subscribers)-subscribers", ours: best(ours), baseline: best(baseline),
            baselineName: "python-websockets-broadcast", target: 5, unit: .milliseconds),
        Report(
            name: "idle-subscriber-memory-\(subscribers)", ours: max(kib(ours), 0.001), baseline: 10,
            baselineName: "budget", target: 1, unit: .kibPerSubscriber,
            note: "python-websockets-broadcast: \(String(format: "%.2f", kib(baseline))) KiB/subscriber"),
    ]
}
