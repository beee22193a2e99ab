import XCTest
import MegatorrentCrypto
import MegatorrentNoise
import NIOCore
@testable import MegatorrentSecureTransport

final class SecureSocketTests: XCTestCase {
    private func listener(_ key: X25519.PrivateKey, configuration: SecureTransportConfiguration = SecureTransportConfiguration()) async throws -> SecureListener {
        try await SecureListener.bind(host: "127.0.0.1", port: 0, localStatic: key, configuration: configuration)
    }

    /// Messages of many sizes both ways; each side knows the other's static key; a clean close
    /// ends the peer's stream with nil.
    func testExchangeBothWays() async throws {
        let serverKey = try X25519.PrivateKey.generate(), clientKey = try X25519.PrivateKey.generate()
        let server = try await listener(serverKey)
        let sizes = [0, 1, 100, RecordLayer.cellDataCapacity, RecordLayer.cellDataCapacity + 1, 1 << 20, 3_000_000]
        let echo = Task {
            var iterator = server.connections.makeAsyncIterator()
            let next = await iterator.next()
            let socket = try XCTUnwrap(next)
            XCTAssertEqual(socket.remoteStatic, clientKey.publicKey)
            for try await message in socket.messages { try await socket.send(message.reversed()) }
            return socket.handshakeHash
        }
        let client = try await SecureSocket.connect(host: "127.0.0.1", port: server.port, localStatic: clientKey, remoteStatic: serverKey.publicKey)
        XCTAssertEqual(client.remoteStatic, serverKey.publicKey)
        for size in sizes {
            let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ size) }
            try await client.send(message)
            let answer = try await client.receive()
            XCTAssertEqual(answer, message.reversed(), "size \(size)")
        }
        try await client.rekey()
        try await client.send([1, 2, 3])
        let afterRekey = try await client.receive()
        XCTAssertEqual(afterRekey, [3, 2, 1])
        await client.close()
        let serverHash = try await echo.value
        XCTAssertEqual(serverHash, client.handshakeHash)
        do {
            try await client.send([1])
            XCTFail("send after close")
        } catch { XCTAssertEqual(error as? SecureTransportError, .closed) }
        await server.close()
    }

    /// The initiator expects key A; the listener holds B: no connection is accepted and the
    /// initiator's connect fails.
    func testWrongStaticKeyRefused() async throws {
        let a = try X25519.PrivateKey.generate(), b = try X25519.PrivateKey.generate()
        let server = try await listener(b)
        do {
            _ = try await SecureSocket.connect(host: "127.0.0.1", port: server.port, localStatic: X25519.PrivateKey.generate(), remoteStatic: a.publicKey)
            XCTFail("handshake with the wrong key succeeded")
        } catch {
            XCTAssertEqual(error as? SecureTransportError, .closedDuringHandshake)
        }
        await server.close()
        var accepted = 0
        for await _ in server.connections { accepted += 1 }
        XCTAssertEqual(accepted, 0)
    }

    /// A recorded initiation sent again on a new connection gets no response and is closed.
    func testReplayedInitiationRefused() async throws {
        let serverKey = try X25519.PrivateKey.generate(), clientKey = try X25519.PrivateKey.generate()
        let server = try await listener(serverKey)
        let initiation = NoiseFraming.frame(try InitiatorHandshake(localStatic: clientKey, remoteStatic: serverKey.publicKey).initiation())
        let first = try await RawClient.connect(port: server.port)
        try await first.send(initiation)
        let response = try await first.waitForBytes(2 + SecureProfile.responseLength)
        XCTAssertEqual(response.count, 2 + SecureProfile.responseLength)
        await first.close()

        let replay = try await RawClient.connect(port: server.port)
        try await replay.send(initiation)
        let closed = await replay.closedWithin(seconds: 5)
        XCTAssertTrue(closed)
        XCTAssertEqual(replay.received, [], "no response to a replay")
        await server.close()
    }

    /// After a handshake by hand, a record with one changed byte closes the connection and the
    /// server's socket reports the failed record.
    func testFlippedByteClosesConnection() async throws {
        let serverKey = try X25519.PrivateKey.generate(), clientKey = try X25519.PrivateKey.generate()
        let server = try await listener(serverKey)
        let handshake = try InitiatorHandshake(localStatic: clientKey, remoteStatic: serverKey.publicKey)
        let raw = try await RawClient.connect(port: server.port)
        try await raw.send(NoiseFraming.frame(handshake.initiation()))
        let response = try await raw.waitForBytes(2 + SecureProfile.responseLength)
        let records = try handshake.consumeResponse(Array(response.dropFirst(2)))
        var iterator = server.connections.makeAsyncIterator()
        let next = await iterator.next()
        let accepted = try XCTUnwrap(next)

        var framed: [UInt8] = []
        try records.sealMessage(Array("fine".utf8), into: &framed)
        try await raw.send(framed)
        let fine = try await accepted.receive()
        XCTAssertEqual(fine, Array("fine".utf8))

        framed = []
        try records.sealMessage(Array("tampered".utf8), into: &framed)
        framed[500] ^= 0x40
        try await raw.send(framed)
        do {
            _ = try await accepted.receive()
            XCTFail("a tampered record was accepted")
        } catch {
            XCTAssertEqual(error as? SecureTransportError, .recordFailed(.decryptionFailed))
        }
        let closed = await raw.closedWithin(seconds: 5)
        XCTAssertTrue(closed)
        await server.close()
    }

    /// Oversized, empty and non-protocol frames close the connection at once.
    func testGarbageFramesClose() async throws {
        let server = try await listener(X25519.PrivateKey.generate())
        for garbage: [UInt8] in [[0xff, 0xff] + [UInt8](repeating: 0, count: 64), [0x00, 0x00], Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), [0x00, 0x05, 1, 2, 3, 4, 5]] {
            let raw = try await RawClient.connect(port: server.port)
            try await raw.send(garbage)
            let closed = await raw.closedWithin(seconds: 5)
            XCTAssertTrue(closed, "garbage \(garbage.prefix(8)) did not close the connection")
            XCTAssertEqual(raw.received, [])
        }
        await server.close()
    }

    /// A connection that never finishes its handshake is closed after the handshake timeout.
    func testHalfOpenConnectionTimesOut() async throws {
        var configuration = SecureTransportConfiguration()
        configuration.handshakeTimeout = .milliseconds(300)
        let server = try await listener(X25519.PrivateKey.generate(), configuration: configuration)
        let silent = try await RawClient.connect(port: server.port)
        let partial = try await RawClient.connect(port: server.port)
        try await partial.send([0x00, 0x6c, 1, 2, 3])  // announces 108 bytes, sends 3
        let start = ContinuousClock.now
        let silentClosed = await silent.closedWithin(seconds: 5)
        let partialClosed = await partial.closedWithin(seconds: 5)
        XCTAssertTrue(silentClosed)
        XCTAssertTrue(partialClosed)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(3))
        await server.close()
    }

    /// Beyond `maxConcurrentHandshakes` unfinished handshakes, new connections are closed at once;
    /// once those time out, connecting works again.
    func testConcurrentHandshakesAreBounded() async throws {
        var configuration = SecureTransportConfiguration()
        configuration.maxConcurrentHandshakes = 3
        configuration.handshakeTimeout = .milliseconds(500)
        let serverKey = try X25519.PrivateKey.generate()
        let server = try await listener(serverKey, configuration: configuration)
        var silent: [RawClient] = []
        for _ in 0..<3 { silent.append(try await RawClient.connect(port: server.port)) }
        try await Task.sleep(for: .milliseconds(50))
        let extra = try await RawClient.connect(port: server.port)
        let refused = await extra.closedWithin(seconds: 0.3)
        XCTAssertTrue(refused, "a fourth concurrent handshake is refused")
        for client in silent {
            let closed = await client.closedWithin(seconds: 3)
            XCTAssertTrue(closed)
        }
        let socket = try await SecureSocket.connect(
            host: "127.0.0.1", port: server.port, localStatic: X25519.PrivateKey.generate(), remoteStatic: serverKey.publicKey, configuration: configuration)
        await socket.close()
        await server.close()
    }

    /// A TCP end without the close record is reported as truncation, not as a clean end.
    func testTruncationReported() async throws {
        let serverKey = try X25519.PrivateKey.generate(), clientKey = try X25519.PrivateKey.generate()
        let server = try await listener(serverKey)
        let handshake = try InitiatorHandshake(localStatic: clientKey, remoteStatic: serverKey.publicKey)
        let raw = try await RawClient.connect(port: server.port)
        try await raw.send(NoiseFraming.frame(handshake.initiation()))
        _ = try await raw.waitForBytes(2 + SecureProfile.responseLength)
        var iterator = server.connections.makeAsyncIterator()
        let next = await iterator.next()
        let accepted = try XCTUnwrap(next)
        await raw.close()
        do {
            _ = try await accepted.receive()
            XCTFail("expected truncation")
        } catch { XCTAssertEqual(error as? SecureTransportError, .truncated) }
        await server.close()
    }

    /// 50 clients at once against one listener, each exchanging messages.
    func testFiftyConcurrentPeers() async throws {
        let serverKey = try X25519.PrivateKey.generate()
        let server = try await listener(serverKey)
        let serverTask = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var count = 0
                for await socket in server.connections {
                    group.addTask {
                        for try await message in socket.messages { try await socket.send(socket.remoteStatic + message) }
                    }
                    count += 1
                    if count == 50 { break }
                }
                try await group.waitForAll()
            }
        }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<50 {
                group.addTask {
                    let key = try X25519.PrivateKey.generate()
                    let socket = try await SecureSocket.connect(host: "127.0.0.1", port: server.port, localStatic: key, remoteStatic: serverKey.publicKey)
                    for round in 0..<10 {
                        let message = [UInt8(n), UInt8(round)] + [UInt8](repeating: UInt8(n), count: 5000)
                        try await socket.send(message)
                        let answer = try await socket.receive()
                        XCTAssertEqual(answer, key.publicKey + message)
                    }
                    await socket.close()
                }
            }
            try await group.waitForAll()
        }
        try await serverTask.value
        print("50 peers x 10 round trips: \(ContinuousClock.now - start)")
        await server.close()
    }
}
