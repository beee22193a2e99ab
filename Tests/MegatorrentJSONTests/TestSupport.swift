import MegatorrentJSON
import XCTest

/// Canonicalizes the UTF-8 of `text` and returns the result as a string.
func canonical(_ text: String, options: JSONParseOptions = JSONParseOptions()) throws -> String {
    String(decoding: try CanonicalJSON.canonicalize(Array(text.utf8), options: options), as: UTF8.self)
}

/// The error thrown when parsing `bytes`, or nil when they parse.
func parseError(_ bytes: [UInt8], options: JSONParseOptions = JSONParseOptions()) -> JSONError? {
    do {
        _ = try JSONParser.parse(bytes, options: options)
        return nil
    } catch {
        return error
    }
}

/// The error thrown when parsing the UTF-8 of `text`, or nil when it parses.
func parseError(_ text: String, options: JSONParseOptions = JSONParseOptions()) -> JSONError? {
    parseError(Array(text.utf8), options: options)
}

/// Asserts that `text` fails to parse with exactly `expected`.
func assertRefused(
    _ text: String, _ expected: JSONError, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(parseError(text), expected, "input: \(text.debugDescription)", file: file, line: line)
}

/// Asserts that `bytes` fail to parse with exactly `expected`.
func assertRefused(
    _ bytes: [UInt8], _ expected: JSONError, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(parseError(bytes), expected, "input: \(bytes)", file: file, line: line)
}
