import XCTest
import MegatorrentCrypto
@_spi(NoiseTesting) @testable import MegatorrentNoise

/// A completed handshake between two fresh keys.
func handshake(
    initiatorKey: X25519.PrivateKey? = nil, responderKey: X25519.PrivateKey? = nil, replayGuard: ReplayGuard = ReplayGuard(),
    maxMessageSize: Int = RecordLayer.defaultMaxMessageSize
) throws -> (initiator: RecordLayer, responder: RecordLayer) {
    let initiatorKey = try initiatorKey ?? X25519.PrivateKey.generate()
    let responderKey = try responderKey ?? X25519.PrivateKey.generate()
    let initiator = try InitiatorHandshake(localStatic: initiatorKey, remoteStatic: responderKey.publicKey)
    let responder = try ResponderHandshake(localStatic: responderKey, replayGuard: replayGuard)
    let (initiatorStatic, _) = try responder.consumeInitiation(initiator.initiation())
    XCTAssertEqual(initiatorStatic, initiatorKey.publicKey)
    let (response, responderRecords) = try responder.response(maxMessageSize: maxMessageSize)
    let initiatorRecords = try initiator.consumeResponse(response, maxMessageSize: maxMessageSize)
    XCTAssertEqual(initiatorRecords.handshakeHash, responderRecords.handshakeHash)
    return (initiatorRecords, responderRecords)
}

/// Opens every frame of `framed` and returns the events.
func openAll(_ layer: RecordLayer, _ framed: [UInt8]) throws -> [RecordLayer.Event] {
    var parser = NoiseFraming.Parser(maxBodyLength: RecordLayer.recordLength)
    parser.append(framed)
    var events: [RecordLayer.Event] = []
    while let record = try parser.next() { events.append(try layer.open(record: record)) }
    return events
}

final class SecureProfileTests: XCTestCase {
    func testHandshakeSizesAndRoundTrip() throws {
        let (initiator, responder) = try handshake()
        XCTAssertEqual(SecureProfile.initiationLength, 108)
        XCTAssertEqual(SecureProfile.responseLength, 48)
        for size in [0, 1, RecordLayer.cellDataCapacity - 1, RecordLayer.cellDataCapacity, RecordLayer.cellDataCapacity + 1, 1 << 20] {
            let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            var framed: [UInt8] = []
            try initiator.sealMessage(message, into: &framed)
            let cells = max(1, (size + RecordLayer.cellDataCapacity - 1) / RecordLayer.cellDataCapacity)
            XCTAssertEqual(framed.count, cells * RecordLayer.frameLength, "every record has the same length on the wire")
            let events = try openAll(responder, framed)
            XCTAssertEqual(events.last, .message(message))
            XCTAssertEqual(events.dropLast().filter { $0 != .partial }, [])
        }
        var back: [UInt8] = []
        try responder.sealMessage(Array("pong".utf8), into: &back)
        XCTAssertEqual(try openAll(initiator, back), [.message(Array("pong".utf8))])
    }

    /// The same initiation twice: the second is refused; a later timestamp is accepted.
    func testReplayedInitiationRefused() throws {
        let initiatorKey = try X25519.PrivateKey.generate(), responderKey = try X25519.PrivateKey.generate()
        let replayGuard = ReplayGuard()
        let stamp = TAI64NTimestamp(seconds: 1_800_000_000, nanoseconds: 0)
        let message = try InitiatorHandshake(localStatic: initiatorKey, remoteStatic: responderKey.publicKey, timestamp: stamp).initiation()
        _ = try ResponderHandshake(localStatic: responderKey, replayGuard: replayGuard).consumeInitiation(message)
        XCTAssertThrowsError(try ResponderHandshake(localStatic: responderKey, replayGuard: replayGuard).consumeInitiation(message)) {
            XCTAssertEqual($0 as? NoiseError, .replayedInitiation)
        }
        // A fresh initiation with the same (not newer) timestamp is refused too.
        let same = try InitiatorHandshake(localStatic: initiatorKey, remoteStatic: responderKey.publicKey, timestamp: stamp).initiation()
        XCTAssertThrowsError(try ResponderHandshake(localStatic: responderKey, replayGuard: replayGuard).consumeInitiation(same))
        let later = try InitiatorHandshake(
            localStatic: initiatorKey, remoteStatic: responderKey.publicKey, timestamp: TAI64NTimestamp(seconds: 1_800_000_000, nanoseconds: 1 << 24)
        ).initiation()
        XCTAssertNoThrow(try ResponderHandshake(localStatic: responderKey, replayGuard: replayGuard).consumeInitiation(later))
    }

    func testReplayGuardIsBounded() throws {
        let replayGuard = ReplayGuard(capacity: 100)
        for n in 0..<10_000 {
            try replayGuard.accept(TAI64NTimestamp(seconds: 1, nanoseconds: 0), from: [UInt8(n & 0xff), UInt8(n >> 8)])
        }
        XCTAssertEqual(replayGuard.count, 100)
        // The most recent keys are still remembered.
        XCTAssertThrowsError(try replayGuard.accept(TAI64NTimestamp(seconds: 1, nanoseconds: 0), from: [UInt8(9_999 & 0xff), UInt8(9_999 >> 8)]))
        // One key accepted many times does not grow memory.
        for n in 0..<10_000 { try replayGuard.accept(TAI64NTimestamp(seconds: UInt64(2 + n), nanoseconds: 0), from: [1]) }
        XCTAssertEqual(replayGuard.count, 100)
    }

