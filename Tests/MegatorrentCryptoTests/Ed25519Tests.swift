import XCTest
@testable import MegatorrentCrypto

final class Ed25519Tests: XCTestCase {
    /// Every Wycheproof verdict: valid signatures verify, invalid ones are refused.
    func testWycheproofVerdicts() throws {
        let tests = try wycheproofTests("ed25519_test.json")
        XCTAssertEqual(tests.count, 151)
        var checked = 0
        for (group, test) in tests {
            let publicKey = bytes((group["publicKey"] as! [String: Any])["pk"])
            let expected = test["result"] as! String == "valid"
            let key = try? Ed25519.PublicKey(bytes: publicKey)
            let verdict = key?.isValidSignature(bytes(test["sig"]), for: bytes(test["msg"])) ?? false
            XCTAssertEqual(verdict, expected, "tcId \(test["tcId"]!) \(test["comment"]!)")
            checked += 1
        }
        XCTAssertEqual(checked, 151)
    }

    /// The 914 CCTV edge cases under the strict rule: refuse every vector flagged with a low-order
    /// or non-canonical A or R, or one that only a cofactored or re-encoding verifier accepts;
    /// accept the rest (mixed-order components are accepted, as libsodium does).
    func testCCTVStrictRule() throws {
        let cases = try loadVectors("cctv_ed25519vectors.json") as! [[String: Any]]
        XCTAssertEqual(cases.count, 914)
        let refused: Set<String> = ["low_order_A", "low_order_R", "non_canonical_A", "non_canonical_R", "low_order_residue", "reencoded_k"]
        var accepted = 0
        for vector in cases {
            let flags = Set(vector["flags"] as? [String] ?? [])
            let expected = flags.isDisjoint(with: refused)
            let message = Array((vector["msg"] as! String).utf8)
            let key = try? Ed25519.PublicKey(bytes: bytes(vector["key"]))
            let verdict = key?.isValidSignature(bytes(vector["sig"]), for: message) ?? false
            XCTAssertEqual(verdict, expected, "vector \(vector["number"]!) flags \(flags.sorted())")
            if verdict { accepted += 1 }
        }
        XCTAssertGreaterThan(accepted, 0)
    }

    /// OpenSSL alone accepts a low-order key with R = identity and S = 0 for any message; we do not.
    func testLowOrderKeyAcceptedByOpenSSLRefusedByUs() throws {
        let lowOrder: [UInt8] = [1] + [UInt8](repeating: 0, count: 31)
        let signature: [UInt8] = [1] + [UInt8](repeating: 0, count: 63)
        let message = Array("anything".utf8)
        XCTAssertTrue(message.withUnsafeBytes { Ed25519.openSSLVerify(publicKey: lowOrder, signature: signature, message: $0) })
        XCTAssertThrowsError(try Ed25519.PublicKey(bytes: lowOrder)) { XCTAssertEqual($0 as? CryptoError, .weakPublicKey) }
    }

    /// RFC 8032 test 2: seed, public key and signature.
    func testRFC8032KeyFromSeedAndSignature() throws {
        let seed = SecureBytes(copying: bytes("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"))
        let key = try Ed25519.PrivateKey(seed: seed)
        XCTAssertEqual(key.publicKey.hex, "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
        let signature = try key.sign([0x72])
        XCTAssertEqual(Hex.encode(signature), "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
        XCTAssertTrue(key.publicKey.isValidSignature(signature, for: [0x72] as [UInt8]))
        XCTAssertFalse(key.publicKey.isValidSignature(signature, for: [0x73] as [UInt8]))
    }

    /// S + L (a non-canonical S) is refused although it is the same scalar mod L.
    func testNonCanonicalSRefused() throws {
        let key = try Ed25519.PrivateKey.generate()
        let message: [UInt8] = Array("manifest".utf8)
        var signature = try key.sign(message)
        XCTAssertTrue(key.publicKey.isValidSignature(signature, for: message))
        // Add L to S (little-endian); S < L < 2^253 so S + L < 2^256 fits in 32 bytes.
        let order: [UInt8] = bytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var carry = 0
        for i in 0..<32 {
            let sum = Int(signature[32 + i]) + Int(order[i]) + carry
            signature[32 + i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        XCTAssertEqual(carry, 0)
        XCTAssertFalse(key.publicKey.isValidSignature(signature, for: message))
    }

    func testSecretsAreRedacted() throws {
        let key = try Ed25519.PrivateKey.generate()
        XCTAssertEqual("\(key.seed)", "<redacted>")
        XCTAssertEqual(key.seed.count, 32)
    }
}
