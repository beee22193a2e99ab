import XCTest
@testable import MegatorrentManifest

final class MagnetLinkTests: XCTestCase {
    func testValid() throws {
        let valid = [
            "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a",
            "magnet:?xt=urn:btih:C12FE1C06BBA254A9DC9F519B335AA7C1367A88A&dn=Some+Name&tr=udp%3A%2F%2Ftracker%3A80",
            "MAGNET:?xt=urn:btih:YNCKHTQCWBJJUTOJ6UMBJNEKJQTNPKEK",
            "magnet:?xt=urn:btmh:1220caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e",
            "magnet:?dn=x&xt.1=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&xt.2=urn:btmh:1220caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e&",
        ]
        for uri in valid { XCTAssertNoThrow(try MagnetLink.validate(uri), uri) }
    }

    func testInvalid() {
        let cases: [(String, MagnetLink.Problem)] = [
            ("http://example.com/a.torrent", .notMagnet),
            ("magnet:", .notMagnet),
            ("magnet:?dn=nothing", .missingExactTopic),
            ("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88", .invalidExactTopic("urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88")),
            ("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88g", .invalidExactTopic("urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88g")),
            ("magnet:?xt=urn:sha1:YNCKHTQCWBJJUTOJ6UMBJNEKJQTNPKEK", .invalidExactTopic("urn:sha1:YNCKHTQCWBJJUTOJ6UMBJNEKJQTNPKEK")),
            ("magnet:?xt=urn:btih:YNCKHTQCWBJJUTOJ6UMBJNEKJQTNPKE1", .invalidExactTopic("urn:btih:YNCKHTQCWBJJUTOJ6UMBJNEKJQTNPKE1")),
            ("magnet:?xt=urn:btmh:1120caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e", .invalidExactTopic("urn:btmh:1120caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e")),
            ("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=a b", .invalidCharacter(offset: 65)),
            ("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=%zz", .badPercentEscape(offset: 64)),
            ("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=%4", .badPercentEscape(offset: 64)),
            ("magnet:?=x&xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a", .emptyParameter),
            ("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=caf\u{e9}", .invalidCharacter(offset: 67)),
        ]
        for (uri, problem) in cases {
            XCTAssertThrowsError(try MagnetLink.validate(uri), uri) { XCTAssertEqual($0 as? MagnetLink.Problem, problem, uri) }
        }
        let long = "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=" + String(repeating: "a", count: ManifestLimits.maxItemBytes)
        XCTAssertThrowsError(try MagnetLink.validate(long)) { XCTAssertEqual($0 as? MagnetLink.Problem, .tooLong(long.utf8.count)) }
    }
}
