import MegatorrentJSON
import NIOCore
import NIOPosix
import NIOWebSocket
import XCTest

@testable import MegatorrentTracker

/// A bare WebSocket client for tests: sends any text or raw bytes and sees every frame the server
/// sends, close frames included.
final class TestSocket: Sendable {
    let channel: any Channel
    let frames: Inbox<WebSocketFrame>

    private init(channel: any Channel, frames: Inbox<WebSocketFrame>) {
        self.channel = channel
        self.frames = frames
    }

    /// Opens a WebSocket to `ws://127.0.0.1:port/`.
    static func connect(port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws
        -> TestSocket
    {
        let frames = Inbox<WebSocketFrame>()
        let channel = try await WebSocketDialer.connect(
            to: TrackerEndpoint(host: "127.0.0.1", port: port), group: group, maxFrameSize: 4 << 20,
            timeout: .seconds(5)
        ) { channel in
            try channel.pipeline.syncOperations.addHandler(Collector(frames: frames))
        }
        return TestSocket(channel: channel, frames: frames)
    }

    /// Sends one text frame.
    func send(_ text: String) async throws {
        let channel = self.channel
        try await channel.eventLoop.flatSubmit {
            channel.writeAndFlush(
                WebSocketFrame(
                    fin: true, opcode: .text, maskKey: .random(), data: channel.allocator.buffer(string: text)))
        }.get()
    }

    /// Sends a client message.
    func send(_ message: ClientMessage) async throws {
        try await send(String(decoding: TrackerCodec.encode(message), as: UTF8.self))
    }

    /// Writes bytes to the TCP stream as they are, bypassing the frame encoder.
    func sendRaw(_ bytes: [UInt8]) async throws {
        let channel = self.channel
        try await channel.eventLoop.flatSubmit {
            do {
                let context = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
                return context.writeAndFlush(NIOAny(channel.allocator.buffer(bytes: bytes)))
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }.get()
    }

    /// The next text message from the server, decoded; nil on timeout or close.
    func nextMessage(timeout: Duration = .seconds(10)) async -> ServerMessage? {
        while let frame = await frames.next(timeout: timeout) {
            guard frame.opcode == .text else { continue }
            return try? TrackerCodec.decodeServerMessage(Array(frame.unmaskedData.readableBytesView))
        }
        return nil
    }

    /// The next text message's raw JSON.
    func nextJSON(timeout: Duration = .seconds(10)) async -> JSONValue? {
        while let frame = await frames.next(timeout: timeout) {
            guard frame.opcode == .text else { continue }
            return try? JSONParser.parse(Array(frame.unmaskedData.readableBytesView))
        }
        return nil
    }

    /// The status code of the server's close frame; nil when the socket ends without one or on timeout.
    func closeCode(timeout: Duration = .seconds(10)) async -> UInt16? {
        while let frame = await frames.next(timeout: timeout) {
            guard frame.opcode == .connectionClose else { continue }
            var data = frame.unmaskedData
            return data.readInteger(as: UInt16.self)
        }
        return nil
    }

    /// Whether the socket closes within `timeout`.
    func closes(within timeout: Duration = .seconds(10)) async -> Bool {
        await eventually(timeout: timeout) { !channel.isActive }
    }

    func close() async { try? await channel.close() }

    /// Puts every frame in the inbox; finishes it when the socket closes.
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        let frames: Inbox<WebSocketFrame>

        init(frames: Inbox<WebSocketFrame>) { self.frames = frames }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) { frames.push(unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) { frames.finish() }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
