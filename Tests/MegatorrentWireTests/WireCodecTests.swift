import MegatorrentWire
import XCTest

final class WireCodecTests: XCTestCase {
    private let key = ChannelKey([UInt8](repeating: 0xab, count: 32))!

    func testEveryMessageRoundTrips() throws {
        let record4 = try XCTUnwrap(PeerRecord(address: [127, 0, 0, 1], port: 4000, staticKey: [UInt8](repeating: 7, count: 32)))
        let record6 = try XCTUnwrap(PeerRecord(address: [UInt8](repeating: 0, count: 15) + [1], port: 65535, staticKey: [UInt8](repeating: 9, count: 32)))
        let messages: [WireMessage] = [
            .hello(.init(minVersion: 1, maxVersion: 3, listenPort: 7000, flags: WireMessage.Hello.relayFlag)),
            .follow([]), .follow([key, ChannelKey([UInt8](repeating: 1, count: 32))!]),
            .manifest(Array(#"{"a":1}"#.utf8)), .getPeers, .peers([]), .peers([record4, record6]),
            .goodbye(code: GoodbyeCode.penalised, reason: "too many forged manifests"), .unknown(type: 0x7f),
        ]
        for message in messages {
            XCTAssertEqual(try WireCodec.decode(try WireCodec.encode(message)), message)
        }
        XCTAssertEqual(record4.host, "127.0.0.1")
        XCTAssertEqual(record6.host, "0:0:0:0:0:0:0:1")
        XCTAssertEqual(key.hex, String(repeating: "ab", count: 32))
    }

    func testTheLayoutIsTheDocumentedOne() throws {
        // docs/wire.md: HELLO = 01 | min u16 | max u16 | port u16 | flags u8, big-endian.
        XCTAssertEqual(try WireCodec.encode(.hello(.init(minVersion: 1, maxVersion: 2, listenPort: 0x1f90, flags: 1))),
                       [0x01, 0, 1, 0, 2, 0x1f, 0x90, 1])
        XCTAssertEqual(try WireCodec.encode(.peers([PeerRecord(address: [10, 0, 0, 2], port: 258, staticKey: [UInt8](repeating: 5, count: 32))!])),
                       [0x05, 1, 4, 10, 0, 0, 2, 1, 2] + [UInt8](repeating: 5, count: 32))
        XCTAssertEqual(try WireCodec.encode(.goodbye(code: 2, reason: "x")), [0x06, 0, 2, 0x78])
    }

    func testMalformedMessagesAreRefused() {
        let refused: [[UInt8]] = [
            [],                                       // empty
            [0x01, 0, 1, 0, 1, 0, 0],                 // hello one byte short
            [0x01, 0, 2, 0, 1, 0, 0, 0],              // min above max
            [0x02, 0, 2] + [UInt8](repeating: 1, count: 63),  // follow: 2 keys announced, 63 bytes
            [0x02, 0x04, 0x01] + [UInt8](repeating: 1, count: 32 * 1025),  // over maxFollowed
            [0x03],                                   // empty manifest
            [0x04, 0],                                // getPeers with a body
            [0x05, 1, 5] + [UInt8](repeating: 0, count: 38),  // family 5
            [0x05, 1, 4, 1, 2, 3, 4, 0, 0] + [UInt8](repeating: 0, count: 32),  // port 0
            [0x05, 2, 4, 1, 2, 3, 4, 0, 1] + [UInt8](repeating: 0, count: 32),  // one record of two
            [0x06, 0],                                // goodbye without a code
            [0x06, 0, 1, 0xff, 0xfe],                 // reason not UTF-8
        ]
        for bytes in refused {
            XCTAssertThrowsError(try WireCodec.decode(bytes), "\(bytes.prefix(12))")
        }
        XCTAssertThrowsError(try WireCodec.encode(.manifest([UInt8](repeating: 0x20, count: WireLimits.maxManifestBytes + 1))))
    }

    func testVersionAgreement() {
        let ours = WireMessage.Hello(minVersion: 1, maxVersion: 2)
        XCTAssertEqual(ours.agreedVersion(with: .init(minVersion: 1, maxVersion: 1)), 1)
        XCTAssertEqual(ours.agreedVersion(with: .init(minVersion: 2, maxVersion: 5)), 2)
        XCTAssertNil(ours.agreedVersion(with: .init(minVersion: 3, maxVersion: 4)))
    }

    /// Random bytes never trap the decoder (the fuzz target does this for longer).
    func testRandomBytesDecodeOrThrow() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<80, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !bytes.isEmpty { bytes[0] = UInt8.random(in: 0...7, using: &generator) }
            _ = try? WireCodec.decode(bytes)
        }
    }
}
