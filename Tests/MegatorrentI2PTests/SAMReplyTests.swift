import XCTest
@testable import MegatorrentI2P

final class SAMReplyTests: XCTestCase {
    private func parse(_ text: String) throws -> SAMReply { try SAMReply.parse(Array(text.utf8)) }

    func testPlainLine() throws {
        let reply = try parse("HELLO REPLY RESULT=OK VERSION=3.1")
        XCTAssertEqual(reply.topic, "HELLO")
        XCTAssertEqual(reply.subtopic, "REPLY")
        XCTAssertEqual(reply["RESULT"], "OK")
        XCTAssertEqual(reply["VERSION"], "3.1")
        XCTAssertEqual(reply.result, .ok)
        XCTAssertNil(reply["MESSAGE"])
    }

    func testValuesKeepEqualsSignsQuotesAndEscapes() throws {
        let reply = try parse(#"SESSION STATUS RESULT=I2P_ERROR DESTINATION=AAA= MESSAGE="tunnel \"build\" failed \\ twice"  LONE"#)
        XCTAssertEqual(reply["DESTINATION"], "AAA=")
        XCTAssertEqual(reply["MESSAGE"], #"tunnel "build" failed \ twice"#)
        XCTAssertEqual(reply["LONE"], "")
        XCTAssertEqual(reply.pairs.map(\.key), ["RESULT", "DESTINATION", "MESSAGE", "LONE"])
    }

    func testCarriageReturnTabsAndRepeatedKeys() throws {
        let reply = try parse("NAMING\tREPLY RESULT=OK RESULT=I2P_ERROR\r")
        XCTAssertEqual(reply.result, .ok, "a repeated key keeps its first value")
        XCTAssertEqual(reply.pairs.count, 1)
    }

    func testMalformedLines() {
        let bad: [(String, String)] = [
            ("", "TOPIC SUBTOPIC"),
            ("HELLO", "TOPIC SUBTOPIC"),
            ("hello reply", "upper-case word"),
            ("HELLO REPLY =OK", "invalid key"),
            ("HELLO REPLY RE\"SULT=OK", "quote outside"),
            ("HELLO REPLY MESSAGE=\"open", "unterminated"),
            ("HELLO REPLY MESSAGE=\"a\"b", "after a closing quote"),
            ("HELLO REPLY MESSAGE=\"a\"\"b\"", "after a closing quote"),
            ("HELLO REPLY RESULT=OK\u{0}", "control byte"),
            ("HELLO REPLY K\u{e9}Y=1", "invalid key"),
        ]
        for (line, expected) in bad {
            XCTAssertThrowsError(try parse(line), line) { error in
                guard case let .malformedReply(why) = error as? SAMError else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains(expected), "\(line): \(why)")
            }
        }
        XCTAssertThrowsError(try SAMReply.parse([UInt8](repeating: UInt8(ascii: "A"), count: SAMReply.maxLineLength + 1)))
        XCTAssertThrowsError(try SAMReply.parse(Array("HELLO REPLY V=".utf8) + [0xff])) { error in
            XCTAssertTrue("\(error)".contains("not UTF-8"))
        }
    }

    func testEveryResultCodeHasWordsAndRoundTrips() {
        let codes = [
            "OK", "CANT_REACH_PEER", "DUPLICATED_DEST", "DUPLICATED_ID", "I2P_ERROR", "INVALID_ID", "INVALID_KEY", "KEY_NOT_FOUND",
            "PEER_NOT_FOUND", "TIMEOUT", "NOVERSION", "ALREADY_ACCEPTING",
        ]
        var meanings = Set<String>()
        for code in codes {
            let result = SAMResult(rawValue: code)
            XCTAssertNotEqual(result, .other(code), code)
            XCTAssertEqual(result.rawValue, code)
            meanings.insert(result.meaning)
        }
        XCTAssertEqual(meanings.count, codes.count, "each code its own words")
        XCTAssertEqual(SAMResult(rawValue: "SOMETHING_NEW"), .other("SOMETHING_NEW"))
        XCTAssertEqual(SAMResult(rawValue: "SOMETHING_NEW").rawValue, "SOMETHING_NEW")
    }
}
