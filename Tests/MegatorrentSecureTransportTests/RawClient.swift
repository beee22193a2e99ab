import MegatorrentNoise
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP client for tests that speak (or break) the protocol by hand.
final class RawClient: Sendable {
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex<[UInt8]>([])
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = Self.unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            received.withLock { $0 += bytes }
        }
    }

    let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int) async throws -> RawClient {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) } }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, collector: collector)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Bytes received so far.
    var received: [UInt8] { collector.received.withLock { $0 } }

    /// Waits until at least `count` bytes arrived (or the connection closed, or `seconds` passed).
    func waitForBytes(_ count: Int, seconds: Double = 5) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while received.count < count, channel.isActive, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return received
    }

    /// Whether the server closed the connection within `seconds`.
    func closedWithin(seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while channel.isActive, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return !channel.isActive
    }

    func close() async { try? await channel.close().get() }
}
