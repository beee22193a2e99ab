import MegatorrentCrypto
import XCTest
@testable import MegatorrentI2P

final class I2PEncodingTests: XCTestCase {
    func testBase64UsesTheI2PAlphabet() {
        XCTAssertEqual(I2PBase64.encode([0xfb, 0xff, 0xbf]), "-~-~")
        XCTAssertEqual(I2PBase64.encode(Array("f".utf8)), "Zg==")
        XCTAssertEqual(I2PBase64.encode(Array("fo".utf8)), "Zm8=")
        XCTAssertEqual(I2PBase64.encode(Array("foo".utf8)), "Zm9v")
        XCTAssertEqual(I2PBase64.encode([]), "")
        XCTAssertEqual(I2PBase64.decode("-~-~"), [0xfb, 0xff, 0xbf])
        XCTAssertEqual(I2PBase64.decode("Zm8="), Array("fo".utf8))
    }

    func testBase64RoundTripsEveryLength() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            XCTAssertEqual(I2PBase64.decode(I2PBase64.encode(bytes)), bytes, "length \(length)")
        }
    }

    func testBase64RefusesNonCanonicalText() {
        XCTAssertNil(I2PBase64.decode("+/+/"), "the standard alphabet's + and / are not I2P's")
        XCTAssertNil(I2PBase64.decode("Zm8"), "length not a multiple of 4")
        XCTAssertNil(I2PBase64.decode("Zm9="), "unused bits set")
        XCTAssertNil(I2PBase64.decode("Z=9v"), "padding in the middle")
        XCTAssertNil(I2PBase64.decode("Zm 9"), "a space")
    }

    func testBase32() {
        XCTAssertEqual(I2PBase32.encode(Array("foobar".utf8)), "mzxw6ytboi")
        XCTAssertEqual(I2PBase32.encode(Array("f".utf8)), "my")
        XCTAssertEqual(I2PBase32.decode("mzxw6ytboi"), Array("foobar".utf8))
        XCTAssertEqual(I2PBase32.decode("MZXW6YTBOI"), Array("foobar".utf8))
        XCTAssertNil(I2PBase32.decode("mz1"), "1 is not in the alphabet")
        XCTAssertNil(I2PBase32.decode("mz"), "unused bits set")
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 53 &+ 7) }
            XCTAssertEqual(I2PBase32.decode(I2PBase32.encode(bytes)), bytes)
        }
    }

    func testB32AddressIsBase32OfSHA256OfTheDestination() throws {
        let destination = try I2PDestination(bytes: Fixtures.publicBytes)
        XCTAssertEqual(destination.base32Name, Fixtures.base32Name)
        XCTAssertEqual(destination.b32Address, Fixtures.base32Name + ".b32.i2p")
        XCTAssertEqual(try I2PDestination(base64: destination.base64), destination)
    }

    func testDestinationLengthFollowsTheCertificate() {
        XCTAssertThrowsError(try I2PDestination(bytes: Array(Fixtures.publicBytes.dropLast()))) { error in
            XCTAssertTrue("\(error)".contains("not one destination"))
        }
        XCTAssertThrowsError(try I2PDestination(bytes: Fixtures.publicBytes + [0]))
        XCTAssertThrowsError(try I2PDestination(base64: "not base64!"))
    }

    func testPrivateDestinationsPublicPart() throws {
        let key = try I2PPrivateDestination(base64: Array(Fixtures.privateBase64.utf8))
        XCTAssertEqual(key.destination.bytes, Fixtures.publicBytes)
        XCTAssertEqual(String(decoding: key.base64Bytes(), as: UTF8.self), Fixtures.privateBase64)
        XCTAssertThrowsError(try I2PPrivateDestination(base64: Array(Fixtures.publicBase64.utf8)), "no private keys after it")
    }

    func testPeerAddresses() throws {
        let name = Fixtures.base32Name + ".b32.i2p"
        XCTAssertEqual(try I2PPeerAddress(parsing: name), .b32(name))
        XCTAssertEqual(try I2PPeerAddress(parsing: name.uppercased()), .b32(name))
        let full = try I2PPeerAddress(parsing: Fixtures.publicBase64)
        XCTAssertEqual(full.b32Address, name)
        XCTAssertThrowsError(try I2PPeerAddress(parsing: "short.b32.i2p")) { error in
            XCTAssertEqual(error as? I2PAddressError, .invalidB32("short.b32.i2p"))
        }
        XCTAssertThrowsError(try I2PPeerAddress(parsing: "example.i2p"))
    }
}
