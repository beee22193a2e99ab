import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// Opens a WebSocket: TCP connect, TLS for `wss://` (with `tls`), the HTTP/1.1 upgrade of RFC 6455,
/// then the caller's handlers behind NIO's frame decoder, encoder and protocol error handler.
enum WebSocketDialer {
    /// Why the dial failed past the TCP connect.
    enum Failure: Error, Equatable {
        /// The server answered the upgrade request with something else than 101.
        case notUpgraded
    }

    private enum Outcome: Sendable {
        case upgraded(any Channel)
        case notUpgraded
    }

    /// The upgraded channel, with `addHandlers` run on its event loop after the upgrade.
    static func connect(
        to endpoint: TrackerEndpoint, tls: NIOSSLContext? = nil, group: any EventLoopGroup, maxFrameSize: Int,
        timeout: TimeAmount, addHandlers: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> any Channel {
        let defaultPort = endpoint.isSecure ? 443 : 80
        let shownHost = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        let hostHeader = endpoint.port == defaultPort ? shownHost : "\(shownHost):\(endpoint.port)"
        let upgrade: EventLoopFuture<Outcome> = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // A handshake failure reaches the upgrade handler as an error, which fails the dial.
                        try channel.pipeline.syncOperations.addHandler(try ClientTLS.makeHandler(tls, for: endpoint))
                    }
                    // Bounds the handshake and the upgrade too: a server that accepts but never answers is dropped.
                    let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                    let upgrader = NIOTypedWebSocketClientUpgrader<Outcome>(
                        maxFrameSize: maxFrameSize,
                        upgradePipelineHandler: { channel, _ in
                            timer.cancel()
                            return channel.eventLoop.makeCompletedFuture {
                                try addHandlers(channel)
                                return .upgraded(channel)
                            }
                        })
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: hostHeader)
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: endpoint.path, headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<Outcome>(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in
                            timer.cancel()
                            return channel.close().map { .notUpgraded }.recover { _ in .notUpgraded }
                        })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                    )
                }
            }
        switch try await upgrade.get() {
        case .upgraded(let channel): return channel
        case .notUpgraded: throw Failure.notUpgraded
        }
    }
}
