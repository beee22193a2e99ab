import Foundation
import MegatorrentCrypto
import MegatorrentEngine
import MegatorrentGossip
import MegatorrentManifest
import MegatorrentNode
import MegatorrentSecureTransport
import MegatorrentState
import MegatorrentTestSupport
import MegatorrentWire
import XCTest

/// Gossip between real nodes on 127.0.0.1: engines over real SQLite files, the Noise transport, the wire protocol.
final class GossipTests: XCTestCase {
    private var folder: String!
    private var nodes: [GossipNode] = []
    private var relays: [Task<Void, Never>] = []

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "/mt-gossip-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        for relay in relays { relay.cancel() }
        for node in nodes { await node.close() }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A node with its own engine (following `channels`), listening on 127.0.0.1.
    private func makeNode(_ name: String, following channels: [Ed25519.PublicKey], configuration: GossipConfiguration = GossipConfiguration())
        async throws -> (GossipNode, SubscriptionEngine, Int)
    {
        let engine = SubscriptionEngine(database: try StateDatabase(path: folder + "/\(name).sqlite"))
        for channel in channels { try await engine.follow(channel) }
        let node = GossipNode(staticKey: try X25519.PrivateKey.generate(), backend: EngineGossipBackend(engine: engine), configuration: configuration)
        let port = try await node.listen(host: "127.0.0.1", port: 0)
        relays.append(await node.relayUpdates(of: engine))
        nodes.append(node)
        return (node, engine, port)
    }

    func testAManifestReachesTheThirdNodeThroughTheSecond() async throws {
        let author = try Ed25519.PrivateKey.generate()
        let (a, engineA, portA) = try await makeNode("a", following: [author.publicKey])
        let (b, engineB, portB) = try await makeNode("b", following: [author.publicKey])
        let (c, engineC, _) = try await makeNode("c", following: [author.publicKey])
        try await b.connect(host: "127.0.0.1", port: portA, remoteStatic: a.staticPublicKey)
        try await c.connect(host: "127.0.0.1", port: portB, remoteStatic: b.staticPublicKey)
        let meshed = await eventually(within: 10) { a.peers.count == 1 && b.peers.count == 2 && c.peers.count == 1 }
        XCTAssertTrue(meshed, "a-b-c connected")
        XCTAssertFalse(a.peers.contains { $0.id == Hex.encode(c.staticPublicKey) }, "a and c are not connected")

        for sequence: UInt64 in [1, 2] {
            let manifest = try makeSignedManifest(author, sequence, title: "v\(sequence)")
            let outcome = try await engineA.offer(manifest, from: .local)
            XCTAssertEqual(outcome, .updated)
            let arrived = await asyncEventually(within: 10) { (try? await engineC.latest(author.publicKey))?.sequence == sequence }
            XCTAssertTrue(arrived, "sequence \(sequence) reached c through b")
            let atB = try await engineB.latest(author.publicKey)?.sequence
            XCTAssertEqual(atB, sequence)
        }
        // A node that follows a channel late gets the newest at once (FOLLOW answered with what is held).
        let (d, engineD, _) = try await makeNode("d", following: [author.publicKey])
        try await d.connect(host: "127.0.0.1", port: portB, remoteStatic: b.staticPublicKey)
        let caughtUp = await asyncEventually(within: 10) { (try? await engineD.latest(author.publicKey))?.sequence == 2 }
        XCTAssertTrue(caughtUp)
    }

    func testForgedManifestsGetThePeerBannedAndAreDropped() async throws {
        let author = try Ed25519.PrivateKey.generate()
        let (node, engine, port) = try await makeNode("n", following: [author.publicKey])
        let peerKey = try X25519.PrivateKey.generate()
        let socket = try await SecureSocket.connect(host: "127.0.0.1", port: port, localStatic: peerKey, remoteStatic: node.staticPublicKey)
        try await socket.send(try WireCodec.encode(.hello(.init())))
        var forged = try makeSignedManifest(author, 5).jsonBytes
        forged[forged.count / 2] ^= 0x01  // one changed byte: the signature fails (or the JSON does)
        for _ in 0..<3 { try? await socket.send(try WireCodec.encode(.manifest(forged))) }
        let goodbye = try await Self.nextGoodbye(socket)
        XCTAssertEqual(goodbye?.code, GoodbyeCode.penalised)
        let kept = try await engine.latest(author.publicKey)
        XCTAssertNil(kept, "nothing forged was kept")
        // Banned: the same static key is refused at the handshake for a while.
        do {
            let again = try await SecureSocket.connect(host: "127.0.0.1", port: port, localStatic: peerKey, remoteStatic: node.staticPublicKey)
            let closed = try? await again.receive()
            XCTAssertNil(closed, "a banned peer gets nothing")
        } catch {
            // refused during the handshake: what a ban should do
        }
    }

    func testReplaysArePenalisedAndTheNewestIsKept() async throws {
        let author = try Ed25519.PrivateKey.generate()
        var configuration = GossipConfiguration()
        configuration.banThreshold = -6
        let (node, engine, port) = try await makeNode("n", following: [author.publicKey], configuration: configuration)
        try await engine.offer(try makeSignedManifest(author, 2), from: .local)
        let socket = try await SecureSocket.connect(
            host: "127.0.0.1", port: port, localStatic: try X25519.PrivateKey.generate(), remoteStatic: node.staticPublicKey)
        try await socket.send(try WireCodec.encode(.hello(.init())))
        let old = try makeSignedManifest(author, 1).jsonBytes
        for _ in 0..<5 { try? await socket.send(try WireCodec.encode(.manifest(old))) }
        let goodbye = try await Self.nextGoodbye(socket)
        XCTAssertEqual(goodbye?.code, GoodbyeCode.penalised, "three replays reach the threshold")
        let held = try await engine.latest(author.publicKey)?.sequence
        XCTAssertEqual(held, 2)
    }

