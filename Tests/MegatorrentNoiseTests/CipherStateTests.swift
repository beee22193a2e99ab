import XCTest
import MegatorrentCrypto
@testable import MegatorrentNoise

final class CipherStateTests: XCTestCase {
    private func pair() throws -> (CipherState, CipherState) {
        let key = try SecureBytes.random(count: 32)
        return (try CipherState(key: key), try CipherState(key: key))
    }

    /// Nonce 2^64-2 is the last usable one; at 2^64-1 both directions refuse.
    func testNonceExhaustion() throws {
        let (sender, receiver) = try pair()
        sender.setNonce(CipherState.exhaustedNonce - 1)
        receiver.setNonce(CipherState.exhaustedNonce - 1)
        let last = try sender.encrypt(associatedData: [], plaintext: [1, 2, 3])
        XCTAssertEqual(try receiver.decrypt(associatedData: [], ciphertext: last), [1, 2, 3])
        XCTAssertEqual(sender.nonce, CipherState.exhaustedNonce)
        XCTAssertThrowsError(try sender.encrypt(associatedData: [], plaintext: [1])) { XCTAssertEqual($0 as? NoiseError, .nonceExhausted) }
        XCTAssertThrowsError(try receiver.decrypt(associatedData: [], ciphertext: last)) { XCTAssertEqual($0 as? NoiseError, .nonceExhausted) }
    }

    /// REKEY: k' = first 32 bytes of ENCRYPT(k, 2^64-1, "", zeros(32)); n unchanged; both sides
    /// agree after rekeying, and the old key no longer opens new records.
    func testRekey() throws {
        let key = try SecureBytes.random(count: 32)
        let sender = try CipherState(key: key), receiver = try CipherState(key: key)
        _ = try receiver.decrypt(associatedData: [], ciphertext: sender.encrypt(associatedData: [], plaintext: [9]))
        try sender.rekey()
        XCTAssertEqual(sender.nonce, 1)
        let fresh = try sender.encrypt(associatedData: [], plaintext: [7, 7])
        XCTAssertThrowsError(try receiver.decrypt(associatedData: [], ciphertext: fresh)) { XCTAssertEqual($0 as? NoiseError, .decryptionFailed) }
        XCTAssertEqual(receiver.nonce, 1, "a failed decryption does not advance n")
        try receiver.rekey()
        XCTAssertEqual(try receiver.decrypt(associatedData: [], ciphertext: fresh), [7, 7])

        // The rekeyed key is what the specification says.
        let expectedKey = Array(try ChaChaPoly(key: key).seal(nonce: ChaChaPoly.noiseNonce(.max), plaintext: [UInt8](repeating: 0, count: 32)).prefix(32))
        let check = try CipherState(key: SecureBytes(copying: expectedKey))
        check.setNonce(1)
        try sender.rekey()
        try check.rekey()
        sender.setNonce(5)
        check.setNonce(5)
        // Both rekeyed twice from the same start: same output.
        let viaSender = try sender.encrypt(associatedData: [], plaintext: [1])
        let other = try CipherState(key: SecureBytes(copying: expectedKey))
        try other.rekey()
        other.setNonce(5)
        XCTAssertEqual(viaSender, try other.encrypt(associatedData: [], plaintext: [1]))
    }

    func testNoiseNonceEncoding() {
        XCTAssertEqual(ChaChaPoly.noiseNonce(0x0102_0304_0506_0708), [0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1])
    }
}
