import MegatorrentProxy
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// Opens a WebSocket: TCP connect (directly, or through a SOCKS5 proxy that resolves the tracker's
/// name), TLS for `wss://` (with `tls`), the HTTP/1.1 upgrade of RFC 6455, then the caller's handlers
/// behind NIO's frame decoder, encoder and protocol error handler.
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

    /// The upgraded channel, with `addHandlers` run on its event loop after the upgrade. With
    /// `proxy`, TLS and the upgrade start once the SOCKS5 tunnel is open, and a failure of the proxy
    /// is thrown as ``SOCKS5Error``.
    static func connect(
        to endpoint: TrackerEndpoint, tls: NIOSSLContext? = nil, group: any EventLoopGroup, maxFrameSize: Int,
        timeout: TimeAmount, proxy: ProxyConfiguration? = nil,
        addHandlers: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> any Channel {
        let machine = try proxy.map { proxy throws(SOCKS5Error) in
            guard let port = UInt16(exactly: endpoint.port) else { throw .invalidRequest("port \(endpoint.port)") }
            return try SOCKS5ClientStateMachine(
                target: SOCKS5Target(host: endpoint.host, port: port), credentials: proxy.credentialsForNewStream())
        }
        let upgrade: EventLoopFuture<Outcome>
        do {
            upgrade = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: proxy?.host ?? endpoint.host, port: proxy?.port ?? endpoint.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // Bounds the handshakes and the upgrade too: a server that accepts but never answers is dropped.
                        let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                        guard let machine else {
                            return try configureUpgrade(
                                channel, endpoint: endpoint, tls: tls, maxFrameSize: maxFrameSize, timer: timer,
                                addHandlers: addHandlers)
                        }
                        // Through the proxy: TLS and the HTTP handlers are added once the tunnel is open.
                        let upgraded = channel.eventLoop.makePromise(of: Outcome.self)
                        let established = channel.eventLoop.makePromise(of: Void.self)
                        established.futureResult.whenFailure { upgraded.fail($0) }
                        let socks = SOCKS5ClientHandler(machine: machine, timeout: timeout, established: established) { context in
                            try configureUpgrade(
                                context.channel, endpoint: endpoint, tls: tls, maxFrameSize: maxFrameSize, timer: timer,
                                addHandlers: addHandlers
                            ).cascade(to: upgraded)
                        }
                        try channel.pipeline.syncOperations.addHandler(socks)
                        return upgraded.futureResult
                    }
                }
        } catch {
            guard let proxy else { throw error }
            throw SOCKS5Error.proxyUnreachable(proxy: "\(proxy.host):\(proxy.port)", reason: "\(error)")
        }
        switch try await upgrade.get() {
        case .upgraded(let channel): return channel
        case .notUpgraded: throw Failure.notUpgraded
        }
    }

    /// TLS (for `wss://`) and the HTTP client pipeline that asks for the upgrade (sent at once when the
    /// channel is already active), and the caller's handlers after the 101.
    private static func configureUpgrade(
        _ channel: any Channel, endpoint: TrackerEndpoint, tls: NIOSSLContext?, maxFrameSize: Int, timer: Scheduled<Void>,
        addHandlers: @escaping @Sendable (any Channel) throws -> Void
    ) throws -> EventLoopFuture<Outcome> {
        if let tls {
            // A handshake failure reaches the upgrade handler as an error, which fails the dial.
            try channel.pipeline.syncOperations.addHandler(try ClientTLS.makeHandler(tls, for: endpoint))
        }
        let defaultPort = endpoint.isSecure ? 443 : 80
        let shownHost = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        let hostHeader = endpoint.port == defaultPort ? shownHost : "\(shownHost):\(endpoint.port)"
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
