import XCTest
import MegatorrentCrypto
import MegatorrentJSON
@testable import MegatorrentManifest

final class ManifestSignVerifyTests: XCTestCase {
    let key = try! Ed25519.PrivateKey.generate()

    func testRoundTrip() throws {
        let bytes = try signedBytes(key, sequence: 7, items: 5)
        let manifest = try ManifestVerifier.verify(bytes)
        XCTAssertEqual(manifest.channelID, key.publicKey.hex)
        XCTAssertEqual(manifest.sequence, 7)
        XCTAssertEqual(manifest.body.timestamp, 1_700_000_000_000)
        XCTAssertEqual(manifest.body.collections.first?.items.count, 5)
        XCTAssertEqual(manifest.jsonBytes, bytes, "the signed form is canonical and re-serialises identically")
        XCTAssertNil(refusal(bytes, expectedKey: key.publicKey))
    }

    /// Whitespace and member order do not matter: the signature covers the canonical form.
    func testReorderedAndSpacedManifestStillVerifies() throws {
        let manifest = try ManifestVerifier.verify(signedBytes(key))
        guard case let .object(members) = try JSONParser.parse(manifest.jsonBytes, options: JSONParseOptions()) else { return XCTFail() }
        var text = "{\n"
        for (i, member) in members.reversed().enumerated() {
            text += "  \"\(member.key)\" : " + String(decoding: CanonicalJSON.serialize(member.value), as: UTF8.self)
            text += i == members.count - 1 ? "\n" : ",\n"
        }
        text += "}"
        XCTAssertEqual(try ManifestVerifier.verify(Array(text.utf8)), manifest)
    }

    func testChangedByteRefused() throws {
        let bytes = try signedBytes(key)
        XCTAssertEqual(refusal(replacing(bytes, "Season 1", "Season 2")), .badSignature)
        XCTAssertEqual(refusal(replacing(bytes, "Item%200", "Item%209")), .badSignature)
        // Every single-byte change anywhere is refused, one way or another.
        for index in stride(from: 0, to: bytes.count, by: 7) {
            var changed = bytes
            changed[index] ^= 0x01
            XCTAssertNotNil(refusal(changed), "byte \(index) changed yet accepted")
        }
    }

    func testChangedSequenceRefused() throws {
        let bytes = try signedBytes(key, sequence: 5)
        XCTAssertEqual(refusal(replacing(bytes, "\"sequence\":5", "\"sequence\":6")), .badSignature)
    }

    func testOtherKeyRefused() throws {
        let other = try Ed25519.PrivateKey.generate()
        let bytes = try signedBytes(key)
        XCTAssertEqual(refusal(replacing(bytes, key.publicKey.hex, other.publicKey.hex)), .badSignature)
        XCTAssertEqual(refusal(bytes, expectedKey: other.publicKey), .keyMismatch(expected: other.publicKey.hex, got: key.publicKey.hex))
    }

    /// A low-order key with R = identity and S = 0 "verifies" under OpenSSL for any message.
    func testLowOrderPublicKeyRefused() throws {
        let forged = try signedBytes(key)
        let lowOrder = "01" + String(repeating: "0", count: 62)
        let identitySignature = "01" + String(repeating: "0", count: 126)
        let manifest = try ManifestVerifier.verify(forged)
        let withKey = replacing(forged, key.publicKey.hex, lowOrder)
        XCTAssertEqual(refusal(replacing(withKey, Hex.encode(manifest.signature), identitySignature)), .weakPublicKey)
        let nonCanonical = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
        XCTAssertEqual(refusal(replacing(forged, key.publicKey.hex, nonCanonical)), .weakPublicKey)
    }

