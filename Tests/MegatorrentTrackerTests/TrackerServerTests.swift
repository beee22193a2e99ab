import MegatorrentCrypto
import MegatorrentJSON
import MegatorrentManifest
import MegatorrentState
import NIOCore
import NIOPosix
import NIOWebSocket
import XCTest

@testable import MegatorrentTracker

final class TrackerServerTests: XCTestCase {
    var folder: (path: String, remove: () -> Void)!
    var databasePath: String { folder.path + "/state.sqlite" }

    override func setUpWithError() throws { folder = try temporaryFolder("server") }
    override func tearDownWithError() throws { folder.remove() }

    /// publish → ack → a live subscriber gets it; a late subscriber gets the held one at once.
    func testPublishAckLiveAndLateSubscribers() async throws {
        let server = try await startServer(databasePath: databasePath)
        let port = try XCTUnwrap(server.port)
        let key = try Ed25519.PrivateKey.generate()
        let hex = key.publicKey.hex
        let manifest = try makeManifest(key, sequence: 1)

        let live = try await TestSocket.connect(port: port)
        try await live.send(.subscribe(key: hex))
        let subscribed = await live.nextMessage()
        XCTAssertEqual(subscribed, .subscribed(key: hex))

        let publisher = try await TestSocket.connect(port: port)
        try await publisher.send(.publish(manifest: manifest.jsonBytes))
        let stored = await publisher.nextMessage()
        XCTAssertEqual(stored, .stored(key: hex, sequence: 1))
        let pushed = await live.nextMessage()
        XCTAssertEqual(pushed, .manifest(key: hex, manifest: manifest.jsonBytes))

        let late = try await TestSocket.connect(port: port)
        try await late.send(.subscribe(key: "magnet:?xs=urn:btpk:\(hex)"))
        let lateAck = await late.nextMessage()
        let held = await late.nextMessage()
        XCTAssertEqual(lateAck, .subscribed(key: hex))
        XCTAssertEqual(held, .manifest(key: hex, manifest: manifest.jsonBytes))

        // A newer one reaches both; an unsubscribed socket gets nothing more.
        try await late.send(.unsubscribe(key: hex))
        let unsubscribed = await late.nextMessage()
        XCTAssertEqual(unsubscribed, .unsubscribed(key: hex))
        let second = try makeManifest(key, sequence: 2)
        try await publisher.send(.publish(manifest: second.jsonBytes))
        let secondStored = await publisher.nextMessage()
        XCTAssertEqual(secondStored, .stored(key: hex, sequence: 2))
        let secondPushed = await live.nextMessage()
        XCTAssertEqual(secondPushed, .manifest(key: hex, manifest: second.jsonBytes))
        let nothing = await late.nextMessage(timeout: .milliseconds(300))
        XCTAssertNil(nothing)

        try await server.shutdown()
    }

