import Foundation
import MegatorrentState
import XCTest

/// The held files of a node, kept across restarts (a reopened database), oldest first, each once.
final class HeldFileStoreTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws { folder = NSTemporaryDirectory() + "/mt-held-\(UUID().uuidString)" }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func testHeldFilesSurviveARestart() throws {
        let directory = StateDirectory(explicit: folder)
        do {
            let files = HeldFileStore(database: try StateDatabase(directory: directory))
            XCTAssertTrue(try files.add(descriptor: String(repeating: "b", count: 64), at: 1))
            XCTAssertTrue(try files.add(descriptor: String(repeating: "a", count: 64), at: 2))
            XCTAssertFalse(try files.add(descriptor: String(repeating: "b", count: 64), at: 3), "held once")
        }
        let files = HeldFileStore(database: try StateDatabase(directory: directory))
        XCTAssertEqual(try files.descriptors(), [String(repeating: "b", count: 64), String(repeating: "a", count: 64)])
        XCTAssertTrue(try files.remove(descriptor: String(repeating: "b", count: 64)))
        XCTAssertFalse(try files.remove(descriptor: String(repeating: "b", count: 64)))
        XCTAssertEqual(try files.descriptors(), [String(repeating: "a", count: 64)])
    }
}
