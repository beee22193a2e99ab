import Foundation
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTestSupport
import NIOCore
import XCTest

@testable import MegatorrentTracker

/// wss:// and https://: our client and our TLS server, each against an independent TLS stack
/// (Python's `ssl` with PyPI `websockets`), certificates that must be refused, and plain ws://.
/// The certificates are made for each test with the openssl CLI.
final class TrackerTLSTests: XCTestCase {
    var folder: (path: String, remove: () -> Void)!
    var certificates: TestCertificates!
    var databasePath: String { folder.path + "/state.sqlite" }

    override func setUpWithError() throws {
        folder = try temporaryFolder("tls")
        certificates = try TestCertificates(folder: folder.path + "/pki")
    }

    override func tearDownWithError() throws { folder.remove() }

    func startTLSServer(certificate: String? = nil, key: String? = nil) async throws -> TrackerServer {
        try await startServer(
            databasePath: databasePath,
            configuration: testConfiguration {
                $0.tls = TrackerTLSFiles(
                    certificateChainFile: certificate ?? certificates.serverCertificate,
                    privateKeyFile: key ?? certificates.serverKey)
            })
    }

    func client(_ url: String, trusting caFile: String?) throws -> TrackerClient {
        var configuration = testClientConfiguration()
        configuration.trustRootsFile = caFile
        return TrackerClient(endpoint: try TrackerEndpoint(url: url), configuration: configuration, logger: quietLogger)
    }

    /// (a) Our client publishes and subscribes over wss:// to our TLS server, by IP address (checked
    /// against the certificate's IP names) and by host name (sent as SNI, checked against its DNS names).
    func testPublishAndSubscribeOverWSS() async throws {
        let server = try await startTLSServer()
        let port = try XCTUnwrap(server.port)
        let author = try client("wss://127.0.0.1:\(port)/", trusting: certificates.caFile)
        let reader = try client("wss://localhost:\(port)/", trusting: certificates.caFile)
        let key = try Ed25519.PrivateKey.generate()

        let first = try makeManifest(key, sequence: 1)
        let receipt = try await author.publish(first)
        XCTAssertEqual(receipt, PublishReceipt(key: key.publicKey.hex, sequence: 1))
        let stream = StreamReader(try reader.subscribe(to: key.publicKey.hex))
        let held = await stream.next()
        XCTAssertEqual(held, first, "the held manifest, over TLS")
        let second = try makeManifest(key, sequence: 2, items: 3)
        _ = try await author.publish(second)
        let pushed = await stream.next()
        XCTAssertEqual(pushed, second, "a push, over TLS")
        XCTAssertTrue(author.isConnected)
        XCTAssertTrue(reader.isConnected)

        stream.cancel()
        await author.close()
        await reader.close()
        try await server.shutdown()
    }