    /// Stale (code 17) and forged (code 15) manifests are refused; the socket stays usable.
    func testStaleAndBadSignatureRefused() async throws {
        let server = try await startServer(databasePath: databasePath)
        let socket = try await TestSocket.connect(port: try XCTUnwrap(server.port))
        let key = try Ed25519.PrivateKey.generate()
        let hex = key.publicKey.hex

        try await socket.send(.publish(manifest: try makeManifest(key, sequence: 5).jsonBytes))
        let stored = await socket.nextMessage()
        XCTAssertEqual(stored, .stored(key: hex, sequence: 5))
        for sequence: UInt64 in [5, 4] {
            try await socket.send(.publish(manifest: try makeManifest(key, sequence: sequence).jsonBytes))
            guard case .failure(let failure)? = await socket.nextMessage() else {
                return XCTFail("stale \(sequence) not refused")
            }
            XCTAssertEqual(failure.code, 17)
            XCTAssertEqual(failure.action, "publish")
            XCTAssertEqual(failure.key, hex)
        }

        let forged = String(decoding: try makeManifest(key, sequence: 6).jsonBytes, as: UTF8.self)
            .replacingOccurrences(of: "\"title\":\"v6\"", with: "\"title\":\"v7\"")
        try await socket.send(#"{"action":"publish","manifest":\#(forged)}"#)
        guard case .failure(let failure)? = await socket.nextMessage() else { return XCTFail("forgery not refused") }
        XCTAssertEqual(failure.code, Int(ManifestError.badSignature.code))
        XCTAssertEqual(failure.code, 15)

        try await socket.send(#"{"action":"publish","manifest":"a string"}"#)
        guard case .failure(let notObject)? = await socket.nextMessage() else {
            return XCTFail("string manifest not refused")
        }
        XCTAssertEqual(notObject.code, Int(ManifestError.notAnObject.code))

        try await socket.send(.publish(manifest: try makeManifest(key, sequence: 6).jsonBytes))
        let sixth = await socket.nextMessage()
        XCTAssertEqual(sixth, .stored(key: hex, sequence: 6))
        try await server.shutdown()
    }

    /// Garbage and unknown actions get a failure reason with code 100; the socket stays usable.
    func testGarbageAndUnknownActions() async throws {
        let server = try await startServer(databasePath: databasePath)
        let socket = try await TestSocket.connect(port: try XCTUnwrap(server.port))
        let hex = try Ed25519.PrivateKey.generate().publicKey.hex

        for (text, action) in [
            ("}{ not json", nil), ("[1,2]", nil), (#"{"action":"dance","key":"x"}"#, "dance"),
            (#"{"action":"subscribe","key":"nope"}"#, "subscribe"),
        ] as [(String, String?)] {
            try await socket.send(text)
            let json = await socket.nextJSON()
            guard case .string(let reason)? = json?["failure reason"] else {
                return XCTFail("no failure reason for \(text)")
            }
            XCTAssertFalse(reason.isEmpty)
            XCTAssertEqual(json?["code"], .number(100), text)
            XCTAssertEqual(json?["action"], action.map { .string($0) }, text)
        }
        try await socket.send(.subscribe(key: hex))
        let subscribed = await socket.nextMessage()
        XCTAssertEqual(subscribed, .subscribed(key: hex))
        try await server.shutdown()
    }

    /// A frame over the limit closes that socket with 1009; the server keeps serving others.
    func testOversizedFrameClosesOnlyThatSocket() async throws {
        let server = try await startServer(databasePath: databasePath)
        let port = try XCTUnwrap(server.port)
        let bystander = try await TestSocket.connect(port: port)
        let offender = try await TestSocket.connect(port: port)

        // The header of a masked text frame announcing 2 MiB, and a few bytes of it.
        var header: [UInt8] = [0x81, 0x80 | 127]
        withUnsafeBytes(of: UInt64(2 << 20).bigEndian) { header += $0 }
        header += [1, 2, 3, 4] + Array("{\"action\":".utf8)
        try await offender.sendRaw(header)
        let code = await offender.closeCode()
        XCTAssertEqual(code, 1009)
        let closed = await offender.closes()
        XCTAssertTrue(closed)

        // A message just over the limit, sent whole, also closes its socket.
        let whole = try await TestSocket.connect(port: port)
        try? await whole.send(String(repeating: " ", count: server.configuration.maxFrameSize + 1))
        let wholeClosed = await whole.closes()
        XCTAssertTrue(wholeClosed)

        let hex = try Ed25519.PrivateKey.generate().publicKey.hex
        try await bystander.send(.subscribe(key: hex))
        let subscribed = await bystander.nextMessage()
        XCTAssertEqual(subscribed, .subscribed(key: hex))
        let fresh = try await TestSocket.connect(port: port)
        try await fresh.send(.subscribe(key: hex))
        let freshSubscribed = await fresh.nextMessage()
        XCTAssertEqual(freshSubscribed, .subscribed(key: hex))
        try await server.shutdown()
    }

    /// Ack after commit: a manifest acknowledged by one server object is served by a new one on
    /// the same database file.
    func testAcknowledgedManifestSurvivesRestart() async throws {
        let key = try Ed25519.PrivateKey.generate()
        let hex = key.publicKey.hex
        let manifest = try makeManifest(key, sequence: 42)
        do {
            let server = try await startServer(databasePath: databasePath)
            let socket = try await TestSocket.connect(port: try XCTUnwrap(server.port))
            try await socket.send(.publish(manifest: manifest.jsonBytes))
            let stored = await socket.nextMessage()
            XCTAssertEqual(stored, .stored(key: hex, sequence: 42))
            try await server.shutdown(grace: .zero)
        }
        let restarted = try await startServer(databasePath: databasePath)
        let subscriber = try await TestSocket.connect(port: try XCTUnwrap(restarted.port))
        try await subscriber.send(.subscribe(key: hex))
        let ack = await subscriber.nextMessage()
        let held = await subscriber.nextMessage()
        XCTAssertEqual(ack, .subscribed(key: hex))
        XCTAssertEqual(held, .manifest(key: hex, manifest: manifest.jsonBytes))
        // And the held sequence still refuses a replay after the restart.
        try await subscriber.send(.publish(manifest: manifest.jsonBytes))
        guard case .failure(let failure)? = await subscriber.nextMessage() else { return XCTFail("replay not refused") }
        XCTAssertEqual(failure.code, 17)
        try await restarted.shutdown()
    }

    /// 1,000 idle WebSockets do not keep a subscriber from getting updates.
    func testIdleSocketsDoNotStopUpdates() async throws {
        let server = try await startServer(databasePath: databasePath)
        let port = try XCTUnwrap(server.port)
        var idle: [TestSocket] = []
        for _ in 0..<1000 { idle.append(try await TestSocket.connect(port: port)) }
        let key = try Ed25519.PrivateKey.generate()
        let hex = key.publicKey.hex
        let subscriber = try await TestSocket.connect(port: port)
        try await subscriber.send(.subscribe(key: hex))
        let ack = await subscriber.nextMessage()
        XCTAssertEqual(ack, .subscribed(key: hex))
        let publisher = try await TestSocket.connect(port: port)
        for sequence: UInt64 in 1...3 {
            let manifest = try makeManifest(key, sequence: sequence)
            try await publisher.send(.publish(manifest: manifest.jsonBytes))
            let stored = await publisher.nextMessage()
            XCTAssertEqual(stored, .stored(key: hex, sequence: sequence))
            let pushed = await subscriber.nextMessage()
            XCTAssertEqual(pushed, .manifest(key: hex, manifest: manifest.jsonBytes))
        }
        let metrics = try await HTTPTestClient.get(port: port, "/metrics")
        XCTAssertTrue(metrics.text.contains("megatorrent_tracker_websockets 1002"), metrics.text)
        XCTAssertTrue(metrics.text.contains("megatorrent_tracker_publishes_total 3"))
        XCTAssertTrue(idle.allSatisfy { $0.channel.isActive })
        for socket in idle { await socket.close() }
        try await server.shutdown()
    }

    /// Subscriptions per socket and publishes per key are limited with their codes.
    func testLimits() async throws {
        let configuration = testConfiguration {
            $0.maxSubscriptionsPerSocket = 2
            $0.publishesPerKey = RateLimit(perMinute: 0.001, burst: 2)
        }
        let server = try await startServer(databasePath: databasePath, configuration: configuration)
        let socket = try await TestSocket.connect(port: try XCTUnwrap(server.port))
        let keys = try (0..<3).map { _ in try Ed25519.PrivateKey.generate() }
        for key in keys.prefix(2) {
            try await socket.send(.subscribe(key: key.publicKey.hex))
            let ack = await socket.nextMessage()
            XCTAssertEqual(ack, .subscribed(key: key.publicKey.hex))
        }
        try await socket.send(.subscribe(key: keys[2].publicKey.hex))
        guard case .failure(let tooMany)? = await socket.nextMessage() else {
            return XCTFail("third subscription taken")
        }
        XCTAssertEqual(tooMany.code, 102)

        let publisher = try await TestSocket.connect(port: try XCTUnwrap(server.port))
        for sequence: UInt64 in 1...2 {
            try await publisher.send(.publish(manifest: try makeManifest(keys[2], sequence: sequence).jsonBytes))
            let stored = await publisher.nextMessage()
            XCTAssertEqual(stored, .stored(key: keys[2].publicKey.hex, sequence: sequence))
        }
        try await publisher.send(.publish(manifest: try makeManifest(keys[2], sequence: 3).jsonBytes))
        guard case .failure(let limited)? = await publisher.nextMessage() else { return XCTFail("over the key's rate") }
        XCTAssertEqual(limited.code, 101)
        // A replay is refused as stale without spending the key's tokens.
        try await publisher.send(.publish(manifest: try makeManifest(keys[2], sequence: 1).jsonBytes))
        guard case .failure(let stale)? = await publisher.nextMessage() else { return XCTFail("replay taken") }
        XCTAssertEqual(stale.code, 17)
        try await server.shutdown()
    }

    /// Pings are answered; shutdown sends close 1001 and /health turns 503 first.
    func testPingAndGracefulShutdown() async throws {
        let server = try await startServer(databasePath: databasePath)
        let port = try XCTUnwrap(server.port)
        let health = try await HTTPTestClient.get(port: port, "/health")
        XCTAssertEqual(health.status, .ok)
        XCTAssertEqual(health.text, "ok\n")
        let socket = try await TestSocket.connect(port: port)
        try await socket.channel.writeAndFlush(
            WebSocketFrame(
                fin: true, opcode: .ping, maskKey: .random(), data: socket.channel.allocator.buffer(string: "hi")))
        let pong = await socket.frames.next()
        XCTAssertEqual(pong?.opcode, .pong)
        XCTAssertEqual(pong.map { String(buffer: $0.unmaskedData) }, "hi")
        try await server.shutdown()
        let code = await socket.closeCode()
        XCTAssertEqual(code, 1001)
        do {
            _ = try await HTTPTestClient.get(port: port, "/health")
            XCTFail("still listening after shutdown")
        } catch {}
    }

    /// The idle timeout closes a silent WebSocket.
    func testIdleTimeoutClosesSilentSocket() async throws {
        let server = try await startServer(
            databasePath: databasePath, configuration: testConfiguration { $0.idleTimeout = .milliseconds(200) })
        let socket = try await TestSocket.connect(port: try XCTUnwrap(server.port))
        let code = await socket.closeCode()
        XCTAssertEqual(code, 1001)
        try await server.shutdown()
    }

    /// A subscriber that stops reading is dropped once its unsent bytes pass the limit; the
    /// publisher and the server carry on.
    func testSlowReaderIsDropped() async throws {
        let configuration = testConfiguration {
            $0.maxPendingBytes = 256 << 10
            $0.publishesPerKey = RateLimit(perMinute: 60_000, burst: 1000)
            $0.publishesPerAddress = RateLimit(perMinute: 60_000, burst: 1000)
        }
        let server = try await startServer(databasePath: databasePath, configuration: configuration)
        let port = try XCTUnwrap(server.port)
        let key = try Ed25519.PrivateKey.generate()
        let hex = key.publicKey.hex
        let slow = try await TestSocket.connect(port: port)
        try await slow.send(.subscribe(key: hex))
        let ack = await slow.nextMessage()
        XCTAssertEqual(ack, .subscribed(key: hex))
        try await slow.channel.setOption(.autoRead, value: false).get()

        let publisher = try await TestSocket.connect(port: port)
        var dropped = false
        var published: UInt64 = 0
        for sequence: UInt64 in 1...60 where !dropped {
            try await publisher.send(
                .publish(manifest: try makeManifest(key, sequence: sequence, items: 4000).jsonBytes))
            let stored = await publisher.nextMessage(timeout: .seconds(30))
            XCTAssertEqual(stored, .stored(key: hex, sequence: sequence))
            published = sequence
            let metrics = try await HTTPTestClient.get(port: port, "/metrics")
            dropped = metrics.text.contains("megatorrent_tracker_closes_total{reason=\"slow_reader\"} 1")
        }
        XCTAssertTrue(dropped, "still not dropped after \(published) manifests of about 250 KB")
        try await slow.channel.setOption(.autoRead, value: true).get()
        let closed = await slow.closes()
        XCTAssertTrue(closed)
        try await server.shutdown()
    }

    /// Past the connection limit, an upgrade and a plain request get 503 with code 103.
    func testConnectionLimit() async throws {
        let server = try await startServer(
            databasePath: databasePath, configuration: testConfiguration { $0.maxConnections = 2 })
        let port = try XCTUnwrap(server.port)
        let first = try await TestSocket.connect(port: port)
        let second = try await TestSocket.connect(port: port)
        do {
            _ = try await TestSocket.connect(port: port)
            XCTFail("a third WebSocket was taken")
        } catch {
            XCTAssertEqual(error as? WebSocketDialer.Failure, .notUpgraded)
        }
        let busy = try await HTTPTestClient.get(port: port, "/announce")
        XCTAssertEqual(busy.status, .serviceUnavailable)
        XCTAssertEqual(
            try TrackerCodec.decodeServerMessage(busy.body),
            .failure(TrackerFailure(code: 103, reason: "server busy: too many connections")))
        await first.close()
        // Once the server has seen the close, there is room again.
        var third: TestSocket?
        for _ in 0..<100 where third == nil {
            third = try? await TestSocket.connect(port: port)
            if third == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        XCTAssertNotNil(third)
        await third?.close()
        await second.close()
        try await server.shutdown()
    }

    /// A message in fragments is joined before it is read.
    func testFragmentedMessage() async throws {
        let server = try await startServer(databasePath: databasePath)
        let socket = try await TestSocket.connect(port: try XCTUnwrap(server.port))
        let hex = try Ed25519.PrivateKey.generate().publicKey.hex
        let text = String(decoding: TrackerCodec.encode(ClientMessage.subscribe(key: hex)), as: UTF8.self)
        let cut = text.index(text.startIndex, offsetBy: 20)
        let channel = socket.channel
        try await channel.eventLoop.flatSubmit {
            channel.write(
                WebSocketFrame(
                    fin: false, opcode: .text, maskKey: .random(),
                    data: channel.allocator.buffer(string: String(text[..<cut]))), promise: nil)
            return channel.writeAndFlush(
                WebSocketFrame(
                    fin: true, opcode: .continuation, maskKey: .random(),
                    data: channel.allocator.buffer(string: String(text[cut...]))))
        }.get()
        let ack = await socket.nextMessage()
        XCTAssertEqual(ack, .subscribed(key: hex))
        try await server.shutdown()
    }

    /// One manifest reaches 50 subscribers on several event loops, each publish in order.
    func testFanOutToManySubscribers() async throws {
        let server = try await startServer(databasePath: databasePath)
        let port = try XCTUnwrap(server.port)
        let key = try Ed25519.PrivateKey.generate()
        let hex = key.publicKey.hex
        var subscribers: [TestSocket] = []
        for _ in 0..<50 {
            let socket = try await TestSocket.connect(port: port)
            try await socket.send(.subscribe(key: hex))
            let ack = await socket.nextMessage()
            XCTAssertEqual(ack, .subscribed(key: hex))
            subscribers.append(socket)
        }
        let publisher = try await TestSocket.connect(port: port)
        for sequence: UInt64 in 1...5 {
            try await publisher.send(.publish(manifest: try makeManifest(key, sequence: sequence).jsonBytes))
            let stored = await publisher.nextMessage()
            XCTAssertEqual(stored, .stored(key: hex, sequence: sequence))
        }
        for socket in subscribers {
            for sequence: UInt64 in 1...5 {
                guard case .manifest(_, let bytes)? = await socket.nextMessage() else { return XCTFail("missing \(sequence)") }
                XCTAssertEqual(try ManifestVerifier.verify(bytes).sequence, sequence)
            }
        }
        let metrics = try await HTTPTestClient.get(port: port, "/metrics")
        XCTAssertTrue(metrics.text.contains("megatorrent_tracker_manifests_sent_total 250"), metrics.text)
        XCTAssertTrue(metrics.text.contains("megatorrent_tracker_subscriptions 50"))
        try await server.shutdown()
    }
}
