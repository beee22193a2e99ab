import Logging
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentProxy
import MegatorrentSecureTransport
import MegatorrentTestSupport
import MegatorrentTracker
import NIOCore
import XCTest

/// SOCKS5 against real servers on 127.0.0.1 (dante-server and pproxy, see
/// ../shared/testbeds/README.md): a SecureSocket to a SecureListener and our tracker client to our
/// tracker, with and without authentication; bad credentials, no acceptable method and refused
/// targets each give their own clear error.
final class ProxyIntegrationTests: XCTestCase {
    private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A Noise session through `proxy` to a local listener, one message each way.
    private func secureRoundTrip(through proxy: ProxyConfiguration, host: String = "127.0.0.1") async throws {
        let serverKey = try X25519.PrivateKey.generate(), clientKey = try X25519.PrivateKey.generate()
        let listener = try await SecureListener.bind(host: "127.0.0.1", port: 0, localStatic: serverKey)
        let echo = Task {
            var iterator = listener.connections.makeAsyncIterator()
            guard let socket = await iterator.next() else { return [UInt8]() }
            let message = try await socket.receive() ?? []
            try await socket.send(message.reversed())
            return socket.remoteStatic
        }
        let client = try await SecureSocket.connect(
            host: host, port: listener.port, localStatic: clientKey, remoteStatic: serverKey.publicKey, proxy: proxy)
        try await client.send([1, 2, 3])
        let answer = try await client.receive()
        XCTAssertEqual(answer, [3, 2, 1])
        let seen = try await echo.value
        XCTAssertEqual(seen, clientKey.publicKey, "the listener authenticated the client through the tunnel")
        // The TCP peer is the proxy, not the listener: the tunnel was used.
        XCTAssertEqual(client.remoteAddress?.port, proxy.port)
        await client.close()
        await listener.close()
    }

    /// The error a SecureSocket connect through `proxy` to `host:port` fails with.
    private func secureFailure(through proxy: ProxyConfiguration, host: String = "127.0.0.1", port: Int) async throws -> SOCKS5Error {
        do {
            _ = try await SecureSocket.connect(
                host: host, port: port, localStatic: try X25519.PrivateKey.generate(),
                remoteStatic: try X25519.PrivateKey.generate().publicKey, proxy: proxy)
        } catch let error as SecureTransportError {
            guard case .proxyFailed(let socks) = error else { throw error }
            return socks
        }
        throw SkipReason("connected, but a failure was expected")
    }

    func testDanteWithoutAuthentication() async throws {
        let server = try SOCKSServer(.dante)
        defer { server.stop() }
        try await secureRoundTrip(through: ProxyConfiguration(host: "127.0.0.1", port: server.port))
        // A name goes to the proxy, which resolves it.
        try await secureRoundTrip(through: ProxyConfiguration(host: "127.0.0.1", port: server.port), host: "localhost")
    }

    func testPproxyWithoutAuthentication() async throws {
        let server = try SOCKSServer(.pproxy(user: nil, password: nil))
        defer { server.stop() }
        try await secureRoundTrip(through: ProxyConfiguration(host: "127.0.0.1", port: server.port))
    }

    func testPproxyWithAuthenticationAndBadCredentials() async throws {
        let server = try SOCKSServer(.pproxy(user: "alice", password: "s3cret"))
        defer { server.stop() }
        try await secureRoundTrip(through: try ProxyConfiguration(url: "socks5://alice:s3cret@127.0.0.1:\(server.port)"))
        // pproxy closes without the RFC 1929 status byte.
        let wrong = try await secureFailure(through: try ProxyConfiguration(url: "socks5://alice:wrong@127.0.0.1:\(server.port)"), port: 9)
        XCTAssertEqual(wrong, .authenticationFailed(status: nil))
        XCTAssertTrue(wrong.description.contains("refused the username and password"), wrong.description)
        // pproxy closes instead of answering X'FF'; the message still hints at credentials.
        let none = try await secureFailure(through: ProxyConfiguration(host: "127.0.0.1", port: server.port), port: 9)
        XCTAssertEqual(none, .closedByProxy(stage: "method selection"))
        XCTAssertTrue(none.description.contains("USER:PASS"), none.description)
    }

