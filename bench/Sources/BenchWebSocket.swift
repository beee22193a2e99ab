// A lean WebSocket client for the fan-out benchmark: one handler on a bare TCP channel that does the
// opening handshake itself, sends masked text frames and reads unmasked server frames, comparing
// each message with the bytes it expects (memcmp) and decoding it with TrackerCodec only when the
// bytes differ. It holds no HTTP or WebSocket codec handlers, so the client side costs the servers
// under test as little CPU as possible; both servers are driven by this same client.
import Dispatch
import Foundation
import MegatorrentTracker
import NIOCore
import Synchronization

/// One publish's counter and timestamps, shared by every connection's handler.
final class FanOutRound: Sendable {
    /// Subscribers that have the manifest of this round.
    let arrived = Atomic<Int>(0)
    /// When the publish was written, and when the last subscriber had the manifest (uptime ns).
    let publishedAt = Atomic<UInt64>(0)
    let finishedAt = Atomic<UInt64>(0)
    /// When the first subscriber had the manifest, and when the publisher had the `stored`
    /// acknowledgement (uptime ns; 0 until then).
    let firstAt = Atomic<UInt64>(0)
    let storedAt = Atomic<UInt64>(0)
}

/// What every connection of one run shares: the expected bytes (immutable) and the counters.
final class FanOutHarness: Sendable {
    let key: String
    let hostHeader: String
    /// Subscribers that must get each manifest.
    let subscribers: Int
    /// The payload of the subscribe message, and the acknowledgement expected for it.
    let subscribeMessage: [UInt8]
    let acknowledgement: [UInt8]
    /// Per round: the manifest as published (canonical JSON), and the manifest message expected.
    let manifests: [[UInt8]]
    let manifestMessages: [[UInt8]]
    let rounds: [FanOutRound]

    let subscribed = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    /// Messages that were right only once decoded (spelled differently from ours): each cost the
    /// client a JSON parse, so the benchmark reports them.
    let decodedMatches = Atomic<Int>(0)
    /// Each connection holds one slot from connect until its subscription is acknowledged (or it
    /// fails), bounding the handshakes in progress.
    let window: DispatchSemaphore
    private let firstFailure = Mutex<String?>(nil)

    init(key: String, port: Int, subscribers: Int, manifests: [[UInt8]], window: Int) {
        self.key = key
        self.hostHeader = "127.0.0.1:\(port)"
        self.subscribers = subscribers
        self.subscribeMessage = TrackerCodec.encode(ClientMessage.subscribe(key: key))
        self.acknowledgement = TrackerCodec.encode(ServerMessage.subscribed(key: key))
        self.manifests = manifests
        self.manifestMessages = manifests.map { TrackerCodec.encode(ServerMessage.manifest(key: key, manifest: $0)) }
        self.rounds = manifests.map { _ in FanOutRound() }
        self.window = DispatchSemaphore(value: window)
    }

    func fail(_ why: String) {
        failures.add(1, ordering: .relaxed)
        firstFailure.withLock { if $0 == nil { $0 = why } }
    }

    var failure: String? { firstFailure.withLock { $0 } }

    func arrived(round: Int) {
        let round = rounds[round]
        let arrived = round.arrived.add(1, ordering: .relaxed).newValue
        if arrived == 1 { round.firstAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing) }
        if arrived == subscribers { round.finishedAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing) }
    }
}