    func testNonCanonicalSRefused() throws {
        let bytes = try signedBytes(key)
        let manifest = try ManifestVerifier.verify(bytes)
        var signature = manifest.signature
        let order = Hex.decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")!
        var carry = 0
        for i in 0..<32 {
            let sum = Int(signature[32 + i]) + Int(order[i]) + carry
            signature[32 + i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        XCTAssertEqual(refusal(replacing(bytes, Hex.encode(manifest.signature), Hex.encode(signature))), .badSignature)
    }

    func testSignatureEncoding() throws {
        let bytes = try signedBytes(key)
        let hex = Hex.encode(try ManifestVerifier.verify(bytes).signature)
        XCTAssertEqual(refusal(replacing(bytes, hex, hex.uppercased())), .invalidSignatureEncoding)
        XCTAssertEqual(refusal(replacing(bytes, hex, String(hex.dropLast(2)))), .invalidSignatureEncoding)
        XCTAssertEqual(refusal(replacing(bytes, "\"signature\":\"\(hex)\"", "\"signature\":7")), .invalidSignatureEncoding)
    }

    /// Unknown fields are kept and covered by the signature (forward compatibility).
    func testUnknownFieldsKeptAndSigned() throws {
        let bytes = try signedBytes(key, extra: ",\"seeds\":[\"peer-a\"],\"zz\":{\"n\":1.5}")
        let manifest = try ManifestVerifier.verify(bytes)
        XCTAssertEqual(manifest.body.extraFields.map(\.key), ["seeds", "zz"])
        XCTAssertEqual(refusal(replacing(bytes, "peer-a", "peer-b")), .badSignature)
        XCTAssertEqual(manifest.jsonBytes, bytes)
    }

    func testRequiredFieldsAndTypes() throws {
        let bytes = try signedBytes(key)
        XCTAssertEqual(refusal(replacing(bytes, "\"timestamp\"", "\"timestampX\"")), .missingField("timestamp"))
        XCTAssertEqual(refusal(Array("[1,2]".utf8)), .notAnObject)
        XCTAssertEqual(refusal(replacing(bytes, "\"sequence\":1", "\"sequence\":\"1\"")), .sequenceOutOfRange)
        XCTAssertEqual(refusal(replacing(bytes, "\"title\":\"Season 1\"", "\"title\":1")), .invalidField(path: "collections[0].title", expected: "a string"))
        XCTAssertEqual(refusal(replacing(bytes, key.publicKey.hex, key.publicKey.hex.uppercased())), .invalidPublicKey)
    }

    func testSequenceRange() throws {
        let bytes = try signedBytes(key, sequence: 1)
        for bad in ["-1", "1.5", "9007199254740992", "1e300"] {
            XCTAssertEqual(refusal(replacing(bytes, "\"sequence\":1", "\"sequence\":\(bad)")), .sequenceOutOfRange, bad)
        }
        XCTAssertNil(refusal(try signedBytes(key, sequence: ManifestLimits.maxInteger)))
        XCTAssertThrowsError(try signedBytes(key, sequence: ManifestLimits.maxInteger + 1)) {
            XCTAssertEqual($0 as? ManifestError, .sequenceOutOfRange)
        }
    }

    func testMalformedJSONRefused() throws {
        let bytes = try signedBytes(key)
        XCTAssertEqual(refusal(Array(bytes.dropLast()))?.code, 2)
        XCTAssertEqual(refusal(replacing(bytes, "{\"collections\"", "{\"sequence\":1,\"collections\""))?.code, 2, "duplicate key")
        XCTAssertEqual(refusal(replacing(bytes, "Season 1", "Season \\ud800"))?.code, 2, "lone surrogate")
        XCTAssertEqual(refusal(bytes + Array(" x".utf8))?.code, 2, "trailing data")
        XCTAssertEqual(refusal([0xff, 0xfe])?.code, 2)
        XCTAssertEqual(refusal([])?.code, 2)
    }

    func testLimits() throws {
        XCTAssertEqual(refusal([UInt8](repeating: 0x20, count: ManifestLimits.maxBytes + 1)), .tooLarge(bytes: ManifestLimits.maxBytes + 1))
        let longTitle = String(repeating: "t", count: ManifestLimits.maxTitleBytes + 1)
        XCTAssertThrowsError(try ManifestSigner.sign(
            unsignedJSON: Array("{\"collections\":[{\"title\":\"\(longTitle)\",\"items\":[]}]}".utf8), with: key, sequence: 1, timestamp: 1)) {
            XCTAssertEqual($0 as? ManifestError, .titleTooLong(collection: 0))
        }
        let manyCollections = Array(repeating: "{\"title\":\"\",\"items\":[]}", count: ManifestLimits.maxCollections + 1).joined(separator: ",")
        XCTAssertThrowsError(try ManifestSigner.sign(
            unsignedJSON: Array("{\"collections\":[\(manyCollections)]}".utf8), with: key, sequence: 1, timestamp: 1)) {
            XCTAssertEqual($0 as? ManifestError, .tooManyCollections(ManifestLimits.maxCollections + 1))
        }
        let item = "\"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a\""
        let manyItems = Array(repeating: item, count: ManifestLimits.maxItems + 1).joined(separator: ",")
        XCTAssertThrowsError(try ManifestSigner.sign(
            unsignedJSON: Array("{\"collections\":[{\"title\":\"a\",\"items\":[\(manyItems)]}]}".utf8), with: key, sequence: 1, timestamp: 1)) {
            XCTAssertEqual($0 as? ManifestError, .tooManyItems(ManifestLimits.maxItems + 1))
        }
        var deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        deep = "{\"collections\":[],\"deep\":\(deep)}"
        XCTAssertEqual((try? ManifestSigner.sign(unsignedJSON: Array(deep.utf8), with: key, sequence: 1, timestamp: 1)).map { _ in 0 }, nil)
    }

    func testInvalidItemRefusedWithPosition() throws {
        let bytes = try signedBytes(key, items: 3)
        let changed = replacing(bytes, magnet(2), "http://example.com/file.torrent")
        XCTAssertEqual(refusal(changed), .invalidItem(collection: 0, item: 2, problem: .notMagnet))
    }

    func testChannelAddress() throws {
        XCTAssertEqual(try ChannelAddress.parse(key.publicKey.hex), key.publicKey)
        XCTAssertEqual(try ChannelAddress.parse("magnet:?xs=urn:btpk:\(key.publicKey.hex)"), key.publicKey)
        XCTAssertEqual(ChannelAddress.magnet(key.publicKey), "magnet:?xs=urn:btpk:\(key.publicKey.hex)")
        XCTAssertThrowsError(try ChannelAddress.parse("abc"))
        XCTAssertThrowsError(try ChannelAddress.parse(String(repeating: "0", count: 64))) { XCTAssertEqual($0 as? ManifestError, .weakPublicKey) }
    }

    func testErrorCodesAreStableAndDistinct() {
        let errors: [ManifestError] = [
            .tooLarge(bytes: 0), .malformedJSON(.unexpectedEnd), .notAnObject, .missingField(""), .invalidField(path: "", expected: ""),
            .invalidPublicKey, .weakPublicKey, .sequenceOutOfRange, .timestampOutOfRange, .tooManyCollections(0), .tooManyItems(0),
            .titleTooLong(collection: 0), .invalidItem(collection: 0, item: 0, problem: .notMagnet), .invalidSignatureEncoding,
            .badSignature, .keyMismatch(expected: "", got: ""), .staleSequence(last: 0, got: 0),
            .invalidBlobLink(collection: 0, item: 0, problem: .missingKey),
        ]
        XCTAssertEqual(errors.map(\.code), Array(1...18))
    }
}
