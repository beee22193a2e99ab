import XCTest
@testable import MegatorrentCrypto

final class X25519Tests: XCTestCase {
    /// Every Wycheproof case: the shared secret matches, except that a zero shared secret
    /// (low-order public key, "acceptable" to refuse) is refused with `.lowOrderSharedSecret`.
    func testWycheproofVerdicts() throws {
        let tests = try wycheproofTests("x25519_test.json")
        XCTAssertEqual(tests.count, 518)
        var refused = 0
        for (_, test) in tests {
            let flags = Set(test["flags"] as! [String])
            let key = try X25519.PrivateKey(rawRepresentation: SecureBytes(copying: bytes(test["private"])))
            if flags.contains("ZeroSharedSecret") {
                XCTAssertThrowsError(try key.sharedSecret(with: bytes(test["public"]))) {
                    XCTAssertEqual($0 as? CryptoError, .lowOrderSharedSecret)
                }
                refused += 1
            } else {
                let shared = try key.sharedSecret(with: bytes(test["public"]))
                XCTAssertTrue(shared.constantTimeEquals(SecureBytes(copying: bytes(test["shared"]))), "tcId \(test["tcId"]!)")
            }
        }
        XCTAssertEqual(refused, 31)
    }

    func testAgreement() throws {
        let a = try X25519.PrivateKey.generate(), b = try X25519.PrivateKey.generate()
        XCTAssertTrue(try a.sharedSecret(with: b.publicKey).constantTimeEquals(b.sharedSecret(with: a.publicKey)))
    }
}