/// One benchmark connection: a subscriber (subscribes once handshaken, then counts manifests) or
/// the publisher (handshakes, then sends what it is told and checks the acknowledgements).
final class BenchSocketHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Role { case subscriber, publisher(ready: EventLoopPromise<Void>) }

    private let harness: FanOutHarness
    private let role: Role
    private var input: ByteBuffer?
    private var handshaken = false
    private var isSubscribed = false
    private var holdsSlot: Bool
    private var manifests = 0
    private var publishes = 0

    init(harness: FanOutHarness, role: Role) {
        self.harness = harness
        self.role = role
        if case .subscriber = role { holdsSlot = true } else { holdsSlot = false }
    }

    private func releaseSlot() {
        if holdsSlot {
            holdsSlot = false
            harness.window.signal()
        }
    }

    private func fail(context: ChannelHandlerContext, _ why: String) {
        harness.fail(why)
        releaseSlot()
        if case .publisher(let ready) = role { ready.fail(BenchError(why)) }
        context.close(promise: nil)
    }

    func channelActive(context: ChannelHandlerContext) {
        let request =
            "GET / HTTP/1.1\r\nHost: \(harness.hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if holdsSlot { harness.fail("a connection closed before its subscription was acknowledged") }
        releaseSlot()
        if case .publisher(let ready) = role { ready.fail(BenchError("the publisher's connection closed")) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, "connection error: \(error)")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if input == nil { input = bytes } else { input!.writeBuffer(&bytes) }
        if !handshaken {
            guard let end = input!.readableBytesView.firstRange(of: [13, 10, 13, 10]) else {
                if input!.readableBytes > 16_384 { fail(context: context, "no end to the handshake response") }
                return
            }
            let head = input!.readString(length: end.upperBound - input!.readerIndex) ?? ""
            guard head.hasPrefix("HTTP/1.1 101") else {
                fail(context: context, "handshake refused: \(head.prefix(while: { $0 != "\r" }))")
                return
            }
            handshaken = true
            switch role {
            case .subscriber: send(context: context, opcode: 0x1, harness.subscribeMessage)
            case .publisher(let ready): ready.succeed()
            }
        }
        readFrames(context: context)
    }

    /// Reads every whole frame in `input` (a server's frames are not masked).
    private func readFrames(context: ChannelHandlerContext) {
        while var buffer = input, buffer.readableBytes >= 2 {
            let start = buffer.readerIndex
            let first = buffer.getInteger(at: start, as: UInt8.self)!, second = buffer.getInteger(at: start + 1, as: UInt8.self)!
            guard second & 0x80 == 0 else { return fail(context: context, "a masked frame from the server") }
            var header = 2, length = Int(second & 0x7F)
            if length == 126 {
                guard buffer.readableBytes >= 4 else { return }
                length = Int(buffer.getInteger(at: start + 2, as: UInt16.self)!)
                header = 4
            } else if length == 127 {
                guard buffer.readableBytes >= 10 else { return }
                let long = buffer.getInteger(at: start + 2, as: UInt64.self)!
                guard long <= UInt64(TrackerCodec.maxMessageBytes) else { return fail(context: context, "a frame too large") }
                length = Int(long)
                header = 10
            }
            guard buffer.readableBytes >= header + length else { return }
            let opcode = first & 0x0F
            guard first & 0x80 != 0, opcode != 0 else { return fail(context: context, "a fragmented message") }
            buffer.moveReaderIndex(forwardBy: header)
            let payload = buffer.readSlice(length: length)!
            input = buffer.readableBytes == 0 ? nil : buffer
            switch opcode {
            case 0x1: handleText(context: context, payload)
            case 0x8: return fail(context: context, "the server closed the socket")
            case 0x9: send(context: context, opcode: 0xA, Array(payload.readableBytesView))
            default: break  // pong, binary: not part of this protocol
            }
            guard context.channel.isActive else { return }
        }
    }

    private func handleText(context: ChannelHandlerContext, _ payload: ByteBuffer) {
        switch role {
        case .publisher:
            let message = try? TrackerCodec.decodeServerMessage(Array(payload.readableBytesView))
            guard case .stored(let key, _)? = message, key == harness.key, publishes < harness.rounds.count else {
                return fail(context: context, "publish not stored: \(String(decoding: payload.readableBytesView, as: UTF8.self))")
            }
            harness.rounds[publishes].storedAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
            publishes += 1
        case .subscriber where !isSubscribed:
            guard Self.equal(payload, harness.acknowledgement) || decoded(payload) == .subscribed(key: harness.key) else {
                return fail(context: context, "not a subscribe acknowledgement: \(String(decoding: payload.readableBytesView, as: UTF8.self))")
            }
            isSubscribed = true
            harness.subscribed.add(1, ordering: .relaxed)
            releaseSlot()
        case .subscriber:
            guard manifests < harness.rounds.count,
                Self.equal(payload, harness.manifestMessages[manifests])
                    || decoded(payload) == .manifest(key: harness.key, manifest: harness.manifests[manifests])
            else {
                return fail(context: context, "not the manifest expected: \(String(decoding: payload.readableBytesView.prefix(200), as: UTF8.self))")
            }
            harness.arrived(round: manifests)
            manifests += 1
        }
    }

    /// The slow path: the message decoded, for a server that spells the same JSON differently.
    private func decoded(_ payload: ByteBuffer) -> ServerMessage? {
        harness.decodedMatches.add(1, ordering: .relaxed)
        return try? TrackerCodec.decodeServerMessage(Array(payload.readableBytesView))
    }

    private static func equal(_ buffer: ByteBuffer, _ bytes: [UInt8]) -> Bool {
        guard buffer.readableBytes == bytes.count else { return false }
        return buffer.withUnsafeReadableBytes { lhs in bytes.withUnsafeBytes { rhs in memcmp(lhs.baseAddress!, rhs.baseAddress!, rhs.count) == 0 } }
    }

    /// Writes one masked frame (RFC 6455 §5.3: a client masks every frame).
    func send(context: ChannelHandlerContext, opcode: UInt8, _ payload: [UInt8]) {
        var frame = context.channel.allocator.buffer(capacity: payload.count + 14)
        frame.writeInteger(0x80 | opcode)
        if payload.count < 126 {
            frame.writeInteger(UInt8(0x80 | payload.count))
        } else if payload.count <= 0xFFFF {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(payload.count))
        } else {
            frame.writeInteger(UInt8(0x80 | 127))
            frame.writeInteger(UInt64(payload.count))
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame.writeBytes(mask)
        var masked = payload
        for index in masked.indices { masked[index] ^= mask[index & 3] }
        frame.writeBytes(masked)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    /// Sends a publish of round `round`'s manifest, noting when it was written; call on the loop.
    func publish(context: ChannelHandlerContext, round: Int) {
        let message = TrackerCodec.encode(ClientMessage.publish(manifest: harness.manifests[round]))
        harness.rounds[round].publishedAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
        send(context: context, opcode: 0x1, message)
    }
}

/// A benchmark that cannot go on.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