    func testMalformedMessagesAndBadOpeningsCloseTheConnection() async throws {
        let (node, _, port) = try await makeNode("n", following: [])
        func connect() async throws -> SecureSocket {
            try await SecureSocket.connect(
                host: "127.0.0.1", port: port, localStatic: try X25519.PrivateKey.generate(), remoteStatic: node.staticPublicKey)
        }
        let noHello = try await connect()
        try await noHello.send(try WireCodec.encode(.getPeers))
        let noHelloGoodbye = try await Self.nextGoodbye(noHello)
        XCTAssertEqual(noHelloGoodbye?.code, GoodbyeCode.malformed)

        let garbage = try await connect()
        try await garbage.send(try WireCodec.encode(.hello(.init())))
        try await garbage.send([WireType.peers, 9, 9, 9])
        let garbageGoodbye = try await Self.nextGoodbye(garbage)
        XCTAssertEqual(garbageGoodbye?.code, GoodbyeCode.malformed)

        let future = try await connect()
        try await future.send(try WireCodec.encode(.hello(.init(minVersion: 7, maxVersion: 9))))
        let futureGoodbye = try await Self.nextGoodbye(future)
        XCTAssertEqual(futureGoodbye?.code, GoodbyeCode.unsupportedVersion)

        // An unknown message type is skipped: the connection stays and answers.
        let polite = try await connect()
        try await polite.send(try WireCodec.encode(.hello(.init())))
        try await polite.send([0x7e, 1, 2, 3])
        try await polite.send(try WireCodec.encode(.getPeers))
        var answered = false
        for _ in 0..<4 {
            guard let bytes = try await polite.receive() else { break }
            if case .peers = try WireCodec.decode(bytes) { answered = true; break }
        }
        XCTAssertTrue(answered, "PEERS came back after an unknown message")
        await polite.close()
    }

    func testPeerExchangeTellsWhereOtherNodesListen() async throws {
        let (a, _, portA) = try await makeNode("a", following: [])
        let (b, _, portB) = try await makeNode("b", following: [])
        let (c, _, _) = try await makeNode("c", following: [])
        try await a.connect(host: "127.0.0.1", port: portB, remoteStatic: b.staticPublicKey)
        try await c.connect(host: "127.0.0.1", port: portB, remoteStatic: b.staticPublicKey)
        let connected = await eventually(within: 10) { b.peers.count == 2 && c.peers.count == 1 }
        XCTAssertTrue(connected)
        await c.requestPeers()
        let learnt = await eventually(within: 10) { c.knownPeers.contains { $0.staticKey == a.staticPublicKey } }
        XCTAssertTrue(learnt, "c learnt a's record from b")
        let record = try XCTUnwrap(c.knownPeers.first { $0.staticKey == a.staticPublicKey })
        XCTAssertEqual(record.host, "127.0.0.1")
        XCTAssertEqual(Int(record.port), portA)
    }

    /// A node that serves no blobs answers blob requests with "missing" (an empty BLOB_HAVE, BLOB_MISSING), so that a
    /// node looking for holders need not wait for it.
    func testANodeWithoutBlobsAnswersMissing() async throws {
        let (node, _, port) = try await makeNode("n", following: [])
        let socket = try await SecureSocket.connect(
            host: "127.0.0.1", port: port, localStatic: try X25519.PrivateKey.generate(), remoteStatic: node.staticPublicKey)
        let id = try XCTUnwrap(BlobID([UInt8](repeating: 7, count: 32)))
        try await socket.send(try WireCodec.encode(.hello(.init())))
        try await socket.send(try WireCodec.encode(.blobQuery([id])))
        try await socket.send(try WireCodec.encode(.blobGet(id)))
        var answers: [WireMessage] = []
        while answers.count < 2, let bytes = try await socket.receive() {
            let message = try WireCodec.decode(bytes)
            switch message {
            case .blobHave, .blobMissing: answers.append(message)
            default: continue  // the node's HELLO and FOLLOW
            }
        }
        XCTAssertEqual(answers, [.blobHave([]), .blobMissing(id)])
        await socket.close()
    }

    func testAWrongStaticKeyIsRefused() async throws {
        let (_, _, port) = try await makeNode("n", following: [])
        let (other, _, _) = try await makeNode("o", following: [])
        do {
            try await other.connect(host: "127.0.0.1", port: port, remoteStatic: try X25519.PrivateKey.generate().publicKey)
            XCTFail("connected to a node with another key")
        } catch {
            XCTAssertTrue(error is SecureTransportError, "\(error)")
        }
    }

    /// Reads until a GOODBYE or the end; returns the goodbye (nil if the connection ended without one).
    private static func nextGoodbye(_ socket: SecureSocket) async throws -> (code: UInt16, reason: String)? {
        for _ in 0..<64 {
            guard let bytes = try? await socket.receive() else { return nil }
            if case let .goodbye(code, reason) = try WireCodec.decode(bytes) { return (code, reason) }
        }
        return nil
    }
}

/// `eventually` for an async condition.
func asyncEventually(within seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if await condition() { return true }
        if Date() >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
}