    /// The client reconnects over TLS after the server restarts, and subscribes again.
    func testReconnectsOverWSS() async throws {
        var server = try await startTLSServer()
        let port = try XCTUnwrap(server.port)
        let reader = try client("wss://127.0.0.1:\(port)/", trusting: certificates.caFile)
        let key = try Ed25519.PrivateKey.generate()
        let stream = StreamReader(try reader.subscribe(to: key.publicKey.hex))
        try await reader.waitUntilConnected(timeout: .seconds(10))
        try await server.shutdown()

        server = try await startServer(
            databasePath: databasePath, port: port,
            configuration: testConfiguration {
                $0.tls = TrackerTLSFiles(
                    certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
            })
        let reconnected = await eventually { reader.connectionCount >= 2 && reader.isConnected }
        XCTAssertTrue(reconnected)
        let manifest = try makeManifest(key, sequence: 9)
        try await server.publish(manifest.jsonBytes)
        let received = await stream.next()
        XCTAssertEqual(received, manifest, "subscribed again after the reconnect")

        stream.cancel()
        await reader.close()
        try await server.shutdown()
    }

    /// (b) An independent client, Python's ssl and `websockets`, to our TLS server: wss:// publish
    /// and subscribe, and https:// health, metrics and scrape. Our client receives what it published.
    func testPythonClientToOurTLSServer() async throws {
        try requirePythonWebsockets()
        let server = try await startTLSServer()
        let port = try XCTUnwrap(server.port)
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeManifest(key, sequence: 4, items: 2)
        let manifestPath = folder.path + "/manifest.json"
        try Data(manifest.jsonBytes).write(to: URL(fileURLWithPath: manifestPath))

        let ours = try client("wss://localhost:\(port)/", trusting: certificates.caFile)
        let stream = StreamReader(try ours.subscribe(to: key.publicKey.hex))
        try await ours.waitUntilConnected(timeout: .seconds(10))

        let result = try runProcess(
            ["python3", "-c", Self.pythonClient, "\(port)", certificates.caFile, manifestPath, key.publicKey.hex],
            timeout: 60)
        XCTAssertEqual(result.status, 0, result.errors)
        XCTAssertEqual(result.output, "ok")
        let received = await stream.next()
        XCTAssertEqual(received, manifest, "our client got and verified what Python published over TLS")

        stream.cancel()
        await ours.close()
        try await server.shutdown()
    }

    /// (b) Our client to an independent server: Python's ssl and `websockets` serving the tracker's
    /// publish/subscribe JSON with our test certificate.
    func testOurClientToPythonTLSServer() async throws {
        try requirePythonWebsockets()
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeManifest(key, sequence: 6, items: 2)
        let manifestPath = folder.path + "/manifest.json"
        try Data(manifest.jsonBytes).write(to: URL(fileURLWithPath: manifestPath))
        let python = try LineProcess(
            name: "python wss server", executable: "/usr/bin/env",
            arguments: [
                "python3", "-c", Self.pythonServer, certificates.serverCertificate, certificates.serverKey, manifestPath,
            ])
        defer { python.stop() }
        let port = try XCTUnwrap(Int(try python.readLine(timeout: 30)), "the Python server's port")

        let ours = try client("wss://localhost:\(port)/tracker", trusting: certificates.caFile)
        let stream = StreamReader(try ours.subscribe(to: key.publicKey.hex))
        let received = await stream.next(timeout: .seconds(20))
        XCTAssertEqual(received, manifest, "verified the manifest the Python wss server sent")
        let next = try makeManifest(key, sequence: 7)
        let receipt = try await ours.publish(next)
        XCTAssertEqual(receipt, PublishReceipt(key: key.publicKey.hex, sequence: 7))
        XCTAssertEqual(try python.readLine(timeout: 10), "published 7", "the Python server got the manifest")

        stream.cancel()
        await ours.close()
    }

    /// (c) A certificate that does not verify is refused at once with a one-line reason: another CA's,
    /// one of ours for another name, ours without our CA given; and TLS to a plain tracker.
    func testUntrustedCertificatesAreRefused() async throws {
        let rogue = try await startTLSServer(
            certificate: certificates.untrustedCertificate, key: certificates.untrustedKey)
        let rogueURL = "wss://127.0.0.1:\(try XCTUnwrap(rogue.port))/"
        let reason = try await tlsFailure(rogueURL, trusting: certificates.caFile)
        XCTAssertTrue(reason.contains("failed verification"), reason)
        XCTAssertTrue(reason.contains(certificates.caFile), reason)
        XCTAssertFalse(reason.contains("\n"), reason)

        // A publish fails with the same reason, well before its timeout.
        let author = try client(rogueURL, trusting: certificates.caFile)
        let started = ContinuousClock.now
        let unsent = try makeManifest(try Ed25519.PrivateKey.generate(), sequence: 1)
        do throws(TrackerClientError) {
            _ = try await author.publish(unsent)
            XCTFail("published to an untrusted tracker")
        } catch {
            guard case .tls(let why) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("failed verification"), why)
            XCTAssertTrue(error.description.hasPrefix("TLS: "), error.description)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
        await author.close()
        try await rogue.shutdown()

        let wrongName = try await startTLSServer(
            certificate: certificates.wrongNameCertificate, key: certificates.wrongNameKey)
        let wrongPort = try XCTUnwrap(wrongName.port)
        let byIP = try await tlsFailure("wss://127.0.0.1:\(wrongPort)/", trusting: certificates.caFile)
        XCTAssertTrue(byIP.contains("not valid for 127.0.0.1"), byIP)
        let byName = try await tlsFailure("wss://localhost:\(wrongPort)/", trusting: certificates.caFile)
        XCTAssertTrue(byName.contains("not valid for localhost"), byName)
        try await wrongName.shutdown()

        let ours = try await startTLSServer()
        let port = try XCTUnwrap(ours.port)
        let untrusted = try await tlsFailure("wss://127.0.0.1:\(port)/", trusting: nil)
        XCTAssertTrue(untrusted.contains("failed verification"), untrusted)
        XCTAssertTrue(untrusted.contains("system trust store"), untrusted)
        try await ours.shutdown()

        let plain = try await startServer(databasePath: folder.path + "/plain.sqlite")
        let notTLS = try await tlsFailure("wss://127.0.0.1:\(try XCTUnwrap(plain.port))/", trusting: certificates.caFile)
        XCTAssertTrue(notTLS.contains("does not answer TLS"), notTLS)
        try await plain.shutdown()

        let missing = try await tlsFailure("wss://127.0.0.1:1/", trusting: folder.path + "/none.pem")
        XCTAssertTrue(missing.contains("cannot read the trust roots file"), missing)
    }

    /// The server refuses to start with files it cannot use, saying which and why.
    func testServerRefusesBadFiles() async throws {
        for (certificate, key, expected) in [
            (folder.path + "/none.pem", certificates.serverKey, "cannot read the certificate chain"),
            (certificates.serverCertificate, folder.path + "/none.key", "cannot read the private key"),
            (certificates.serverCertificate, certificates.untrustedKey, "does the key match"),
            (certificates.serverKey, certificates.serverKey, "cannot read the certificate chain"),
        ] {
            let server = TrackerServer(
                configuration: testConfiguration {
                    $0.tls = TrackerTLSFiles(certificateChainFile: certificate, privateKeyFile: key)
                }, logger: quietLogger)
            do {
                try await server.start(host: "127.0.0.1", port: 0, databasePath: databasePath)
                XCTFail("started with \(certificate) and \(key)")
                try await server.shutdown()
            } catch let error as TrackerServer.StartError {
                guard case .tls(let reason) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains(expected), reason)
            }
        }
    }

