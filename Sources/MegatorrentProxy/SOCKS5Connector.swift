import NIOCore
import NIOPosix

/// Opens TCP connections through a SOCKS5 proxy with SwiftNIO.
public enum SOCKS5Connector {
    /// Connects to the proxy, asks it for `host:port` (a name is resolved by the proxy), and once the
    /// tunnel is open runs `install` on the channel's event loop to add the application's handlers
    /// (the channel is active by then: handlers that start on `handlerAdded` start at once). Returns
    /// the channel after `install` ran. Throws ``SOCKS5Error`` for everything that went wrong,
    /// including a proxy that cannot be reached; `timeout` bounds the TCP connect and, separately,
    /// the SOCKS5 exchange.
    public static func connect(
        through proxy: ProxyConfiguration, to host: String, port: Int, timeout: TimeAmount = .seconds(10),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        install: @escaping @Sendable (any Channel) throws -> Void
    ) async throws(SOCKS5Error) -> any Channel {
        guard let targetPort = UInt16(exactly: port), targetPort > 0 else { throw .invalidRequest("port \(port)") }
        let machine = try SOCKS5ClientStateMachine(
            target: SOCKS5Target(host: host, port: targetPort), credentials: proxy.credentialsForNewStream())
        let eventLoop = group.next()
        let established = eventLoop.makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = SOCKS5ClientHandler(machine: machine, timeout: timeout, established: established) {
                            context in try install(context.channel)
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: proxy.host, port: proxy.port).get()
        } catch {
            let error = SOCKS5Error.proxyUnreachable(proxy: "\(proxy.host):\(proxy.port)", reason: "\(error)")
            established.fail(error)
            throw error
        }
        do {
            try await established.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw (error as? SOCKS5Error) ?? .closedByProxy(stage: "installing the application: \(error)")
        }
        return channel
    }
}
