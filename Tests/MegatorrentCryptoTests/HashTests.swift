import XCTest
@testable import MegatorrentCrypto

final class HashTests: XCTestCase {
    func testSHA256() {
        XCTAssertEqual(Hex.encode(Digest.hash(.sha256, Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Hex.encode(Digest.hash(.sha256, [UInt8]())), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// RFC 7693 appendix B: BLAKE2s-256("abc").
    func testBLAKE2s() throws {
        XCTAssertEqual(Hex.encode(Digest.hash(.blake2s256, Array("abc".utf8))), "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982")
        var streaming = try Digest(.blake2s256)
        streaming.update(Array("a".utf8))
        streaming.update(Array("bc".utf8))
        let streamed = streaming.finalize()
        XCTAssertEqual(Hex.encode(streamed), "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982")
    }

    /// RFC 4231 test cases 1 and 2.
    func testHMACSHA256() throws {
        let key1 = SecureBytes(copying: [UInt8](repeating: 0x0b, count: 20))
        XCTAssertEqual(Hex.encode(try HMAC.authenticate(.sha256, key: key1, message: Array("Hi There".utf8))),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let key2 = SecureBytes(copying: Array("Jefe".utf8))
        XCTAssertEqual(Hex.encode(try HMAC.authenticate(.sha256, key: key2, message: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// RFC 5869 test cases 1 and 3 (empty salt and info).
    func testHKDFSHA256() throws {
        let okm = try HKDF.derive(
            .sha256, salt: SecureBytes(copying: bytes("000102030405060708090a0b0c")),
            ikm: SecureBytes(copying: [UInt8](repeating: 0x0b, count: 22)), info: bytes("f0f1f2f3f4f5f6f7f8f9"), length: 42)
        XCTAssertTrue(okm.constantTimeEquals(SecureBytes(copying: bytes(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))))
        let okm3 = try HKDF.derive(.sha256, salt: SecureBytes(copying: []), ikm: SecureBytes(copying: [UInt8](repeating: 0x0b, count: 22)), info: [], length: 42)
        XCTAssertTrue(okm3.constantTimeEquals(SecureBytes(copying: bytes(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"))))
    }

    /// Noise's HKDF is HMAC-based extract-and-expand with empty info: check the equivalence the
    /// design relies on against a hand-built HMAC chain over BLAKE2s.
    func testHKDFMatchesNoiseDefinitionWithBLAKE2s() throws {
        let ck = SecureBytes(copying: [UInt8](repeating: 1, count: 32)), ikm = SecureBytes(copying: [UInt8](repeating: 2, count: 32))
        let tempKey = try SecureBytes(copying: HMAC.authenticate(.blake2s256, key: ck, message: ikm.withUnsafeBytes { Array($0) }))
        let output1 = try HMAC.authenticate(.blake2s256, key: tempKey, message: [0x01])
        let output2 = try HMAC.authenticate(.blake2s256, key: tempKey, message: output1 + [0x02])
        let derived = try HKDF.derive(.blake2s256, salt: ck, ikm: ikm, info: [], length: 64)
        XCTAssertEqual(derived.withUnsafeBytes { Array($0) }, output1 + output2)
    }

    func testHexStrictness() {
        XCTAssertEqual(Hex.decode("00ffAB"), [0, 255, 0xab])
        XCTAssertNil(Hex.decodeLowercase("00ffAB"))
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }
}