    /// (d) Plain ws:// is unchanged next to TLS: a plain server and client, and a ws:// client of a
    /// TLS server gets no connection (no plaintext is served there).
    func testPlainWSStillWorks() async throws {
        let plain = try await startServer(databasePath: databasePath)
        let url = "ws://127.0.0.1:\(try XCTUnwrap(plain.port))/"
        let author = try client(url, trusting: nil)
        let reader = try client(url, trusting: certificates.caFile)  // ignored for ws://
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeManifest(key, sequence: 2)
        _ = try await author.publish(manifest)
        let stream = StreamReader(try reader.subscribe(to: key.publicKey.hex))
        let received = await stream.next()
        XCTAssertEqual(received, manifest)
        stream.cancel()
        await author.close()
        await reader.close()
        try await plain.shutdown()

        let secure = try await startTLSServer()
        var configuration = testClientConfiguration()
        configuration.connectTimeout = .seconds(2)
        let plaintext = TrackerClient(
            endpoint: try TrackerEndpoint(url: "ws://127.0.0.1:\(try XCTUnwrap(secure.port))/"),
            configuration: configuration, logger: quietLogger)
        do throws(TrackerClientError) {
            try await plaintext.waitUntilConnected(timeout: .seconds(3))
            XCTFail("a plaintext WebSocket to a TLS tracker")
        } catch {
            XCTAssertEqual(error, .timedOut)
        }
        await plaintext.close()
        try await secure.shutdown()
    }

    // MARK: Helpers

    /// The reason a client of `url` trusting `caFile` cannot connect, from waitUntilConnected.
    private func tlsFailure(_ url: String, trusting caFile: String?) async throws -> String {
        let client = try client(url, trusting: caFile)
        defer { Task { await client.close() } }
        do throws(TrackerClientError) {
            try await client.waitUntilConnected(timeout: .seconds(10))
        } catch {
            guard case .tls(let reason) = error else {
                XCTFail("\(url): \(error)")
                return ""
            }
            return reason
        }
        XCTFail("\(url): connected")
        return ""
    }

