import MegatorrentJSON
import XCTest

final class ParserStringTests: XCTestCase {
    private func string(_ text: String) throws -> String? {
        guard case let .string(s) = try JSONParser.parse(text) else { return nil }
        return s
    }

    func testEscapesDecode() throws {
        XCTAssertEqual(try string(#""\"\\\/\b\f\n\r\t""#), "\"\\/\u{8}\u{C}\n\r\t")
        XCTAssertEqual(try string(#""\u0041\u00e9\u00E9\u20AC\uFFFF\u0000""#), "A\u{E9}\u{E9}\u{20AC}\u{FFFF}\u{0}")
        XCTAssertEqual(try string(#""\uD83D\uDE00\udbff\udfff""#), "\u{1F600}\u{10FFFF}")
        XCTAssertEqual(try string(#""a\u0062c\nd""#), "abc\nd")
        XCTAssertEqual(try string("\"\u{7F}\u{80}\u{7FF}\u{800}\u{FFFD}\u{10000}\u{10FFFF}\""), "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFD}\u{10000}\u{10FFFF}")
        XCTAssertEqual(try string("\"\(String(repeating: "x", count: 1000))\""), String(repeating: "x", count: 1000))
    }

    func testInvalidEscapes() {
        assertRefused(#""\a""#, .invalidEscape(offset: 1))
        assertRefused(#""ab\x41""#, .invalidEscape(offset: 3))
        assertRefused(#""\'""#, .invalidEscape(offset: 1))
        assertRefused(#""\u12""#, .invalidEscape(offset: 1))
        assertRefused(#""\u12G4""#, .invalidEscape(offset: 1))
        assertRefused(#""\U0041""#, .invalidEscape(offset: 1))
        assertRefused(#""\u""#, .invalidEscape(offset: 1))
        assertRefused("\"\\", .unexpectedEnd)
        assertRefused("\"\\u12", .unexpectedEnd)
        assertRefused("\"abc", .unexpectedEnd)
        assertRefused("\"", .unexpectedEnd)
        assertRefused("\"0123456789abcdef", .unexpectedEnd)
    }

    func testLoneSurrogatesRefused() {
        assertRefused(#""\uD800""#, .loneSurrogate(offset: 1))
        assertRefused(#""ab\udbff""#, .loneSurrogate(offset: 3))
        assertRefused(#""\uDC00""#, .loneSurrogate(offset: 1))
        assertRefused(#""x\uDFFFy""#, .loneSurrogate(offset: 2))
        assertRefused(#""\uD800\u0041""#, .loneSurrogate(offset: 1))
        assertRefused(#""\uD800\uD800""#, .loneSurrogate(offset: 1))
        assertRefused(#""\uD800\uE000""#, .loneSurrogate(offset: 1))
        assertRefused(#""\uD800A""#, .loneSurrogate(offset: 1))
        assertRefused(#""\uD800\n""#, .loneSurrogate(offset: 1))
        assertRefused(#""\uDE00\uD83D""#, .loneSurrogate(offset: 1))
        assertRefused(#""\uD800\uDG00""#, .invalidEscape(offset: 7))
        assertRefused(#"{"\uD800":1}"#, .loneSurrogate(offset: 2))
        assertRefused("\"\\uD800", .unexpectedEnd)
        assertRefused("\"\\uD800\\", .unexpectedEnd)
    }

    func testControlCharactersRefused() {
        for c: UInt8 in 0..<0x20 {
            assertRefused([0x22, 0x61, c, 0x22], .controlCharacterInString(offset: 2))
            // Also when the control character is found by the 8-byte scan.
            assertRefused([0x22] + Array(repeating: 0x61, count: 12) + [c] + Array(repeating: 0x61, count: 12) + [0x22],
                          .controlCharacterInString(offset: 13))
        }
        assertRefused("\"tab\there\"", .controlCharacterInString(offset: 4))
        XCTAssertNil(parseError([0x22, 0x7F, 0x22]))
    }

    func testInvalidUTF8Refused() {
        let cases: [[UInt8]] = [
            [0x80], [0xBF], // lone continuation bytes
            [0xC0, 0xAF], [0xC1, 0xBF], // overlong 2-byte
            [0xE0, 0x80, 0xAF], [0xE0, 0x9F, 0xBF], // overlong 3-byte
            [0xF0, 0x80, 0x80, 0xAF], [0xF0, 0x8F, 0xBF, 0xBF], // overlong 4-byte
            [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], // UTF-8 encoded surrogates
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF7, 0xBF, 0xBF, 0xBF], // above U+10FFFF
            [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80], [0xFE], [0xFF],
            [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], // truncated before the quote
            [0xC3, 0x41], [0xE2, 0x41, 0x82], [0xF0, 0x9F, 0x41, 0x80], // bad continuation
        ]
        for bad in cases {
            assertRefused([0x22, 0x61] + bad + [0x22], .invalidUTF8(offset: 2))
            assertRefused([0x22] + Array(repeating: 0x61, count: 9) + bad + Array(repeating: 0x61, count: 9) + [0x22],
                          .invalidUTF8(offset: 10))
        }
        // Truncated at the very end of the input.
        assertRefused([0x22, 0xE2, 0x82], .invalidUTF8(offset: 1))
        // Non-ASCII outside strings.
        assertRefused([0x5B, 0xC3, 0xA9, 0x5D], .unexpectedByte(offset: 1))
        // Boundary scalars are accepted.
        for good: [UInt8] in [[0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
                              [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF]] {
            XCTAssertNil(parseError([0x22] + good + [0x22]), "\(good)")
        }
    }

    /// Equality is by code points: canonically equivalent strings differ.
    func testEqualityIsByBytes() {
        XCTAssertNotEqual(JSONValue.string("\u{E9}"), JSONValue.string("e\u{301}"))
        XCTAssertTrue("\u{E9}" == "e\u{301}") // Swift's String == would collapse them
        XCTAssertEqual(JSONValue.string("\u{E9}"), JSONValue.string("\u{E9}"))
        XCTAssertNotEqual(JSONMember(key: "\u{212B}", value: .null), JSONMember(key: "\u{C5}", value: .null))
        XCTAssertEqual(JSONValue.object([JSONMember(key: "a", value: .null)]), .object([JSONMember(key: "a", value: .null)]))
        XCTAssertNotEqual(JSONValue.array([.null]), .array([.null, .null]))
        XCTAssertNotEqual(JSONValue.number(1), .string("1"))
        XCTAssertEqual(JSONValue.string("\u{E9}")["x"], nil)
        let object = JSONValue.object([JSONMember(key: "\u{E9}", value: .number(1)), JSONMember(key: "e\u{301}", value: .number(2))])
        XCTAssertEqual(object["e\u{301}"], .number(2))
        XCTAssertEqual(object["\u{E9}"], .number(1))
    }
}
