import Foundation
import XCTest
import MegatorrentBencode
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTestSupport
import MegatorrentTorrent
@testable import MegatorrentDHT

/// BEP 44 mutable items between our nodes and an independent DHT node: Debian's python3-libtorrent, its own
/// session in its own process (tests/interop/lt_dht_peer.py), joined to a loopback swarm of ours. Its key pair is
/// derived from the seed in pure Python (RFC 8032 arithmetic) and it signs with the binding (libtorrent's own
/// ed25519); it checks our signatures in pure Python too.
final class PythonLibtorrentInteropTests: XCTestCase {
    static let nodes = 8

    func testMutableItemsBetweenOurNodesAndPythonLibtorrent() async throws {
        let swarm = try await DHTSwarm(count: Self.nodes)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tests/interop/lt_dht_peer.py").path
        let python = try LineProcess(
            name: "lt_dht_peer.py", executable: "/usr/bin/python3", arguments: [script] + swarm.ports.map(String.init))
        defer { python.stop() }  // whatever happens; stop() is idempotent and kills after 5 s
        do {
            try await exchange(swarm: swarm, python: python)
        } catch {
            XCTFail("\(error)")
        }
        python.stop()
        await swarm.shutDown()
    }

    private func exchange(swarm: DHTSwarm, python: LineProcess) async throws {
        // The peer prints its DHT port; every node of ours adds it, and both sides wait for their routing tables.
        let first = try python.readLine(timeout: 15)
        let port = try XCTUnwrap(first.hasPrefix("port ") ? Int(first.dropFirst(5)) : nil, "first line: \(first)")
        for index in 0..<Self.nodes { try swarm.dht(index).addNode(host: "127.0.0.1", port: port) }
        let theirs = try python.request("nodes \(Self.nodes) 10", timeout: 15)
        XCTAssertGreaterThanOrEqual(theirs["nodes"] as? Int ?? 0, Self.nodes, "python's routing table holds our nodes")
        let ours = try await eventually(within: 10) {
            try (0..<Self.nodes).allSatisfy { try swarm.dht($0).nodeCount >= Self.nodes }
        }
        XCTAssertTrue(ours, "our routing tables hold python's node")

        // (a) Python puts (the binding chooses seq = highest found + 1), with a salt and without; ours get and check.
        let key = try Ed25519.PrivateKey.generate()
        let seed = key.seed.withUnsafeBytes { Hex.encode($0) }
        for salt in ["", "interop-salt"] {
            let saltArgument = salt.isEmpty ? "-" : Hex.encode(Array(salt.utf8))
            for sequence in 1...2 {
                let text = "python-libtorrent says \(sequence) (\(salt.isEmpty ? "no salt" : salt))"
                let put = try python.request("put \(seed) \(saltArgument) \(Hex.encode(Array(text.utf8))) 20", timeout: 30)
                XCTAssertEqual(put["public_key"] as? String, key.publicKey.hex, "python derived our public key from the seed")
                XCTAssertEqual(put["seq"] as? Int, sequence)
                XCTAssertGreaterThan(put["num_success"] as? Int ?? 0, 0, "\(put)")

                let found = try await ourGet(swarm.dht(5), key.publicKey.bytes, Array(salt.utf8), atLeast: Int64(sequence))
                XCTAssertEqual(found.sequence, Int64(sequence))
                XCTAssertEqual(found.value, Bencode.encode(.string(text)), "a Python str value is a bencoded byte string")
                XCTAssertEqual(found.publicKey, key.publicKey.bytes)
                XCTAssertEqual(found.salt, Array(salt.utf8))
                XCTAssertEqual(Hex.encode(found.signature), put["signature"] as? String)
                // Our strict verification (OpenSSL, libsodium's rules) of libtorrent's signature.
                XCTAssertNoThrow(try MutableItem(
                    publicKey: key.publicKey, salt: found.salt, sequence: found.sequence, value: found.value,
                    signature: found.signature))
            }
        }

        // (b) Ours put (seq chosen by us), with a salt and without; Python gets. The binding hands over only
        // byte-string values: those Python reads byte for byte and verifies the signature of itself; a dictionary
        // it sees as libtorrent prints it (libtorrent verified the signature: it drops items that fail).
        let ourKey = try Ed25519.PrivateKey.generate()
        let values: [(value: [UInt8], printed: String)] = [
            (Bencode.encode(.string("megatorrent says hello")), "'megatorrent says hello'"),
            (Bencode.encode(.dictionary(["from": .string("megatorrent"), "n": .integer(7)])), "{\n 'from': 'megatorrent',\n 'n': 7 }"),
        ]
        for salt in ["", "ours"] {
            for (index, (value, printed)) in values.enumerated() {
                let sequence = Int64(41 + index)
                let item = try MutableItem(signing: value, salt: Array(salt.utf8), sequence: sequence, with: ourKey)
                let put = try await DHTChannel(dht: swarm.dht(2)).put(item, timeout: .seconds(20))
                guard case let .completed(successCount) = put else { return XCTFail("our put timed out") }
                XCTAssertGreaterThan(successCount, 0)
                let got = try python.request(
                    "get \(ourKey.publicKey.hex) \(salt.isEmpty ? "-" : Hex.encode(Array(salt.utf8))) \(sequence) 20",
                    timeout: 30)
                XCTAssertEqual(got["found"] as? Bool, true, "\(got)")
                XCTAssertEqual(got["seq"] as? Int, Int(sequence))
                XCTAssertEqual(got["public_key"] as? String, ourKey.publicKey.hex)
                XCTAssertEqual(got["salt"] as? String, Hex.encode(Array(salt.utf8)))
                XCTAssertEqual(got["signature"] as? String, Hex.encode(item.signature))
                XCTAssertEqual(got["value_text"] as? String, printed)
                if index == 0 {
                    XCTAssertEqual(got["value"] as? String, Hex.encode(value))
                    XCTAssertEqual(got["signature_valid"] as? Bool, true, "pure-Python RFC 8032 verification")
                }
            }
        }

        // A BEP 46 channel pointer published by ours, read by Python: exactly d2:ih20:<info-hash>e at the manifest's
        // sequence.
        let channel = try Ed25519.PrivateKey.generate()
        let pointerManifest = try ManifestSigner.sign(
            ManifestBody(publicKey: channel.publicKey, sequence: 3, timestamp: 1, collections: [
                ManifestCollection(title: "interop", items: ["magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"])]),
            with: channel)
        let (_, pointerPut) = try await DHTChannel(dht: swarm.dht(6)).publishPointer(for: pointerManifest, with: channel)
        guard case .completed = pointerPut else { return XCTFail("pointer put timed out") }
        let pointer = try python.request("get \(channel.publicKey.hex) - 3 20", timeout: 30)
        let infoHash = ManifestTorrent(manifest: pointerManifest).infoHash
        XCTAssertEqual(pointer["seq"] as? Int, 3)
        XCTAssertEqual(pointer["public_key"] as? String, channel.publicKey.hex)
        XCTAssertEqual(pointer["value_text"] as? String, "{\n 'ih': '\(Hex.encode(infoHash))' }", "\(pointer)")

        // Nothing under an unknown key: Python's lookup ends authoritatively empty.
        let unknown = try Ed25519.PrivateKey.generate()
        let missing = try python.request("get \(unknown.publicKey.hex) - 1 30", timeout: 40)
        XCTAssertEqual(missing["found"] as? Bool, false, "\(missing)")
    }

    /// Our lookups until one returns `sequence` or more (a first answer may come from a node that missed the newest
    /// put), at most 20.
    private func ourGet(_ dht: DHTNode, _ publicKey: [UInt8], _ salt: [UInt8], atLeast sequence: Int64) async throws
        -> SignedMutableItem
    {
        var last: MutableGetResult = .timedOut
        for _ in 0..<20 {
            last = try await dht.getMutable(publicKey: publicKey, salt: salt, timeout: .seconds(10))
            if case let .found(item, _) = last, item.sequence >= sequence { return item }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LineProcess.Failure(description: "no answer with seq >= \(sequence); last: \(last)")
    }
}
