import Foundation
import MegatorrentCrypto
import MegatorrentManifest
import XCTest

@testable import MegatorrentTracker

/// An independent client, PyPI `websockets` (scripts/setup.sh installs it), talks to our server:
/// it subscribes, publishes a manifest our Swift code signed, sees it pushed, sees a replay and
/// garbage refused, and a late subscriber gets the held manifest; our TrackerClient receives the
/// same manifest and verifies it.
final class InteropTests: XCTestCase {
    static let script = #"""
        import json, sys
        from websockets.sync.client import connect

        url, manifest_path, key = sys.argv[1:4]
        with open(manifest_path) as f:
            manifest = json.load(f)

        def recv(ws):
            return json.loads(ws.recv(timeout=10))

        with connect(url, max_size=2**21) as sub:
            sub.send(json.dumps({"action": "subscribe", "key": key}))
            ack = recv(sub)
            assert ack == {"action": "subscribe", "key": key, "status": "subscribed"}, ack
            with connect(url) as pub:
                pub.send(json.dumps({"action": "publish", "manifest": manifest}))
                ack = recv(pub)
                assert ack == {"action": "publish", "key": key, "sequence": manifest["sequence"], "status": "stored"}, ack
                pub.send(json.dumps({"action": "publish", "manifest": manifest}))
                stale = recv(pub)
                assert stale["code"] == 17 and stale["action"] == "publish" and stale["failure reason"], stale
                pub.send("this is not JSON")
                bad = recv(pub)
                assert bad["code"] == 100 and bad["failure reason"], bad
                assert pub.ping().wait(10), "no pong"
            pushed = recv(sub)
            assert pushed == {"action": "manifest", "key": key, "manifest": manifest}, pushed

        with connect(url) as late:
            late.send(json.dumps({"action": "subscribe", "key": "magnet:?xs=urn:btpk:" + key}))
            assert recv(late)["status"] == "subscribed"
            held = recv(late)
            assert held["manifest"] == manifest, held
        print("ok")
        """#

    func testPythonWebsocketsClient() async throws {
        let check = try run(["python3", "-c", "import websockets"], timeout: 30)
        guard check.status == 0 else {
            return XCTFail("python3 cannot import websockets: run scripts/setup.sh (\(check.errors))")
        }
        let folder = try temporaryFolder("interop")
        defer { folder.remove() }
        let server = try await startServer(databasePath: folder.path + "/state.sqlite")
        let port = try XCTUnwrap(server.port)
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeManifest(key, sequence: 3, items: 5)
        let manifestPath = folder.path + "/manifest.json"
        try Data(manifest.jsonBytes).write(to: URL(fileURLWithPath: manifestPath))

        let ours = TrackerClient(
            endpoint: TrackerEndpoint(host: "127.0.0.1", port: port), configuration: testClientConfiguration(),
            logger: quietLogger)
        let stream = StreamReader(try ours.subscribe(to: key.publicKey.hex))
        try await ours.waitUntilConnected(timeout: .seconds(10))

        let result = try run(
            ["python3", "-c", Self.script, "ws://127.0.0.1:\(port)/", manifestPath, key.publicKey.hex], timeout: 60)
        XCTAssertEqual(result.status, 0, result.errors)
        XCTAssertEqual(result.output, "ok")
        let received = await stream.next()
        XCTAssertEqual(received, manifest, "our client got and verified what Python published")

        stream.cancel()
        await ours.close()
        try await server.shutdown()
    }

    /// Runs a command, killing it after `timeout` seconds.
    private func run(_ arguments: [String], timeout: TimeInterval) throws -> (
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
}
