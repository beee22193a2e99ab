import MegatorrentJSON
import XCTest

final class LimitsTests: XCTestCase {
    private func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    func testDefaultDepthLimit() {
        XCTAssertEqual(JSONParseOptions().maxDepth, 64)
        XCTAssertNil(parseError(nested(64)))
        assertRefused(nested(65), .tooDeep)
        XCTAssertNil(parseError(String(repeating: "{\"a\":", count: 64) + "1" + String(repeating: "}", count: 64)))
        assertRefused(String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65), .tooDeep)
        // Unterminated deep input still fails on depth, never on the stack.
        assertRefused(String(repeating: "[", count: 100_000), .tooDeep)
    }

    func testCustomDepthLimit() {
        let zero = JSONParseOptions(maxDepth: 0)
        XCTAssertNil(parseError("1", options: zero))
        XCTAssertEqual(parseError("[]", options: zero), .tooDeep)
        XCTAssertEqual(parseError("{}", options: zero), .tooDeep)
        let two = JSONParseOptions(maxDepth: 2)
        XCTAssertNil(parseError("[[1],{\"a\":1},[]]", options: two))
        XCTAssertEqual(parseError("[[1],{\"a\":[]}]", options: two), .tooDeep)
        XCTAssertEqual(parseError("[[[]]]", options: two), .tooDeep)
        XCTAssertEqual(parseError("[]", options: JSONParseOptions(maxDepth: -5)), .tooDeep)
    }

    func testDepthCeiling() throws {
        let huge = JSONParseOptions(maxDepth: Int.max, maxBytes: Int.max)
        let limit = JSONParseOptions.depthCeiling
        XCTAssertNil(parseError(nested(limit), options: huge))
        XCTAssertEqual(parseError(nested(limit + 1), options: huge), .tooDeep)
        // Serializing and comparing the deepest accepted value is safe.
        let value = try JSONParser.parse(nested(limit), options: huge)
        XCTAssertEqual(String(decoding: CanonicalJSON.serialize(value), as: UTF8.self), nested(limit))
        XCTAssertEqual(value, value)
    }

    func testSizeLimit() {
        XCTAssertEqual(JSONParseOptions().maxBytes, 1 << 20)
        let exact = "\"" + String(repeating: "a", count: (1 << 20) - 2) + "\""
        XCTAssertNil(parseError(exact))
        assertRefused(exact + " ", .tooLarge)
        let small = JSONParseOptions(maxBytes: 4)
        XCTAssertNil(parseError("[1 ]", options: small))
        XCTAssertEqual(parseError("[1, ]", options: small), .tooLarge)
        XCTAssertEqual(parseError("", options: JSONParseOptions(maxBytes: 0)), .unexpectedEnd)
        XCTAssertEqual(parseError("1", options: JSONParseOptions(maxBytes: -1)), .tooLarge)
        XCTAssertThrowsError(try CanonicalJSON.canonicalize(Array("[1,2]".utf8), options: small)) {
            XCTAssertEqual($0 as? JSONError, .tooLarge)
        }
        // The limit is checked for non-contiguous collections too.
        XCTAssertThrowsError(try JSONParser.parse("[1,2]".utf8.lazy.map { $0 }, options: small)) {
            XCTAssertEqual($0 as? JSONError, .tooLarge)
        }
    }
}
