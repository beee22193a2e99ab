import XCTest
@testable import MegatorrentBencode

final class BencodeTests: XCTestCase {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func testEncode() {
        XCTAssertEqual(Bencode.encode(.integer(-42)), bytes("i-42e"))
        XCTAssertEqual(Bencode.encode(.integer(0)), bytes("i0e"))
        XCTAssertEqual(Bencode.encode(.string("spam")), bytes("4:spam"))
        XCTAssertEqual(Bencode.encode(.list([.string("a"), .integer(1)])), bytes("l1:ai1ee"))
        // Keys are written sorted by raw bytes whatever order they were given in.
        let dict = BencodeValue.dictionary([(key: bytes("zz"), value: .integer(1)), (key: bytes("a"), value: .string("x"))])
        XCTAssertEqual(Bencode.encode(dict), bytes("d1:a1:x2:zzi1ee"))
        XCTAssertEqual(Bencode.encode(.dictionary(["ih": .bytes([UInt8](repeating: 0xab, count: 2))])), bytes("d2:ih2:") + [0xab, 0xab] + bytes("e"))
    }

    func testRoundTrip() throws {
        let values: [BencodeValue] = [
            .integer(Int64.min), .integer(Int64.max), .bytes([]), .bytes([0, 255, 58]),
            .list([]), .dictionary([:] as [String: BencodeValue]),
            .dictionary(["a": .list([.integer(1), .dictionary(["b": .string("c")])]), "info": .bytes(Array(repeating: 7, count: 300))]),
        ]
        for value in values {
            XCTAssertEqual(try Bencode.decode(Bencode.encode(value)), value)
        }
    }

    func testStrictDecoding() {
        let cases: [(String, Bencode.DecodeError)] = [
            ("i03e", .invalidInteger(offset: 1)),
            ("i-0e", .invalidInteger(offset: 1)),
            ("ie", .invalidInteger(offset: 1)),
            ("i1x2e", .invalidInteger(offset: 1)),
            ("i9223372036854775808e", .invalidInteger(offset: 1)),
            ("i12", .unexpectedEnd),
            ("04:spam", .invalidLength(offset: 0)),
            ("5:spam", .invalidLength(offset: 0)),
            ("d1:bi1e1:ai2ee", .unsortedKeys(offset: 7)),
            ("d1:ai1e1:ai2ee", .unsortedKeys(offset: 7)),
            ("di1ei2ee", .unexpectedByte(offset: 1)),
            ("l1:a", .unexpectedEnd),
            ("i1ei2e", .trailingData(offset: 3)),
            ("x", .unexpectedByte(offset: 0)),
            ("", .unexpectedEnd),
        ]
        for (input, error) in cases {
            XCTAssertThrowsError(try Bencode.decode(bytes(input)), input) { XCTAssertEqual($0 as? Bencode.DecodeError, error, input) }
        }
        XCTAssertEqual(try Bencode.decode(bytes("i-9223372036854775808e")), .integer(Int64.min))
        let deep = String(repeating: "l", count: 40) + String(repeating: "e", count: 40)
        XCTAssertThrowsError(try Bencode.decode(bytes(deep))) { XCTAssertEqual($0 as? Bencode.DecodeError, .tooDeep) }
    }

    func testLookups() throws {
        let value = try Bencode.decode(bytes("d2:ih3:abc3:seqi5ee"))
        XCTAssertEqual(value["ih"]?.byteString, bytes("abc"))
        XCTAssertEqual(value["seq"]?.integer, 5)
        XCTAssertNil(value["none"])
    }
}
