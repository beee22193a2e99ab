// The fan-out benchmark's ceiling server: the least a WebSocket broadcast server on SwiftNIO can
// do with the benchmark's client, on the same machine. One handler on a bare TCP channel (no HTTP or
// WebSocket codec handlers), the handshake answered from the request's key, client frames
// unmasked in place, and a publish written to every subscriber as one frame made once, from one
// task per event loop. It verifies the manifest (as the tracker does, to learn its key and
// sequence) but stores nothing and enforces no limit. It is not a tracker: it exists only so the
// benchmark can say how fast any server could be here, the client's share of the 2 cores included.
import Foundation
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTracker
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Subscribers by event loop, and the newest sequence per key.
final class RawBroadcastState: Sendable {
    private struct LoopGroup {
        let loop: any EventLoop
        var channels: [ObjectIdentifier: any Channel] = [:]
    }

    private struct State {
        var loops: [ObjectIdentifier: LoopGroup] = [:]
        var held: [String: UInt64] = [:]
    }

    private let state = NIOLockedValueBox(State())

    func add(_ channel: any Channel) {
        state.withLockedValue { state in
            state.loops[ObjectIdentifier(channel.eventLoop), default: LoopGroup(loop: channel.eventLoop)]
                .channels[ObjectIdentifier(channel)] = channel
        }
    }

    func remove(_ channel: any Channel) {
        _ = state.withLockedValue { state in
            state.loops[ObjectIdentifier(channel.eventLoop)]?.channels.removeValue(forKey: ObjectIdentifier(channel))
        }
    }

    /// Records `sequence` for `key` if it is above the one held; false when it is not.
    func take(_ key: String, _ sequence: UInt64) -> Bool {
        state.withLockedValue { state in
            if let held = state.held[key], held >= sequence { return false }
            state.held[key] = sequence
            return true
        }
    }

    /// Writes `frame` to every subscriber, one task per event loop.
    func broadcast(_ frame: ByteBuffer) {
        let groups = state.withLockedValue { Array($0.loops.values) }
        for group in groups {
            let channels = Array(group.channels.values)
            group.loop.execute {
                // A copy per loop, so no reference count is shared between cores (as the tracker does).
                let frame = ByteBuffer(bytes: frame.readableBytesView)
                for channel in channels { channel.writeAndFlush(frame, promise: nil) }
            }
        }
    }
}

/// One connection of the ceiling server (it knows one channel key per server: the benchmark's).
final class RawBroadcastHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let state: RawBroadcastState
    private var input: ByteBuffer?
    private var upgraded = false

    init(state: RawBroadcastState) { self.state = state }

    func channelInactive(context: ChannelHandlerContext) {
        state.remove(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if input == nil { input = bytes } else { input!.writeBuffer(&bytes) }
        if !upgraded {
            guard let end = input!.readableBytesView.firstRange(of: [13, 10, 13, 10]) else {
                if input!.readableBytes > 16_384 { context.close(promise: nil) }
                return
            }
            let head = input!.readString(length: end.upperBound - input!.readerIndex) ?? ""
            let key = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                .map { $0.dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces) }
            guard let key else { return context.close(promise: nil) }
            let accept = Data(Digest.hash(.sha1, Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
            let response =
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
            context.write(wrapOutboundOut(context.channel.allocator.buffer(string: response)), promise: nil)
            upgraded = true
        }
        while let (opcode, payload) = nextFrame() {
            switch opcode {
            case 0x1: handle(context: context, payload)
            case 0x9: context.write(wrapOutboundOut(Self.frame(opcode: 0xA, payload)), promise: nil)
            case 0x8: return context.close(promise: nil)
            default: break
            }
        }
        context.flush()
    }

    /// The next whole masked client frame, unmasked, or nil.
    private func nextFrame() -> (UInt8, [UInt8])? {
        guard var buffer = input, buffer.readableBytes >= 2 else { return nil }
        let start = buffer.readerIndex
        let first = buffer.getInteger(at: start, as: UInt8.self)!, second = buffer.getInteger(at: start + 1, as: UInt8.self)!
        var header = 2, length = Int(second & 0x7F)
        if length == 126 {
            guard buffer.readableBytes >= 4 else { return nil }
            length = Int(buffer.getInteger(at: start + 2, as: UInt16.self)!)
            header = 4
        } else if length == 127 {
            guard buffer.readableBytes >= 10 else { return nil }
            length = Int(min(buffer.getInteger(at: start + 2, as: UInt64.self)!, 1 << 21))
            header = 10
        }
        let masked = second & 0x80 != 0
        guard buffer.readableBytes >= header + (masked ? 4 : 0) + length else { return nil }
        buffer.moveReaderIndex(forwardBy: header)
        let mask = masked ? buffer.readBytes(length: 4)! : [0, 0, 0, 0]
        var payload = buffer.readBytes(length: length)!
        for index in payload.indices { payload[index] ^= mask[index & 3] }
        input = buffer.readableBytes == 0 ? nil : buffer
        return (first & 0x0F, payload)
    }

    private func handle(context: ChannelHandlerContext, _ payload: [UInt8]) {
        switch try? TrackerCodec.decodeClientMessage(payload) {
        case .subscribe(let key)?:
            state.add(context.channel)
            reply(context, .subscribed(key: key))
        case .publish(let bytes)?:
            guard let manifest = try? ManifestVerifier.verify(bytes), state.take(manifest.channelID, manifest.sequence) else {
                return reply(context, .failure(TrackerFailure(code: 17, reason: "refused", action: "publish")))
            }
            reply(context, .stored(key: manifest.channelID, sequence: manifest.sequence))
            let message = TrackerCodec.encode(ServerMessage.manifest(key: manifest.channelID, manifest: manifest.jsonBytes))
            state.broadcast(Self.frame(opcode: 0x1, message))
        default:
            context.close(promise: nil)
        }
    }

    private func reply(_ context: ChannelHandlerContext, _ message: ServerMessage) {
        context.write(wrapOutboundOut(Self.frame(opcode: 0x1, TrackerCodec.encode(message))), promise: nil)
    }

    /// One unmasked server frame.
    static func frame(opcode: UInt8, _ payload: [UInt8]) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.reserveCapacity(payload.count + 10)
        frame.writeInteger(0x80 | opcode)
        if payload.count < 126 {
            frame.writeInteger(UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(payload.count))
        } else {
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(payload.count))
        }
        frame.writeBytes(payload)
        return frame
    }
}

/// `megatorrent-bench --raw-broadcast-server`: the ceiling server as a child process, on
/// 127.0.0.1 (port 0) with as many event loops as the tracker (one per core); it stops when its
/// standard input ends.
func runRawBroadcastServerChild() -> Never {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
    let state = RawBroadcastState()
    let channel: any Channel
    do {
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RawBroadcastHandler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    } catch {
        FileHandle.standardError.write(Data("raw broadcast child: \(error)\n".utf8))
        exit(1)
    }
    FileHandle.standardOutput.write(Data("listening on 127.0.0.1:\(channel.localAddress?.port ?? 0)\n".utf8))
    var byte: UInt8 = 0
    while read(0, &byte, 1) > 0 {}
    try? channel.close().wait()
    try? group.syncShutdownGracefully()
    exit(0)
}
