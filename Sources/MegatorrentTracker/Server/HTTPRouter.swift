import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The last handler of a connection's HTTP pipeline: answers `/announce`, `/scrape`, `/health`
/// and `/metrics`. WebSocket upgrades of `GET /` never reach it (the upgrade handler takes them
/// and removes it); a refused upgrade does, and is answered here.
final class HTTPRouter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The name it has in the pipeline.
    static let name = "megatorrent.http-router"

    private let core: TrackerCore
    /// False when the connection came past the connection limit: every request gets 503.
    private let admitted: Bool
    private var request: HTTPRequestHead?

    init(core: TrackerCore, admitted: Bool) {
        self.core = core
        self.admitted = admitted
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break  // no endpoint takes a body; it is dropped, never accumulated
        case .end:
            guard let head = request else { return }
            request = nil
            route(context: context, head)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            core.metrics.closed(.idle)
            context.close(promise: nil)
        } else if event is TrackerShutdownEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused WebSocket upgrade is reported here before the request itself arrives: the
        // request is answered then.
        if error is NIOWebSocketUpgradeError { return }
        context.close(promise: nil)
    }

    private func route(context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        guard admitted, core.isAccepting || QueryString.split(head.uri).path == "/health" else {
            let failure = TrackerFailure(
                code: TrackerFailureCode.serverBusy, reason: "server busy: too many connections")
            return respond(
                context, head, .serviceUnavailable, "application/json", TrackerCodec.encode(.failure(failure)),
                close: true)
        }
        guard head.method == .GET || head.method == .HEAD else {
            return respond(context, head, .methodNotAllowed, "text/plain", Array("method not allowed\n".utf8))
        }
        let (path, query) = QueryString.split(head.uri)
        switch path {
        case "/announce":
            announce(context, head, query)
        case "/scrape":
            scrape(context, head, query)
        case "/health":
            if core.isAccepting {
                respond(context, head, .ok, "text/plain", Array("ok\n".utf8))
            } else {
                respond(context, head, .serviceUnavailable, "text/plain", Array("shutting down\n".utf8), close: true)
            }
        case "/metrics":
            let text = core.metrics.render(core.gauges)
            respond(context, head, .ok, "text/plain; version=0.0.4; charset=utf-8", Array(text.utf8))
        case "/":
            respond(
                context, head, .upgradeRequired, "text/plain",
                Array("this is a Megatorrent tracker: connect with a WebSocket\n".utf8),
                extraHeaders: [("Upgrade", "websocket")])
        default:
            respond(context, head, .notFound, "text/plain", Array("not found\n".utf8))
        }
    }

    private func announce(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ query: Substring) {
        core.metrics.announced()
        let body: [UInt8]
        do {
            let request = try AnnounceRequest.parse(query: query)
            guard let address = PeerAddress(context.channel.remoteAddress) else {
                return respond(context, head, .ok, "text/plain", AnnounceReply.failure("no peer address"))
            }
            switch core.swarms.announce(request, from: address, now: core.clock()) {
            case .success(let reply):
                body = AnnounceReply.announce(
                    reply, compact: request.compact, noPeerID: request.noPeerID,
                    interval: core.configuration.announceInterval, minInterval: core.configuration.minAnnounceInterval)
            case .failure(let refusal):
                body = AnnounceReply.failure(refusal.description)
            }
        } catch {
            body = AnnounceReply.failure(error.description)
        }
        respond(context, head, .ok, "text/plain", body)
    }

    private func scrape(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ query: Substring) {
        core.metrics.scraped()
        let body: [UInt8]
        do {
            let request = try ScrapeRequest.parse(query: query, limit: core.configuration.maxScrapeHashes)
            body = AnnounceReply.scrape(core.swarms.scrape(request.infoHashes))
        } catch {
            body = AnnounceReply.failure(error.description)
        }
        respond(context, head, .ok, "text/plain", body)
    }

    private func respond(
        _ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ status: HTTPResponseStatus,
        _ contentType: String,
        _ body: [UInt8], extraHeaders: [(String, String)] = [], close: Bool = false
    ) {
        let keepAlive = request.isKeepAlive && !close
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", "\(body.count)")] + extraHeaders)
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
            promise: nil)
        if request.method != .HEAD {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