    /// The initiator expects key A; the responder holds B: the responder cannot decrypt message 1.
    func testWrongStaticKeyRefused() throws {
        let a = try X25519.PrivateKey.generate(), b = try X25519.PrivateKey.generate()
        let initiator = try InitiatorHandshake(localStatic: X25519.PrivateKey.generate(), remoteStatic: a.publicKey)
        let responder = try ResponderHandshake(localStatic: b, replayGuard: ReplayGuard())
        XCTAssertThrowsError(try responder.consumeInitiation(initiator.initiation())) { XCTAssertEqual($0 as? NoiseError, .decryptionFailed) }
        XCTAssertThrowsError(try responder.response()) { XCTAssertEqual($0 as? NoiseError, .failedEarlier) }
    }

    /// Another prologue (protocol version, here the previous one) refuses the handshake.
    func testOtherVersionRefused() throws {
        let responderKey = try X25519.PrivateKey.generate()
        let other = try HandshakeState(
            protocolName: SecureProfile.protocolName, role: .initiator, prologue: Array("megatorrent/noise/1".utf8),
            localStatic: X25519.PrivateKey.generate(), remoteStatic: responderKey.publicKey)
        let message = try other.writeMessage(payload: TAI64NTimestamp.now().bytes)
        XCTAssertThrowsError(try ResponderHandshake(localStatic: responderKey, replayGuard: ReplayGuard()).consumeInitiation(message)) {
            XCTAssertEqual($0 as? NoiseError, .decryptionFailed)
        }
    }

    /// A changed byte anywhere in a record fails authentication, and the record layer stays failed.
    func testFlippedByteFails() throws {
        for position in [0, 1, 2, 100, RecordLayer.frameLength - 1] {
            let (initiator, responder) = try handshake()
            var framed: [UInt8] = []
            try initiator.sealMessage(Array("hello".utf8), into: &framed)
            framed[position] ^= 0x01
            XCTAssertThrowsError(try openAll(responder, framed), "position \(position)")
            var again: [UInt8] = []
            try initiator.sealMessage(Array("x".utf8), into: &again)
            XCTAssertThrowsError(try openAll(responder, again)) { _ in }
        }
    }

    /// Records rekey every `rekeyInterval` records on both sides, and after a rekey cell.
    func testRekeySchedule() throws {
        let (send, receive) = try rawTransport()
        let a = RecordLayer(send: send.0, receive: receive.0, handshakeHash: [], rekeyInterval: 3)
        let b = RecordLayer(send: receive.1, receive: send.1, handshakeHash: [], rekeyInterval: 3)
        var framed: [UInt8] = []
        for n in 0..<10 { try a.sealMessage([UInt8(n)], into: &framed) }
        try a.sealRekey(into: &framed)
        try a.sealMessage([42], into: &framed)
        try a.sealClose(into: &framed)
        let events = try openAll(b, framed)
        XCTAssertEqual(events, (0..<10).map { .message([UInt8($0)]) } + [.rekeyed, .message([42]), .closed])
        XCTAssertThrowsError(try a.sealMessage([1], into: &framed))
        // 10 messages + rekey cell + 1 + close: the receive side rekeyed after records 3, 6, 9
        // and after the rekey cell, in step with the sender, or nothing would have opened.
        XCTAssertEqual(a.nonces.send, 13)
    }

    func testOversizedMessages() throws {
        let (initiator, responder) = try handshake(maxMessageSize: 10_000)
        var framed: [UInt8] = []
        XCTAssertThrowsError(try initiator.sealMessage([UInt8](repeating: 1, count: 10_001), into: &framed)) {
            XCTAssertEqual($0 as? NoiseError, .applicationMessageTooLarge(10_001))
        }
        XCTAssertNoThrow(try initiator.sealMessage([UInt8](repeating: 1, count: 10_000), into: &framed))
        XCTAssertEqual(try openAll(responder, framed).last, .message([UInt8](repeating: 1, count: 10_000)))
        var parser = NoiseFraming.Parser(maxBodyLength: RecordLayer.recordLength)
        parser.append([0xff, 0xff, 1, 2, 3])
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual($0 as? NoiseError, .messageTooLarge(65_535)) }
        var empty = NoiseFraming.Parser()
        empty.append([0, 0])
        XCTAssertThrowsError(try empty.next())
    }

    /// Two fresh transports sharing keys: ((aSend, bReceive), (aReceive, bSend)).
    private func rawTransport() throws -> ((CipherState, CipherState), (CipherState, CipherState)) {
        let k1 = try SecureBytes.random(count: 32), k2 = try SecureBytes.random(count: 32)
        return ((try CipherState(key: k1), try CipherState(key: k1)), (try CipherState(key: k2), try CipherState(key: k2)))
    }
}
