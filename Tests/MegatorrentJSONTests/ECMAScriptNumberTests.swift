import MegatorrentJSON
import XCTest

final class ECMAScriptNumberTests: XCTestCase {
    /// RFC 8785 Appendix B, every finite row.
    func testRFC8785AppendixB() {
        let table: [(UInt64, String)] = [
            (0x0000_0000_0000_0000, "0"),
            (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"),
            (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
            (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"),
            (0xC340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
            (0x44B5_2D02_C7E1_4AF6, "1e+23"),
            (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
            (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
            (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
            (0x444B_1AE4_D6E2_EF50, "1e+21"),
            (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
            (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
            (0x41B3_DE43_5555_5553, "333333333.3333332"),
            (0x41B3_DE43_5555_5554, "333333333.33333325"),
            (0x41B3_DE43_5555_5555, "333333333.3333333"),
            (0x41B3_DE43_5555_5556, "333333333.3333334"),
            (0x41B3_DE43_5555_5557, "333333333.33333343"),
            (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
            (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
        ]
        for (bits, expected) in table {
            let value = Double(bitPattern: bits)
            XCTAssertEqual(ECMAScriptNumber.format(value), expected, "bits \(String(bits, radix: 16))")
            XCTAssertEqual(
                String(decoding: CanonicalJSON.serialize(.number(value)), as: UTF8.self), expected)
            // The canonical text parses back to the same double (bit for bit, except -0).
            let back = try? JSONParser.parse(expected)
            XCTAssertEqual(back, .number(value))
        }
    }

    /// The NaN and Infinity rows of Appendix B must be errors in strict mode.
    func testNonFiniteNumbers() {
        XCTAssertThrowsError(try CanonicalJSON.serializeStrict(.number(Double(bitPattern: 0x7FFF_FFFF_FFFF_FFFF)))) {
            XCTAssertEqual($0 as? JSONError, .nonFiniteNumber)
        }
        XCTAssertThrowsError(try CanonicalJSON.serializeStrict(.array([.number(.infinity)]))) {
            XCTAssertEqual($0 as? JSONError, .nonFiniteNumber)
        }
        XCTAssertEqual(CanonicalJSON.serialize(.array([.number(.nan), .number(-.infinity)])), Array("[null,null]".utf8))
        XCTAssertEqual(ECMAScriptNumber.format(.nan), "NaN")
        XCTAssertEqual(ECMAScriptNumber.format(.infinity), "Infinity")
        XCTAssertEqual(ECMAScriptNumber.format(-.infinity), "-Infinity")
    }

    func testLayoutBoundaries() {
        let cases: [(Double, String)] = [
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (123e-20, "1.23e-18"),
            (-0.0, "0"),
            (.leastNonzeroMagnitude, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (1, "1"),
            (-1, "-1"),
            (0.1, "0.1"),
            (0.5, "0.5"),
            (1.5, "1.5"),
            (-1.5, "-1.5"),
            (100, "100"),
            (123456.789, "123456.789"),
            (1e15, "1000000000000000"),
            (1e16, "10000000000000000"),
            (1.5e16, "15000000000000000"),
            (123456789012345683968, "123456789012345680000"),
            (1.2345e21, "1.2345e+21"),
            (1e-6, "0.000001"),
            (1.5e-6, "0.0000015"),
            (1.5e-7, "1.5e-7"),
            (0.001, "0.001"),
            (4.5, "4.5"),
            (0.002, "0.002"),
            (1e30, "1e+30"),
            (1e-27, "1e-27"),
            (2.5e-5, "0.000025"),
            (9007199254740991, "9007199254740991"),
            (9007199254740994, "9007199254740994"),
            (18014398509481984, "18014398509481984"),
            (1e300, "1e+300"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (4.35, "4.35"),
            (0.3, "0.3"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1700000000000, "1700000000000"),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(ECMAScriptNumber.format(value), expected, "\(value)")
        }
    }

    /// Doubles and their `String(x)` in Node.js (V8), an independent implementation of
    /// Number::toString: random bit patterns, values near the layout boundaries and integers.
    func testAgainstNodeOutputs() {
        for (bits, expected) in NodeNumberVectors.table {
            XCTAssertEqual(ECMAScriptNumber.format(Double(bitPattern: bits)), expected, "bits \(String(bits, radix: 16))")
        }
    }
}
