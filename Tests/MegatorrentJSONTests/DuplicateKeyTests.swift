import MegatorrentJSON
import XCTest

final class DuplicateKeyTests: XCTestCase {
    func testDuplicateKeysRefused() {
        assertRefused(#"{"a":1,"a":2}"#, .duplicateKey("a"))
        assertRefused(#"{"a":1,"b":2,"a":3}"#, .duplicateKey("a"))
        assertRefused(#"{"a":1,"\u0061":2}"#, .duplicateKey("a"))
        assertRefused(#"{"\u00e9":1,"é":2}"#, .duplicateKey("é"))
        assertRefused(#"{"x":{"a":1,"a":1}}"#, .duplicateKey("a"))
        assertRefused(#"[{"":1,"":2}]"#, .duplicateKey(""))
        assertRefused(#"{"\ud83d\ude00":1,"😀":2}"#, .duplicateKey("😀"))
    }

    /// Keys equal only under Unicode canonical equivalence are distinct and both kept.
    func testCanonicallyEquivalentKeysKept() throws {
        let value = try JSONParser.parse(#"{"\u00e9":1,"e\u0301":2,"\u212b":3,"\u00c5":4}"#)
        guard case let .object(members) = value else { return XCTFail() }
        XCTAssertEqual(members.count, 4)
        XCTAssertEqual(members.map { Array($0.key.utf8) }, [[0xC3, 0xA9], [0x65, 0xCC, 0x81], [0xE2, 0x84, 0xAB], [0xC3, 0x85]])
        XCTAssertEqual(try canonical(#"{"\u00e9":1,"e\u0301":2}"#), "{\"e\u{301}\":2,\"\u{E9}\":1}")
    }

    /// Same-object keys that are not duplicates, keys repeated in different objects.
    func testNonDuplicates() {
        XCTAssertNil(parseError(#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#))
        XCTAssertNil(parseError(#"{"a":1,"a ":2,"A":3,"":4,"\u0000":5,"\u0000\u0000":6}"#))
    }

    /// Large objects use the hash table; the first key that repeats an earlier one is reported.
    func testLargeObjects() {
        let keys = (0..<5000).map { "key\($0)" }
        let body = keys.map { "\"\($0)\":0" }.joined(separator: ",")
        XCTAssertNil(parseError("{" + body + "}"))
        assertRefused("{" + body + ",\"key1234\":1}", .duplicateKey("key1234"))
        assertRefused("{" + body + ",\"key77\":1,\"key4\":1}", .duplicateKey("key77"))
        assertRefused("{\"key9\":1," + body + "}", .duplicateKey("key9"))
        // Many keys that share their first 8 bytes.
        let long = (0..<300).map { "\"" + String(repeating: "p", count: 40) + "\($0)\":null" }.joined(separator: ",")
        XCTAssertNil(parseError("{" + long + "}"))
        assertRefused("{" + long + ",\"" + String(repeating: "p", count: 40) + "299\":0}", .duplicateKey(String(repeating: "p", count: 40) + "299"))
    }

    /// Twenty thousand members parse quickly even when every key is distinct but similar.
    func testManyMembersStayFast() throws {
        let body = (0..<20_000).map { "\"\(String($0, radix: 2))\":\($0)" }.joined(separator: ",")
        let start = ContinuousClock.now
        let value = try JSONParser.parse("{" + body + "}")
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
        guard case let .object(members) = value else { return XCTFail() }
        XCTAssertEqual(members.count, 20_000)
    }
}
