import MegatorrentJSON
import Foundation
import XCTest

final class CanonicalJSONTests: XCTestCase {
    /// RFC 8785 section 3.2.2: the sample object and its exact canonical form.
    func testRFC8785SampleObject() throws {
        let input = #"""
        {
          "numbers": [333333333.33333329, 1E30, 4.50,
                      2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        XCTAssertEqual(try canonical(input), expected)
    }

    /// RFC 8785 section 3.2.3: sorting by UTF-16 code units.
    func testRFC8785SortingExample() throws {
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """#
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\","
            + "\"\u{F6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20AC}\":\"Euro Sign\","
            + "\"\u{1F600}\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        XCTAssertEqual(try canonical(input), expected)
    }

    /// U+10000 (UTF-16 D800 DC00) sorts before U+E000 and U+FFFF, although its scalar value and
    /// its UTF-8 bytes are larger; U+D7FF still sorts before it.
    func testUTF16OrderDiffersFromScalarOrder() throws {
        let keys = ["\u{E000}", "\u{10000}", "\u{FFFF}", "\u{D7FF}", "\u{10FFFF}", "a", "\u{EFFF}"]
        let value = JSONValue.object(keys.map { JSONMember(key: $0, value: .null) })
        let output = String(decoding: CanonicalJSON.serialize(value), as: UTF8.self)
        let expectedOrder = ["a", "\u{D7FF}", "\u{10000}", "\u{10FFFF}", "\u{E000}", "\u{EFFF}", "\u{FFFF}"]
        XCTAssertEqual(output, "{" + expectedOrder.map { "\"\($0)\":null" }.joined(separator: ",") + "}")
        // Swift's own String ordering puts U+E000 first, which would be wrong here.
        XCTAssertTrue("\u{E000}" < "\u{10000}")
    }

    /// Keys sort by UTF-16 code units, so a key that is a prefix comes first, and ordering is
    /// by code unit even beyond the first 8 bytes.
    func testLongAndPrefixKeys() throws {
        let input = #"{"abcdefghij2":2,"abcdefghij":0,"abcdefghij1":1,"abcdefgh\uFFFF":4,"abcdefgh\uD800\uDC00":3,"":5}"#
        let expected = "{\"\":5,\"abcdefghij\":0,\"abcdefghij1\":1,\"abcdefghij2\":2,\"abcdefgh\u{10000}\":3,\"abcdefgh\u{FFFF}\":4}"
        XCTAssertEqual(try canonical(input), expected)
    }

    func testStringEscapes() throws {
        var raw = "\""
        for c in 0..<0x20 { raw += String(format2(c)) }
        raw += #"\"\\\/"#
        raw += "\""
        let expected = "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
            + "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
            + "\\\"\\\\/\""
        XCTAssertEqual(try canonical(raw), expected)
    }

    private func format2(_ c: Int) -> String {
        let hex = Array("0123456789ABCDEF")
        return "\\u00" + String(hex[c >> 4]) + String(hex[c & 15])
    }

    /// Non-ASCII, U+2028/U+2029, DEL and `/` are emitted raw; escaped ASCII is unescaped.
    func testRawCharacters() throws {
        XCTAssertEqual(try canonical(#""\u2028\u2029\u007f\u00e9\/\u0041""#), "\"\u{2028}\u{2029}\u{7F}\u{E9}/A\"")
        XCTAssertEqual(try canonical("\"\u{1F600}\u{E9}\""), "\"\u{1F600}\u{E9}\"")
        XCTAssertEqual(try canonical(#""\ud83d\ude00""#), "\"\u{1F600}\"")
        // Escapes inside a long run, crossing the 8-byte scanning blocks.
        XCTAssertEqual(try canonical(#""0123456789\n0123456789\"01234567\\""#), #""0123456789\n0123456789\"01234567\\""#)
    }

    func testScalarsAndWhitespace() throws {
        XCTAssertEqual(try canonical(" \t\r\n[ 1 , -0 , 0.0 , -0.0e10, true , false , null , \"\" , { } , [ ] ] \n"),
                       #"[1,0,0,0,true,false,null,"",{},[]]"#)
        XCTAssertEqual(try canonical("42"), "42")
        XCTAssertEqual(try canonical("\"x\""), "\"x\"")
        XCTAssertEqual(try canonical("null"), "null")
        XCTAssertEqual(try canonical("0E400000000000000000000000000000000000000000000000"), "0")
        XCTAssertEqual(try canonical("[1e-400, -1e-400, 0.1e1, 10E-1, 1.0e+2, 123456789012345678901234567890]"),
                       "[0,0,1,1,100,1.2345678901234568e+29]")
    }

    func testNestedObjectsSortedRecursively() throws {
        let input = #"{"b":[{"z":1,"a":2}],"a":{"y":{"d":4,"c":3},"x":null}}"#
        XCTAssertEqual(try canonical(input), #"{"a":{"x":null,"y":{"c":3,"d":4}},"b":[{"a":2,"z":1}]}"#)
    }

    /// A manifest-like document: canonical output is stable and drops whitespace.
    func testManifestShape() throws {
        let input = #"""
        {"sequence": 42, "publicKey": "ab01", "timestamp": 1700000000123,
         "collections": [{"title": "Films", "items": ["magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"]}],
         "extra": {"b": 1.5, "a": "ü"}}
        """#
        XCTAssertEqual(try canonical(input),
                       #"{"collections":[{"items":["magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"],"title":"Films"}],"extra":{"a":"ü","b":1.5},"publicKey":"ab01","sequence":42,"timestamp":1700000000123}"#)
    }

    func testIdempotence() throws {
        let inputs = [
            #"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"#,
            #"{"\u20ac":1,"\r":2,"\ufb33":3,"1":4,"\ud83d\ude00":5,"\u0080":6,"\u00f6":7}"#,
            #"[[[[]]],{"a":{"b":{"c":[1e21,1e-7,-0.0]}}},"\u0000\u001f\u007f"]"#,
            "\"e\u{301}\"",
        ]
        for input in inputs {
            let once = try CanonicalJSON.canonicalize(Array(input.utf8))
            let twice = try CanonicalJSON.canonicalize(once)
            XCTAssertEqual(once, twice, input)
            // Same members, now in canonical order.
            XCTAssertEqual(CanonicalJSON.serialize(try JSONParser.parse(once)), once)
        }
    }

    /// serialize is total: hand-built objects with byte-identical keys keep both members;
    /// serializeStrict refuses them.
    func testHandBuiltDuplicateKeys() {
        let value = JSONValue.object([
            JSONMember(key: "b", value: .number(1)),
            JSONMember(key: "a", value: .number(2)),
            JSONMember(key: "b", value: .number(3)),
        ])
        XCTAssertEqual(String(decoding: CanonicalJSON.serialize(value), as: UTF8.self), #"{"a":2,"b":1,"b":3}"#)
        XCTAssertThrowsError(try CanonicalJSON.serializeStrict(value)) {
            XCTAssertEqual($0 as? JSONError, .duplicateKey("b"))
        }
        let distinct = JSONValue.object([
            JSONMember(key: "\u{E9}", value: .null), JSONMember(key: "e\u{301}", value: .null),
        ])
        XCTAssertEqual(try CanonicalJSON.serializeStrict(distinct), Array("{\"e\u{301}\":null,\"\u{E9}\":null}".utf8))
    }

    func testCanonicalizeAcceptsOtherCollections() throws {
        let text = #"{"b":1,"a":2}"#
        XCTAssertEqual(try CanonicalJSON.canonicalize(text.utf8), Array(#"{"a":2,"b":1}"#.utf8))
        XCTAssertEqual(try CanonicalJSON.canonicalize(Array(text.utf8)[...]), Array(#"{"a":2,"b":1}"#.utf8))
        XCTAssertEqual(try CanonicalJSON.canonicalize(Data(text.utf8)), Array(#"{"a":2,"b":1}"#.utf8))
        // A collection without contiguous storage.
        XCTAssertEqual(try CanonicalJSON.canonicalize(text.utf8.lazy.map { $0 }), Array(#"{"a":2,"b":1}"#.utf8))
        let value = try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) }
        XCTAssertEqual(value["a"], .number(2))
    }

    /// Random documents canonicalized by an independent implementation (Node.js).
    func testAgainstNodeOutputs() throws {
        for (input, expected) in NodeCanonicalVectors.cases {
            let inputBytes = try XCTUnwrap(Data(base64Encoded: input))
            let expectedBytes = try XCTUnwrap(Data(base64Encoded: expected))
            XCTAssertEqual(try CanonicalJSON.canonicalize(inputBytes), Array(expectedBytes), input)
        }
    }

    /// Objects large enough for the merge sort, keys drawn from the ranges where UTF-16 order
    /// and scalar order differ, compared with a sort on `utf16` code units.
    func testLargeObjectsSortByUTF16() throws {
        var generator = SystemRandomNumberGenerator()
        let pools: [ClosedRange<UInt32>] = [0x20...0x7E, 0xC0...0x24F, 0xD7F0...0xD7FF, 0xE000...0xE0FF, 0xFF00...0xFFFF, 0x10000...0x100FF, 0x10FF00...0x10FFFF]
        for count in [2, 8, 9, 16, 17, 33, 100, 1000] {
            var keys = Set<[UInt8]>()
            var ordered: [String] = []
            while ordered.count < count {
                var key = ""
                for _ in 0..<Int.random(in: 0...4, using: &generator) {
                    let pool = pools.randomElement(using: &generator)!
                    key.unicodeScalars.append(Unicode.Scalar(UInt32.random(in: pool, using: &generator))!)
                }
                if keys.insert(Array(key.utf8)).inserted { ordered.append(key) }
            }
            let value = JSONValue.object(ordered.shuffled(using: &generator).map { JSONMember(key: $0, value: .null) })
            let expected = ordered.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            let output = try CanonicalJSON.serializeStrict(value)
            guard case let .object(members) = try JSONParser.parse(output) else { return XCTFail() }
            XCTAssertEqual(members.map { Array($0.key.utf8) }, expected.map { Array($0.utf8) }, "count \(count)")
        }
    }
}
