import Foundation
import MegatorrentJSON
import XCTest

/// The deepest accepted document can be parsed, compared, serialized and released on a thread
/// with a 1 MiB stack, even in a debug build (optimized builds need about 128 KiB).
final class StackDepthTests: XCTestCase {
    func testDeepestDocumentOnSmallStack() {
        let depth = JSONParseOptions.depthCeiling
        let text = String(repeating: "[{\"a\":", count: depth / 2) + "1" + String(repeating: "}]", count: depth / 2)
        let done = expectation(description: "thread finished")
        let thread = Thread {
            let options = JSONParseOptions(maxDepth: .max)
            let value = try? JSONParser.parse(text, options: options)
            let copy = try? JSONParser.parse(text, options: options)
            XCTAssertNotNil(value)
            XCTAssertEqual(value, copy)
            if let value {
                XCTAssertEqual(CanonicalJSON.serialize(value), Array(text.utf8))
            }
            XCTAssertEqual(parseError(text + "x", options: options), .trailingData(offset: text.utf8.count))
            done.fulfill()
        }
        thread.stackSize = 1 << 20
        thread.start()
        wait(for: [done], timeout: 60)
    }
}
