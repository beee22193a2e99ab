import MegatorrentProxy
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Sends HTTP announces (BEP 3) and reads their replies: one `GET` on a connection of its own (`Connection:
/// close`), directly or through the SOCKS5 proxy of the configuration (which then resolves the tracker's name), with
/// TLS for `https://` (the certificate verified as for `wss://`, docs/tracker.md, "TLS"). Bounded in time and size.
public final class AnnounceClient: Sendable {
    /// The largest reply body read (a full 200-peer dictionary reply is under 40 KiB).
    public static let maxReplyBytes = 256 * 1024

    private let configuration: TrackerClientConfiguration
    private let group: any EventLoopGroup
    /// How long the connect, request and reply may take together.
    public let timeout: TimeAmount

    /// A client with `configuration`'s proxy and trust roots, bounded by `timeout` per announce.
    public init(
        configuration: TrackerClientConfiguration = TrackerClientConfiguration(), timeout: TimeAmount = .seconds(15),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.timeout = timeout
        self.group = group
    }

    /// Announces `query` to `url` and returns the tracker's reply.
    public func announce(_ query: AnnounceQuery, to url: AnnounceURL) async throws(AnnounceError) -> AnnounceResponse {
        let (status, body) = try await get(url.target(query), url: url)
        guard status == 200 else { throw .httpStatus(url.description, status: status) }
        do { return try AnnounceResponse.parse(body) } catch { throw .badReply(url.description, error) }
    }

    /// The status and body of `GET target` at `url`'s host.
    private func get(_ target: String, url: AnnounceURL) async throws(AnnounceError) -> (Int, [UInt8]) {
        let endpoint = url.endpoint
        let name = url.description
        let tls: NIOSSLContext?
        if endpoint.isSecure {
            switch ClientTLS.makeContext(configuration) {
            case let .success(context): tls = context
            case let .failure(error): throw .tls(name, reason: "\(error)")
            }
        } else {
            tls = nil
        }
        let proxy = configuration.proxy
        let machine: SOCKS5ClientStateMachine?
        do {
            machine = try proxy.map { proxy throws(SOCKS5Error) in
                guard let port = UInt16(exactly: endpoint.port) else { throw .invalidRequest("port \(endpoint.port)") }
                return try SOCKS5ClientStateMachine(
                    target: SOCKS5Target(host: endpoint.host, port: port), credentials: proxy.credentialsForNewStream())
            }
        } catch {
            throw .proxy(name, error)
        }
        let shownHost = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        let defaultPort = endpoint.isSecure ? 443 : 80
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.port == defaultPort ? shownHost : "\(shownHost):\(endpoint.port)")
        headers.add(name: "User-Agent", value: "megatorrent")
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target, headers: headers)
        let timeout = self.timeout
        let reply: EventLoopFuture<(Int, [UInt8])>
        do {
            reply = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .connect(host: proxy?.host ?? endpoint.host, port: proxy?.port ?? endpoint.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let done = channel.eventLoop.makePromise(of: (Int, [UInt8]).self)
                        let timer = channel.eventLoop.scheduleTask(in: timeout) {
                            done.fail(AnnounceError.timedOut(name))
                            channel.close(promise: nil)
                        }
                        done.futureResult.whenComplete { _ in timer.cancel() }
                        let install: (any Channel) throws -> Void = { channel in
                            if let tls { try channel.pipeline.syncOperations.addHandler(try ClientTLS.makeHandler(tls, for: endpoint)) }
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            try channel.pipeline.syncOperations.addHandler(
                                AnnounceReplyCollector(head: head, limit: Self.maxReplyBytes, name: name, done: done))
                        }
                        if let machine {
                            let established = channel.eventLoop.makePromise(of: Void.self)
                            established.futureResult.whenFailure { done.fail($0) }
                            try channel.pipeline.syncOperations.addHandler(
                                SOCKS5ClientHandler(machine: machine, timeout: timeout, established: established) { context in
                                    try install(context.channel)
                                })
                        } else {
                            try install(channel)
                        }
                        return done.futureResult
                    }
                }
        } catch {
            if let proxy { throw .proxy(name, .proxyUnreachable(proxy: "\(proxy.host):\(proxy.port)", reason: "\(error)")) }
            throw .unreachable(name, reason: Self.describe(error))
        }
        do {
            return try await reply.get()
        } catch let error as AnnounceError {
            throw error
        } catch let error as SOCKS5Error {
            throw .proxy(name, error)
        } catch {
            if let reason = ClientTLS.failure(error, endpoint: endpoint, trustRootsFile: configuration.trustRootsFile) {
                throw .tls(name, reason: reason)
            }
            throw .unreachable(name, reason: Self.describe(error))
        }
    }

    /// A connect error in a few words (`connection refused` rather than NIO's full dump).
    private static func describe(_ error: any Error) -> String {
        if let connect = error as? NIOConnectionError, let first = connect.connectionErrors.first {
            if let io = first.error as? IOError { return io.description }
            return "\(first.error)"
        }
        return "\(error)"
    }
}

/// Sends the announce request once the connection (or tunnel) is up and collects the reply: its status and body,
/// up to `limit` bytes.
final class AnnounceReplyCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let limit: Int
    private let name: String
    private let done: EventLoopPromise<(Int, [UInt8])>
    private var sent = false
    private var status = 0
    private var body: [UInt8] = []

    init(head: HTTPRequestHead, limit: Int, name: String, done: EventLoopPromise<(Int, [UInt8])>) {
        self.head = head
        self.limit = limit
        self.name = name
        self.done = done
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { send(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context)
        context.fireChannelActive()
    }

    private func send(_ context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(response):
            status = Int(response.status.code)
        case var .body(buffer):
            guard body.count + buffer.readableBytes <= limit else {
                done.fail(AnnounceError.tooLarge(name, limit: limit))
                context.close(promise: nil)
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            done.succeed((status, body))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(AnnounceError.unreachable(name, reason: "the connection closed before the reply was complete"))
        context.fireChannelInactive()
    }
}