    func testDanteWithAuthenticationAndBadCredentials() async throws {
        let user = try ThrowawayUser()
        defer { user.remove() }
        let server = try SOCKSServer(.danteUserPass)
        defer { server.stop() }
        let good = ProxyConfiguration(
            host: "127.0.0.1", port: server.port, credentials: SOCKS5Credentials(username: user.name, password: user.password))
        try await secureRoundTrip(through: good)
        var bad = good
        bad.credentials?.password = "wrong"
        let wrong = try await secureFailure(through: bad, port: 9)
        guard case .authenticationFailed = wrong else { return XCTFail("\(wrong)") }
        let none = try await secureFailure(through: ProxyConfiguration(host: "127.0.0.1", port: server.port), port: 9)
        XCTAssertEqual(none, .noAcceptableMethod(offered: [.noAuthentication]))
    }

    /// dante answers REP=5 for a closed port and REP=2 for a target its rules block; a proxy that
    /// wants no credentials refuses ours with X'FF'; a proxy that is not there says so.
    func testRefusedTargetsAndMissingProxy() async throws {
        let server = try SOCKSServer(.dante)
        defer { server.stop() }
        let proxy = ProxyConfiguration(host: "127.0.0.1", port: server.port)
        let closedPort = try freeLoopbackPort()
        let refused = try await secureFailure(through: proxy, port: closedPort)
        XCTAssertEqual(refused, .connectFailed(target: "127.0.0.1:\(closedPort)", reply: .connectionRefused))
        XCTAssertEqual(refused.description, "the SOCKS5 proxy could not connect to 127.0.0.1:\(closedPort): connection refused (reply 5)")
        let blocked = try await secureFailure(through: proxy, host: "10.255.255.1", port: 80)
        XCTAssertEqual(blocked, .connectFailed(target: "10.255.255.1:80", reply: .notAllowedByRuleset))
        var withCredentials = proxy
        withCredentials.credentials = SOCKS5Credentials(username: "a", password: "b")
        let method = try await secureFailure(through: withCredentials, port: closedPort)
        XCTAssertEqual(method, .noAcceptableMethod(offered: [.usernamePassword]))
        let absent = try await secureFailure(through: ProxyConfiguration(host: "127.0.0.1", port: try freeLoopbackPort()), port: 9)
        guard case .proxyUnreachable = absent else { return XCTFail("\(absent)") }
    }

    /// Our tracker client publishes and subscribes through each proxy to our tracker, the WebSocket
    /// upgrade running over the tunnel; with bad credentials it stays unconnected and says why.
    func testTrackerClientThroughProxies() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-tracker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var serverConfiguration = TrackerConfiguration()
        serverConfiguration.eventLoopThreads = 1
        serverConfiguration.workerThreads = 1
        let tracker = TrackerServer(configuration: serverConfiguration, logger: quiet)
        try await tracker.start(host: "127.0.0.1", port: 0, databasePath: folder.appendingPathComponent("t.sqlite").path)
        let trackerPort = try XCTUnwrap(tracker.port)

        let dante = try SOCKSServer(.dante)
        defer { dante.stop() }
        let pproxy = try SOCKSServer(.pproxy(user: "bob", password: "pw"))
        defer { pproxy.stop() }
        let key = try Ed25519.PrivateKey.generate()
        for (sequence, url) in [(UInt64(1), "socks5://127.0.0.1:\(dante.port)"), (2, "socks5://bob:pw@127.0.0.1:\(pproxy.port)")] {
            var configuration = TrackerClientConfiguration()
            configuration.proxy = try ProxyConfiguration(url: url)
            configuration.connectTimeout = .seconds(5)
            let client = TrackerClient(
                endpoint: TrackerEndpoint(host: "127.0.0.1", port: trackerPort), configuration: configuration, logger: quiet)
            try await client.waitUntilConnected(timeout: .seconds(10))
            let manifest = try makeSignedManifest(key, sequence)
            let receipt = try await client.publish(manifest)
            XCTAssertEqual(receipt.sequence, sequence, url)
            var iterator = try client.subscribe(to: key.publicKey.hex).makeAsyncIterator()
            let held = await iterator.next()
            XCTAssertEqual(held?.sequence, sequence, url)
            await client.close()
        }

        var bad = TrackerClientConfiguration()
        bad.proxy = try ProxyConfiguration(url: "socks5://bob:wrong@127.0.0.1:\(pproxy.port)")
        bad.backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(200))
        let refused = TrackerClient(
            endpoint: TrackerEndpoint(host: "127.0.0.1", port: trackerPort), configuration: bad, logger: quiet)
        do {
            try await refused.waitUntilConnected(timeout: .seconds(2))
            XCTFail("connected with wrong credentials")
        } catch {
            XCTAssertEqual(error, .timedOut)
        }
        let why = try XCTUnwrap(refused.lastConnectionError)
        XCTAssertTrue(why.contains("refused the username and password"), why)
        await refused.close()
        try await tracker.shutdown()
    }
}
