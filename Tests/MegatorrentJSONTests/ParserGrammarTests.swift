import MegatorrentJSON
import XCTest

final class ParserGrammarTests: XCTestCase {
    func testValuesInInputOrder() throws {
        let value = try JSONParser.parse(#"{"z": [1, "two", null, true, false, {}], "a": -2.5e3}"#)
        XCTAssertEqual(value, .object([
            JSONMember(key: "z", value: .array([.number(1), .string("two"), .null, .bool(true), .bool(false), .object([])])),
            JSONMember(key: "a", value: .number(-2500)),
        ]))
        XCTAssertEqual(value["a"], .number(-2500))
        XCTAssertNil(value["b"])
        XCTAssertNil(JSONValue.null["a"])
    }

    func testTopLevelScalars() throws {
        XCTAssertEqual(try JSONParser.parse("0"), .number(0))
        XCTAssertEqual(try JSONParser.parse(" \"s\" "), .string("s"))
        XCTAssertEqual(try JSONParser.parse("true"), .bool(true))
        XCTAssertEqual(try JSONParser.parse("null\r\n"), .null)
    }

    func testNumbersParseCorrectly() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("1", 1), ("-1", -1), ("10", 10), ("0.5", 0.5), ("1e2", 100),
            ("1E+2", 100), ("1e-2", 0.01), ("123456789012345678", Double(bitPattern: 0x437B_69B4_BA63_0F35)),
            ("9007199254740993", 9007199254740992), ("0.1", 0.1), ("2.2250738585072011e-308", Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)),
            ("4.9406564584124654e-324", .leastNonzeroMagnitude), ("1.7976931348623157e308", 1.7976931348623157e308),
            ("1e-400", 0), ("333333333.33333329", 333333333.33333329), ("1.00000000000000011102230246251565404236316680908203125", 1), // halfway: ties to even
            ("1.00000000000000011102230246251565404236316680908203126", 1.0000000000000002),
            ("1.00000000000000033306690738754696212708950042724609375", 1.0000000000000004), // halfway: ties to even ("7.2057594037927933e16", 72057594037927936),
            ("12345678901234567890123", 1.2345678901234568e22), ("0.000000000000000000000000001", 1e-27),
        ]
        for (text, expected) in cases {
            guard case let .number(value) = try JSONParser.parse(text) else { return XCTFail(text) }
            XCTAssertEqual(value.bitPattern, expected.bitPattern, text)
        }
    }

    /// The fast path must agree with the standard library's correctly rounded conversion.
    func testNumberFastPathMatchesStandardLibrary() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...19, using: &generator)
            var mantissa = String(Int.random(in: 1...9, using: &generator))
            for _ in 1..<digits { mantissa += String(Int.random(in: 0...9, using: &generator)) }
            var text = mantissa
            if digits > 1 && Bool.random(using: &generator) {
                let point = Int.random(in: 1..<digits, using: &generator)
                text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            }
            if Bool.random(using: &generator) { text += "e\(Int.random(in: -30...30, using: &generator))" }
            if Bool.random(using: &generator) { text = "-" + text }
            guard case let .number(value) = try JSONParser.parse(text) else { return XCTFail(text) }
            XCTAssertEqual(value.bitPattern, Double(text)!.bitPattern, text)
        }
    }

    func testNumberGrammarErrors() {
        assertRefused("01", .invalidNumber(offset: 1))
        assertRefused("-01", .invalidNumber(offset: 2))
        assertRefused("00", .invalidNumber(offset: 1))
        assertRefused("+1", .unexpectedByte(offset: 0))
        assertRefused(".5", .unexpectedByte(offset: 0))
        assertRefused("1.", .unexpectedEnd)
        assertRefused("[1.]", .invalidNumber(offset: 3))
        assertRefused("1.e5", .invalidNumber(offset: 2))
        assertRefused("-", .unexpectedEnd)
        assertRefused("-a", .invalidNumber(offset: 1))
        assertRefused("[-]", .invalidNumber(offset: 2))
        assertRefused("1e", .unexpectedEnd)
        assertRefused("1e+", .unexpectedEnd)
        assertRefused("[1e]", .invalidNumber(offset: 3))
        assertRefused("[1e-x]", .invalidNumber(offset: 4))
        assertRefused("1x", .trailingData(offset: 1))
        assertRefused("0x10", .trailingData(offset: 1))
        assertRefused("1.5.5", .trailingData(offset: 3))
        assertRefused("NaN", .unexpectedByte(offset: 0))
        assertRefused("Infinity", .unexpectedByte(offset: 0))
        assertRefused("-Infinity", .invalidNumber(offset: 1))
        assertRefused("[1 2]", .unexpectedByte(offset: 3))
    }

    func testNumbersOutOfRange() {
        assertRefused("1e309", .numberOutOfRange(offset: 0))
        assertRefused("[0, -1.8e308]", .numberOutOfRange(offset: 4))
        assertRefused("1" + String(repeating: "0", count: 400), .numberOutOfRange(offset: 0))
        assertRefused("1e99999999999999999999999", .numberOutOfRange(offset: 0))
        XCTAssertNil(parseError("1.7976931348623158e308")) // rounds down to the largest double
        XCTAssertEqual(parseError("1.7976931348623159e308"), .numberOutOfRange(offset: 0))
    }

    func testLiteralErrors() {
        assertRefused("tru", .unexpectedEnd)
        assertRefused("trux", .unexpectedByte(offset: 3))
        assertRefused("True", .unexpectedByte(offset: 0))
        assertRefused("nul", .unexpectedEnd)
        assertRefused("nulll", .trailingData(offset: 4))
        assertRefused("falsey", .trailingData(offset: 5))
        assertRefused("[truefalse]", .unexpectedByte(offset: 5))
    }

    func testStructureErrors() {
        assertRefused("", .unexpectedEnd)
        assertRefused("   ", .unexpectedEnd)
        assertRefused("[", .unexpectedEnd)
        assertRefused("[1", .unexpectedEnd)
        assertRefused("[1,", .unexpectedEnd)
        assertRefused("{", .unexpectedEnd)
        assertRefused("{\"a\"", .unexpectedEnd)
        assertRefused("{\"a\":", .unexpectedEnd)
        assertRefused("{\"a\":1", .unexpectedEnd)
        assertRefused("[1,]", .unexpectedByte(offset: 3))
        assertRefused("[,1]", .unexpectedByte(offset: 1))
        assertRefused("[1,,2]", .unexpectedByte(offset: 3))
        assertRefused("{\"a\":1,}", .unexpectedByte(offset: 7))
        assertRefused("{,}", .unexpectedByte(offset: 1))
        assertRefused("{\"a\" 1}", .unexpectedByte(offset: 5))
        assertRefused("{\"a\":1 \"b\":2}", .unexpectedByte(offset: 7))
        assertRefused("{a:1}", .unexpectedByte(offset: 1))
        assertRefused("{1:1}", .unexpectedByte(offset: 1))
        assertRefused("{'a':1}", .unexpectedByte(offset: 1))
        assertRefused("[1}", .unexpectedByte(offset: 2))
        assertRefused("{\"a\":1]", .unexpectedByte(offset: 6))
        assertRefused("]", .unexpectedByte(offset: 0))
        assertRefused("[]]", .trailingData(offset: 2))
        assertRefused("{} {}", .trailingData(offset: 3))
        assertRefused("1 2", .trailingData(offset: 2))
        assertRefused("\"a\" x", .trailingData(offset: 4))
    }

    func testCommentsAndForeignWhitespaceRefused() {
        assertRefused("// c\n1", .unexpectedByte(offset: 0))
        assertRefused("/* c */ 1", .unexpectedByte(offset: 0))
        assertRefused("[1 /* c */]", .unexpectedByte(offset: 3))
        assertRefused("1 # c", .trailingData(offset: 2))
        assertRefused("\u{0B}1", .unexpectedByte(offset: 0))
        assertRefused("\u{0C}1", .unexpectedByte(offset: 0))
        assertRefused("[1,\u{A0}2]", .unexpectedByte(offset: 3))
        assertRefused("1\u{0}", .trailingData(offset: 1))
        assertRefused([0x31, 0x20, 0x00], .trailingData(offset: 2))
    }

    func testByteOrderMarkRefused() {
        assertRefused([0xEF, 0xBB, 0xBF, 0x31], .unexpectedByte(offset: 0))
        assertRefused([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], .unexpectedByte(offset: 0))
        assertRefused([0xFE, 0xFF, 0x00, 0x31], .unexpectedByte(offset: 0))
    }

    func testErrorDescriptions() {
        XCTAssertEqual(JSONError.unexpectedByte(offset: 3).description, "unexpected byte in JSON at offset 3")
        XCTAssertEqual(JSONError.duplicateKey("a").description, "duplicate key in JSON object: \"a\"")
        XCTAssertEqual(JSONError.tooLarge.description, "JSON input exceeds the size limit")
    }
}