    private func requirePythonWebsockets() throws {
        let check = try runProcess(["python3", "-c", "import ssl, websockets"], timeout: 30)
        guard check.status == 0 else {
            throw XCTSkip("python3 cannot import websockets: run scripts/setup.sh (\(check.errors))")
        }
    }

    /// argv: port, CA file, manifest file, key. Python's own TLS (OpenSSL through `ssl`) verifies
    /// our server's certificate against the test CA.
    static let pythonClient = #"""
        import json, ssl, sys, urllib.request
        from websockets.sync.client import connect

        port, cafile, manifest_path, key = sys.argv[1:5]
        with open(manifest_path) as f:
            manifest = json.load(f)
        tls = ssl.create_default_context(cafile=cafile)
        url = "wss://localhost:%s/" % port

        def recv(ws):
            return json.loads(ws.recv(timeout=10))

        with connect(url, ssl=tls, max_size=2**21) as sub:
            sub.send(json.dumps({"action": "subscribe", "key": key}))
            assert recv(sub) == {"action": "subscribe", "key": key, "status": "subscribed"}
            with connect("wss://127.0.0.1:%s/" % port, ssl=tls) as pub:
                pub.send(json.dumps({"action": "publish", "manifest": manifest}))
                ack = recv(pub)
                assert ack == {"action": "publish", "key": key, "sequence": manifest["sequence"], "status": "stored"}, ack
                assert pub.ping().wait(10), "no pong"
            pushed = recv(sub)
            assert pushed == {"action": "manifest", "key": key, "manifest": manifest}, pushed

        def get(path):
            with urllib.request.urlopen("https://localhost:%s%s" % (port, path), context=tls, timeout=10) as r:
                return r.status, r.read()

        assert get("/health") == (200, b"ok\n")
        status, metrics = get("/metrics")
        assert status == 200 and b"megatorrent" in metrics, metrics[:200]
        status, scrape = get("/scrape")
        assert status == 200 and scrape.startswith(b"d"), scrape
        try:
            connect(url, open_timeout=10)  # the system trust store alone does not know the test CA
            raise AssertionError("verified without the test CA")
        except ssl.SSLCertVerificationError:
            pass
        print("ok")
        """#

    /// argv: certificate, key, manifest file. Prints its port, then answers subscribe with the
    /// manifest and publish with stored (printing `published N`), until its stdin closes.
    static let pythonServer = #"""
        import json, ssl, sys, threading
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.server import serve

        cert, keyfile, manifest_path = sys.argv[1:4]
        with open(manifest_path) as f:
            manifest = json.load(f)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, keyfile)

        def handle(ws):
            try:
                serve_one(ws)
            except ConnectionClosed:  # our client closes its socket without a close frame
                pass

        def serve_one(ws):
            for text in ws:
                message = json.loads(text)
                if message["action"] == "subscribe":
                    key = message["key"]
                    ws.send(json.dumps({"action": "subscribe", "key": key, "status": "subscribed"}))
                    ws.send(json.dumps({"action": "manifest", "key": key, "manifest": manifest}))
                elif message["action"] == "publish":
                    published = message["manifest"]
                    ws.send(json.dumps({"action": "publish", "key": published["publicKey"],
                                        "sequence": published["sequence"], "status": "stored"}))
                    print("published %d" % published["sequence"], flush=True)

        with serve(handle, "127.0.0.1", 0, ssl=tls) as server:
            print(server.socket.getsockname()[1], flush=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            sys.stdin.read()
            server.shutdown()
        """#
}

/// Runs a command, killing it after `timeout` seconds.
func runProcess(_ arguments: [String], timeout: TimeInterval) throws -> (
    status: Int32, output: String, errors: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    if process.isRunning {
        process.terminate()
        XCTFail("\(arguments.first ?? "") did not finish in \(timeout) s")
    }
    process.waitUntilExit()
    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (process.terminationStatus, output.trimmingCharacters(in: .whitespacesAndNewlines), errors)
}
