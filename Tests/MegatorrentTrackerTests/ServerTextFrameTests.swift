import NIOCore
import NIOEmbedded
import NIOWebSocket
import XCTest

@testable import MegatorrentTracker

/// The frame made once per broadcast: its header by the RFC's three length forms, read back by
/// SwiftNIO's own frame decoder, and the held message's payload view.
final class ServerTextFrameTests: XCTestCase {
    func testHeaderForEachLengthForm() {
        for (count, header) in [
            (0, [0x81, 0]), (125, [0x81, 125]), (126, [0x81, 126, 0, 126]), (65_535, [0x81, 126, 0xFF, 0xFF]),
            (65_536, [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]),
        ] as [(Int, [UInt8])] {
            let frame = ServerTextFrame.encode([UInt8](repeating: 0x61, count: count))
            XCTAssertEqual(frame.readableBytes, header.count + count, "\(count)")
            XCTAssertEqual(frame.getBytes(at: frame.readerIndex, length: header.count), header, "\(count)")
            XCTAssertEqual(ServerTextFrame.headerLength(payload: count), header.count, "\(count)")
            XCTAssertEqual(ServerTextFrame.headerLength(of: frame), header.count, "\(count)")
        }
    }

    func testNIODecoderReadsTheFrame() throws {
        for count in [1, 125, 126, 1_755, 70_000] {
            let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
            try channel.writeInbound(ServerTextFrame.encode(payload))
            let frame = try XCTUnwrap(try channel.readInbound(as: WebSocketFrame.self))
            XCTAssertTrue(frame.fin)
            XCTAssertEqual(frame.opcode, .text)
            XCTAssertNil(frame.maskKey)
            XCTAssertEqual(Array(frame.unmaskedData.readableBytesView), payload)
            XCTAssertTrue(try channel.finish().isClean)
        }
    }

    func testHeldMessageIsThePayload() {
        for count in [3, 200, 66_000] {
            let message = [UInt8](repeating: 0x7B, count: count)
            let held = SubscriptionRegistry.Held(sequence: 9, message: message)
            XCTAssertEqual(Array(held.message.readableBytesView), message)
            XCTAssertEqual(held.frame.readableBytes, ServerTextFrame.headerLength(payload: count) + count)
        }
    }
}
