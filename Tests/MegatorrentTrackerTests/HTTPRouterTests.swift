import MegatorrentState
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import XCTest

@testable import MegatorrentTracker

/// The router driven through an EmbeddedChannel: request parts in, response parts out.
final class HTTPRouterTests: XCTestCase {
    var folder: (path: String, remove: () -> Void)!
    var core: TrackerCore!
    var workers: NIOThreadPool!

    override func setUpWithError() throws {
        folder = try temporaryFolder("router")
        let store = ManifestStore(database: try StateDatabase(path: folder.path + "/state.sqlite"))
        workers = NIOThreadPool(numberOfThreads: 1)
        workers.start()
        core = TrackerCore(configuration: TrackerConfiguration(), store: store, workers: workers, logger: quietLogger)
    }

    override func tearDownWithError() throws {
        try workers.syncShutdownGracefully()
        folder.remove()
    }

    func request(_ channel: EmbeddedChannel, _ method: HTTPMethod, _ uri: String, keepAlive: Bool = true) throws -> (
        HTTPResponseHead, String
    ) {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        if !keepAlive { head.headers.add(name: "Connection", value: "close") }
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        guard case .head(let response)? = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            throw ChannelError.inappropriateOperationForState
        }
        var body = ""
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            if case .body(.byteBuffer(let buffer)) = part { body += String(buffer: buffer) }
        }
        return (response, body)
    }

    /// An active embedded channel with the router.
    func routerChannel(admitted: Bool = true) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: HTTPRouter(core: core, admitted: admitted))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6881)).wait()
        return channel
    }

    func testRoutes() throws {
        let channel = try routerChannel()
        let (health, ok) = try request(channel, .GET, "/health")
        XCTAssertEqual(health.status, .ok)
        XCTAssertEqual(ok, "ok\n")
        let (head, empty) = try request(channel, .HEAD, "/health")
        XCTAssertEqual(head.headers["Content-Length"], ["3"])
        XCTAssertEqual(empty, "", "HEAD has no body")
        XCTAssertEqual(try request(channel, .POST, "/announce").0.status, .methodNotAllowed)
        XCTAssertEqual(try request(channel, .GET, "/nowhere").0.status, .notFound)
        XCTAssertTrue(channel.isActive, "keep-alive")
        let (metrics, text) = try request(channel, .GET, "/metrics", keepAlive: false)
        XCTAssertEqual(metrics.status, .ok)
        XCTAssertTrue(text.contains("megatorrent_tracker_connections 0"))
        XCTAssertFalse(channel.isActive, "closed after Connection: close")

        core.stopAccepting()
        let closing = try routerChannel()
        XCTAssertEqual(try request(closing, .GET, "/health").0.status, .serviceUnavailable)
        XCTAssertEqual(try request(routerChannel(), .GET, "/announce").0.status, .serviceUnavailable)
    }

    func testConnectionPastTheLimitGetsBusy() throws {
        let channel = try routerChannel(admitted: false)
        let (response, body) = try request(channel, .GET, "/health")
        XCTAssertEqual(response.status, .serviceUnavailable)
        XCTAssertEqual(body, #"{"code":103,"failure reason":"server busy: too many connections"}"#)
        XCTAssertFalse(channel.isActive)
    }
}
