import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket

/// Builds the pipeline of each accepted connection: TLS when configured, an idle timer, HTTP/1.1
/// with the WebSocket upgrader for `GET /`, and the router for the plain HTTP endpoints. After an
/// upgrade the HTTP handlers are gone and the pipeline reads:
///
///     [NIOSSLServerHandler →] IdleStateHandler → WebSocketFrameDecoder/Encoder → WebSocketProtocolErrorHandler
///         → NIOWebSocketFrameAggregator → WebSocketConnectionHandler
enum TrackerPipeline {
    private static let idleName = "megatorrent.idle"

    /// Configures `channel` (TLS first with `tls`); counts it against the connection limit.
    static func configure(_ channel: any Channel, core: TrackerCore, tls: NIOSSLContext? = nil) -> EventLoopFuture<Void> {
        let admitted = core.connections.admit(channel)
        if !admitted { core.metrics.connectionRefused() }
        let configuration = core.configuration

        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: configuration.maxFrameSize,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let accept =
                    admitted && core.isAccepting && head.method == .GET && QueryString.split(head.uri).path == "/"
                return channel.eventLoop.makeSucceededFuture(accept ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    pipeline.removeHandler(name: idleName, promise: nil)
                    let position: ChannelPipeline.SynchronousOperations.Position =
                        (try? pipeline.handler(type: NIOSSLServerHandler.self)).map { .after($0) } ?? .first
                    try pipeline.addHandler(IdleStateHandler(readTimeout: configuration.idleTimeout), position: position)
                    try pipeline.addHandler(
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 1024,
                            maxAccumulatedFrameSize: configuration.maxFrameSize))
                    try pipeline.addHandler(WebSocketConnectionHandler(core: core))
                }
            })

        return channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // The idle timer comes after TLS: a client that connects and never finishes the
            // handshake is closed by it too.
            if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
            try pipeline.addHandler(IdleStateHandler(readTimeout: configuration.httpIdleTimeout), name: idleName)
            try pipeline.configureHTTPServerPipeline(
                withServerUpgrade: (
                    upgraders: [upgrader],
                    completionHandler: { context in
                        // Before the WebSocket handlers are added behind it.
                        context.pipeline.syncOperations.removeHandler(name: HTTPRouter.name, promise: nil)
                    }
                ))
            try pipeline.addHandler(HTTPRouter(core: core, admitted: admitted), name: HTTPRouter.name)
        }
    }
}
