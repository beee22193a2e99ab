import MegatorrentCrypto
import MegatorrentJSON
import MegatorrentManifest
import NIOCore
import XCTest

@testable import MegatorrentTracker

final class TrackerCodecTests: XCTestCase {
    func decodeClient(_ text: String) -> Result<ClientMessage, TrackerProtocolError> {
        Result { () throws(TrackerProtocolError) in try TrackerCodec.decodeClientMessage(Array(text.utf8)) }
    }

    func testClientMessagesRoundTrip() throws {
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeManifest(key, sequence: 3)
        let hex = key.publicKey.hex
        for message in [
            ClientMessage.publish(manifest: manifest.jsonBytes), .subscribe(key: hex), .unsubscribe(key: hex),
        ] {
            XCTAssertEqual(try TrackerCodec.decodeClientMessage(TrackerCodec.encode(message)), message)
        }
        XCTAssertEqual(
            try decodeClient(#"{"key":"magnet:?xs=urn:btpk:\#(hex)","action":"subscribe"}"#).get(),
            .subscribe(key: hex),
            "a magnet link is normalized to the hex id")
        XCTAssertEqual(
            try decodeClient(#"{"action":"subscribe","key":"\#(hex.uppercased())"}"#).get(), .subscribe(key: hex))
        // Whitespace and member order do not matter; the manifest comes out canonical.
        let spaced = "{ \"manifest\" : \(manifest.jsonString) ,\n \"action\":\"publish\" }"
        XCTAssertEqual(try decodeClient(spaced).get(), .publish(manifest: manifest.jsonBytes))
    }

    func testClientMessageErrors() throws {
        let cases: [(String, TrackerProtocolError)] = [
            ("[]", .notAnObject),
            ("{}", .missingAction),
            (#"{"action":5}"#, .missingAction),
            (#"{"action":"dance"}"#, .unknownAction("dance")),
            (#"{"action":"subscribe"}"#, .missingField(action: "subscribe", field: "key")),
            (#"{"action":"subscribe","key":"abc"}"#, .invalidKey(action: "subscribe")),
            (#"{"action":"unsubscribe","key":7}"#, .invalidKey(action: "unsubscribe")),
            (#"{"action":"publish"}"#, .missingField(action: "publish", field: "manifest")),
            (#"{"action":"subscribe","action":"publish"}"#, .malformedJSON(.duplicateKey("action"))),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(decodeClient(text).failure, expected, text)
        }
        guard case .malformedJSON = decodeClient("not json").failure else {
            return XCTFail("garbage is malformed JSON")
        }
        XCTAssertEqual(TrackerFailure(TrackerProtocolError.unknownAction("dance")).code, 100)
        XCTAssertEqual(TrackerFailure(TrackerProtocolError.unknownAction("dance")).action, "dance")
        // Escapes are decoded before the action is read; a combining mark makes another action
        // (compared by code points, not by Swift's canonical-equivalence ==).
        XCTAssertEqual(
            decodeClient(#"{"action":"publi\u0073h"}"#).failure, .missingField(action: "publish", field: "manifest"))
        XCTAssertEqual(decodeClient(#"{"action":"s\u0075bscribe\u0301"}"#).failure, .unknownAction("subscribe\u{301}"))
    }

    func testServerMessagesRoundTripAndAreCanonical() throws {
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeManifest(key, sequence: 9)
        let hex = key.publicKey.hex
        let messages: [ServerMessage] = [
            .stored(key: hex, sequence: 9), .subscribed(key: hex), .unsubscribed(key: hex),
            .manifest(key: hex, manifest: manifest.jsonBytes),
            .failure(TrackerFailure(code: 17, reason: "stale", action: "publish", key: hex)),
            .failure(TrackerFailure(code: 100, reason: "malformed JSON: x")),
        ]
        for message in messages {
            let bytes = TrackerCodec.encode(message)
            XCTAssertEqual(try TrackerCodec.decodeServerMessage(bytes), message)
            XCTAssertEqual(try CanonicalJSON.canonicalize(bytes), bytes, "server messages are RFC 8785 canonical")
        }
        XCTAssertEqual(
            String(decoding: TrackerCodec.encode(.stored(key: hex, sequence: 9)), as: UTF8.self),
            #"{"action":"publish","key":"\#(hex)","sequence":9,"status":"stored"}"#)
        XCTAssertEqual(
            String(
                decoding: TrackerCodec.encode(
                    .failure(TrackerFailure(code: 101, reason: "slow down", action: "publish"))), as: UTF8.self),
            #"{"action":"publish","code":101,"failure reason":"slow down"}"#)
    }

    func testServerMessageErrors() {
        func decode(_ text: String) -> TrackerProtocolError? {
            Result { () throws(TrackerProtocolError) in try TrackerCodec.decodeServerMessage(Array(text.utf8)) }.failure
        }
        let hex = String(repeating: "ab", count: 32)
        XCTAssertEqual(
            decode(#"{"action":"publish","key":"\#(hex)","sequence":1.5,"status":"stored"}"#),
            .invalidField(action: "publish", field: "sequence", expected: "an integer from 0 to 2^53-1"))
        XCTAssertEqual(
            decode(#"{"action":"subscribe","key":"\#(hex)","status":"nope"}"#),
            .invalidField(action: "subscribe", field: "status", expected: "\"subscribed\""))
        XCTAssertEqual(
            decode(#"{"failure reason":7}"#),
            .invalidField(action: "failure", field: "failure reason", expected: "a string"))
        XCTAssertEqual(decode(#"{"action":"hello"}"#), .unknownAction("hello"))
    }

    /// A small deterministic fuzz: mutated and truncated messages never trap, and whatever decodes
    /// encodes back to something that decodes to the same message.
    func testMutatedInputNeverTraps() throws {
        let key = try Ed25519.PrivateKey.generate()
        let seeds: [[UInt8]] = [
            TrackerCodec.encode(.publish(manifest: try makeManifest(key, sequence: 1).jsonBytes)),
            TrackerCodec.encode(.subscribe(key: key.publicKey.hex)),
            TrackerCodec.encode(
                ServerMessage.manifest(key: key.publicKey.hex, manifest: try makeManifest(key, sequence: 2).jsonBytes)),
            TrackerCodec.encode(ServerMessage.failure(TrackerFailure(code: 3, reason: "x", action: "publish"))),
        ]
        var random = SplitMix64(seed: 0x6d65_6761)
        let interesting: [UInt8] = Array("{}[]\":,\\0123456789eE+-.tfn ".utf8) + [0, 0x7f, 0x80, 0xc3, 0xff]
        for round in 0..<3000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0...Int(random.next() % 4) {
                let position = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[position] = interesting[Int(random.next() % UInt64(interesting.count))]
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(interesting[Int(random.next() % UInt64(interesting.count))], at: position)
                default: bytes = Array(bytes[..<position])
                }
                if bytes.isEmpty { bytes = [UInt8(ascii: "{")] }
            }
            if let message = try? TrackerCodec.decodeClientMessage(bytes) {
                XCTAssertEqual(try TrackerCodec.decodeClientMessage(TrackerCodec.encode(message)), message)
            }
            if let message = try? TrackerCodec.decodeServerMessage(bytes) {
                XCTAssertEqual(try TrackerCodec.decodeServerMessage(TrackerCodec.encode(message)), message)
            }
        }
    }

    func testOversizedMessageIsRefusedBeforeParsing() {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: TrackerCodec.maxMessageBytes + 1)
        XCTAssertEqual(
            Result { () throws(TrackerProtocolError) in try TrackerCodec.decodeClientMessage(big) }.failure,
            .tooLarge(bytes: TrackerCodec.maxMessageBytes + 1))
    }

    func testBackoffIsBoundedAndJittered() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2, jitter: 0.5)
        var random = SplitMix64(seed: 1)
        for attempt in 0..<100 {
            let delay = backoff.delay(attempt: attempt, using: &random)
            let ceiling =
                attempt >= 5 ? TimeAmount.seconds(2).nanoseconds : TimeAmount.milliseconds(100).nanoseconds << attempt
            XCTAssertLessThanOrEqual(delay.nanoseconds, ceiling)
            XCTAssertGreaterThanOrEqual(delay.nanoseconds, ceiling / 2)
        }
        let delays = Set((0..<20).map { _ in backoff.delay(attempt: 10, using: &random).nanoseconds })
        XCTAssertGreaterThan(delays.count, 1, "jittered")
    }

    func testEndpointURLs() throws {
        XCTAssertEqual(
            try TrackerEndpoint(url: "ws://tracker.example:8080/"), TrackerEndpoint(host: "tracker.example", port: 8080)
        )
        XCTAssertEqual(try TrackerEndpoint(url: "ws://127.0.0.1"), TrackerEndpoint(host: "127.0.0.1", port: 80))
        XCTAssertEqual(
            try TrackerEndpoint(url: "ws://[::1]:9000/ws"), TrackerEndpoint(host: "::1", port: 9000, path: "/ws"))
        XCTAssertEqual(TrackerEndpoint(host: "::1", port: 9000).description, "ws://[::1]:9000/")
        XCTAssertEqual(
            try TrackerEndpoint(url: "wss://tracker.example/"),
            TrackerEndpoint(host: "tracker.example", port: 443, isSecure: true))
        XCTAssertEqual(
            try TrackerEndpoint(url: "WSS://[::1]:8443/t"), TrackerEndpoint(host: "::1", port: 8443, path: "/t", isSecure: true))
        XCTAssertEqual(TrackerEndpoint(host: "h", port: 443, isSecure: true).description, "wss://h:443/")
        XCTAssertTrue(TrackerEndpoint(host: "127.0.0.1", port: 1).hostIsIPAddress)
        XCTAssertTrue(TrackerEndpoint(host: "::1", port: 1).hostIsIPAddress)
        XCTAssertFalse(TrackerEndpoint(host: "localhost", port: 1).hostIsIPAddress)
        XCTAssertFalse(TrackerEndpoint(host: "1.2.3.example", port: 1).hostIsIPAddress)
        XCTAssertThrowsError(try TrackerEndpoint(url: "https://tracker.example/"))
        XCTAssertThrowsError(try TrackerEndpoint(url: "wss://:443/"))
        XCTAssertThrowsError(try TrackerEndpoint(url: "ws://host:99999/"))
    }
}

/// A small deterministic generator for reproducible fuzzing.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
