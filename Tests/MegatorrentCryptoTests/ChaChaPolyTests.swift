import XCTest
@testable import MegatorrentCrypto

final class ChaChaPolyTests: XCTestCase {
    /// Every Wycheproof verdict: valid cases seal to the expected ciphertext and tag and open back;
    /// invalid ones (altered tags, nonces of other sizes) are refused.
    func testWycheproofVerdicts() throws {
        let tests = try wycheproofTests("chacha20_poly1305_test.json")
        XCTAssertEqual(tests.count, 325)
        for (_, test) in tests {
            let id = "tcId \(test["tcId"]!)"
            let cipher = try ChaChaPoly(key: SecureBytes(copying: bytes(test["key"])))
            let nonce = bytes(test["iv"]), aad = bytes(test["aad"]), message = bytes(test["msg"])
            let sealed = bytes(test["ct"]) + bytes(test["tag"])
            if test["result"] as! String == "valid" {
                XCTAssertEqual(try cipher.seal(nonce: nonce, plaintext: message, aad: aad), sealed, id)
                XCTAssertEqual(try cipher.open(nonce: nonce, sealed: sealed, aad: aad), message, id)
            } else {
                XCTAssertThrowsError(try cipher.open(nonce: nonce, sealed: sealed, aad: aad), id)
            }
        }
    }

    /// One reused context: a failed open leaves it usable and returns no plaintext.
    func testContextReuseAfterFailure() throws {
        let cipher = try ChaChaPoly(key: SecureBytes.random(count: 32))
        let nonce = [UInt8](repeating: 7, count: 12)
        var sealed = try cipher.seal(nonce: nonce, plaintext: Array("hello".utf8))
        sealed[0] ^= 1
        XCTAssertThrowsError(try cipher.open(nonce: nonce, sealed: sealed)) { XCTAssertEqual($0 as? CryptoError, .authenticationFailed) }
        sealed[0] ^= 1
        XCTAssertEqual(try cipher.open(nonce: nonce, sealed: sealed), Array("hello".utf8))
        XCTAssertThrowsError(try cipher.open(nonce: nonce, sealed: [1, 2, 3]))
    }
}
