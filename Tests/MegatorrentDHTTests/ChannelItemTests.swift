import Foundation
import XCTest
import MegatorrentBencode
import MegatorrentCrypto
import MegatorrentManifest
@testable import MegatorrentDHT

final class ChannelItemTests: XCTestCase {
    func manifest(sequence: UInt64 = 3, items: Int = 2) throws -> (Ed25519.PrivateKey, SignedManifest) {
        let key = try Ed25519.PrivateKey.generate()
        let magnets = (0..<items).map { "magnet:?xt=urn:btih:\(Hex.encode(Digest.hash(.sha1, Array("\($0)".utf8))))" }
        let body = ManifestBody(publicKey: key.publicKey, sequence: sequence, timestamp: 1, collections: [ManifestCollection(title: "t", items: magnets)])
        return (key, try ManifestSigner.sign(body, with: key))
    }

    func testManifestTorrentIsDeterministic() throws {
        let (_, signed) = try manifest()
        let a = ManifestTorrent(manifest: signed), b = ManifestTorrent(manifest: try ManifestVerifier.verify(signed.jsonBytes))
        XCTAssertEqual(a.infoHash, b.infoHash)
        XCTAssertEqual(a.infoHash.count, 20)
        XCTAssertEqual(a.content, signed.jsonBytes)
        let info = try Bencode.decode(a.info)
        XCTAssertEqual(info["name"]?.byteString, Array("manifest.json".utf8))
        XCTAssertEqual(info["length"]?.integer, Int64(signed.jsonBytes.count))
        XCTAssertEqual(info["pieces"]?.byteString?.count, 20)
        XCTAssertEqual(Digest.hash(.sha1, a.info), a.infoHash)
    }

    func testPiecesOfALargerManifest() throws {
        let content = [UInt8](repeating: 0x61, count: ManifestTorrent.pieceLength * 2 + 1)
        let torrent = ManifestTorrent(content: content)
        let pieces = try XCTUnwrap(Bencode.decode(torrent.info)["pieces"]?.byteString)
        XCTAssertEqual(pieces.count, 60)
        XCTAssertEqual(Array(pieces[40..<60]), Digest.hash(.sha1, [0x61]))
    }

    func testChannelPointer() {
        let ih = [UInt8](repeating: 9, count: 20)
        let pointer = ChannelPointer(infoHash: ih)
        XCTAssertEqual(pointer.bencoded, Array("d2:ih20:".utf8) + ih + [UInt8(ascii: "e")])
        XCTAssertEqual(ChannelPointer(bencoded: pointer.bencoded), pointer)
        XCTAssertNil(ChannelPointer(bencoded: Array("d2:ih3:abce".utf8)))
        XCTAssertNil(ChannelPointer(bencoded: Array("garbage".utf8)))
    }

    func testMutableItemSignAndVerify() throws {
        let key = try Ed25519.PrivateKey.generate()
        let value = ChannelPointer(infoHash: [UInt8](repeating: 1, count: 20)).bencoded
        let item = try MutableItem(signing: value, salt: Array("foobar".utf8), sequence: 7, with: key)
        XCTAssertNoThrow(try MutableItem(publicKey: key.publicKey, salt: item.salt, sequence: 7, value: value, signature: item.signature))
        XCTAssertThrowsError(try MutableItem(publicKey: key.publicKey, salt: item.salt, sequence: 8, value: value, signature: item.signature)) {
            XCTAssertEqual($0 as? MutableItem.Problem, .badSignature)
        }
        XCTAssertThrowsError(try MutableItem(publicKey: key.publicKey, salt: [], sequence: 7, value: value, signature: item.signature))
        XCTAssertEqual(item.target, Digest.hash(.sha1, key.publicKey.bytes + Array("foobar".utf8)))
        XCTAssertEqual(MutableItem.signedPayload(salt: Array("foobar".utf8), sequence: 1, value: Array("12:Hello World!".utf8)),
                       Array("4:salt6:foobar3:seqi1e1:v12:Hello World!".utf8))
        XCTAssertEqual(MutableItem.signedPayload(salt: [], sequence: 1, value: Array("12:Hello World!".utf8)),
                       Array("3:seqi1e1:v12:Hello World!".utf8))
    }

    func testMutableItemLimits() throws {
        let key = try Ed25519.PrivateKey.generate()
        let big = Bencode.encode(.bytes([UInt8](repeating: 0, count: 996)))
        XCTAssertEqual(big.count, 1000)
        XCTAssertNoThrow(try MutableItem(signing: big, sequence: 1, with: key))
        let tooBig = Bencode.encode(.bytes([UInt8](repeating: 0, count: 997)))
        XCTAssertThrowsError(try MutableItem(signing: tooBig, sequence: 1, with: key)) { XCTAssertEqual($0 as? MutableItem.Problem, .valueTooLarge(1001)) }
        XCTAssertThrowsError(try MutableItem(signing: Array("nope".utf8), sequence: 1, with: key)) { XCTAssertEqual($0 as? MutableItem.Problem, .invalidValue) }
        XCTAssertThrowsError(try MutableItem(signing: Array("i1e".utf8), salt: [UInt8](repeating: 1, count: 65), sequence: 1, with: key))
        XCTAssertThrowsError(try MutableItem(signing: Array("i1e".utf8), sequence: -1, with: key))
    }

    /// Independent implementations: libsodium (PyPI pynacl) verifies our BEP 44 signature over a
    /// payload Python builds itself from the BEP's text, and libtorrent (Debian's
    /// python3-libtorrent) reads our manifest torrent and reports the same info-hash.
    func testInteropWithPynaclAndPythonLibtorrent() throws {
        let (key, signed) = try manifest(items: 40)
        let torrent = ManifestTorrent(manifest: signed)
        let item = try MutableItem(signing: ChannelPointer(infoHash: torrent.infoHash).bencoded, salt: Array("s".utf8), sequence: Int64(signed.sequence), with: key)

        let folder = NSTemporaryDirectory() + "/mt-dht-interop-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let torrentPath = folder + "/manifest.torrent"
        try Data(torrent.torrentFile).write(to: URL(fileURLWithPath: torrentPath))

        let nacl = try runPython("python3", """
            import sys, nacl.signing
            pk, sig, salt = (bytes.fromhex(a) for a in sys.argv[1:4])
            seq, v = int(sys.argv[4]), bytes.fromhex(sys.argv[5])
            payload = (b"4:salt%d:" % len(salt) + salt if salt else b"") + b"3:seqi%de1:v" % seq + v
            nacl.signing.VerifyKey(pk).verify(payload, sig)
            print("ok")
            """, [key.publicKey.hex, Hex.encode(item.signature), Hex.encode(item.salt), "\(item.sequence)", Hex.encode(item.value)])
        XCTAssertEqual(nacl, "ok")

        let lt = try runPython("/usr/bin/python3", """
            import sys, libtorrent as lt
            info = lt.torrent_info(sys.argv[1])
            print(str(info.info_hashes().v1), info.piece_length(), info.files().file_name(0), info.total_size())
            """, [torrentPath])
        XCTAssertEqual(lt, "\(torrent.infoHashHex) \(ManifestTorrent.pieceLength) manifest.json \(signed.jsonBytes.count)")
    }

    private func runPython(_ python: String, _ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: errors, as: UTF8.self))
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
