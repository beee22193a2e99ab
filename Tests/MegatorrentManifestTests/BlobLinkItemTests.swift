import Foundation
import MegatorrentCrypto
import MegatorrentJSON
import MegatorrentWire
import XCTest

@testable import MegatorrentManifest

/// Blob links (docs/blobs.md, "Links") as the second kind of manifest item (docs/manifest.md, "Items").
final class BlobLinkItemTests: XCTestCase {
    let id = String(repeating: "ab", count: 32)
    let key = String(repeating: "cd", count: 32)
    var link: String { "magnet:?xs=urn:mtblob:\(id)&mtk=\(key)" }

    func testValidBlobLinkItems() throws {
        let valid = [
            link,
            "magnet:?mtk=\(key)&xs=urn:mtblob:\(id)",
            "MAGNET:?xs=URN:MTBLOB:\(id.uppercased())&mtk=\(key.uppercased())",
            link + "&dn=Holiday%20film.mkv",
            link + "&x.note=anything",
        ]
        for uri in valid {
            XCTAssertNoThrow(try MagnetLink.validate(uri), uri)
            let parsed = try BlobLink.parse(uri)
            XCTAssertEqual(parsed.descriptor.hex, id, uri)
            XCTAssertEqual(parsed.uri, link, "the canonical text is lowercase, without extras")
        }
    }

    func testRefusedBlobLinkItems() {
        let cases: [(String, BlobLink.Problem)] = [
            ("magnet:?xs=urn:mtblob:\(id)", .missingKey),
            ("magnet:?mtk=\(key)", .missingDescriptorID),
            ("magnet:?xs=urn:mtblob:\(id.dropLast())&mtk=\(key)", .invalidDescriptorID),
            ("magnet:?xs=urn:mtblob:\(id)00&mtk=\(key)", .invalidDescriptorID),
            ("magnet:?xs=urn:mtblob:\(id.dropLast())g&mtk=\(key)", .invalidDescriptorID),
            ("magnet:?xs=urn:mtblob:\(id)&mtk=\(key.dropLast(2))", .invalidKey),
            ("magnet:?xs=urn:mtblob:\(id)&mtk=\(key)cd", .invalidKey),
            ("magnet:?xs=urn:mtblob:\(id)&mtk=\(key.dropLast())z", .invalidKey),
            ("magnet:?xs=urn:mtblob:\(id)&mtk=\(key)&mtk=\(key)", .duplicateParameter("mtk")),
            ("magnet:?xs=urn:mtblob:\(id)&xs=urn:mtblob:\(id)&mtk=\(key)", .duplicateParameter("xs")),
            ("magnet:?xs=urn:mtblob:\(id)&mtk=\(key)&tr=http://t/announce", .unknownParameter("tr")),
            ("magnet:?xs=urn:mtblob:\(id)&mtk=\(key)&dn", .parameterWithoutValue),
            ("magnet:?xs=urn:mtblob:\(id)&mtk=\(key)&", .parameterWithoutValue),
            ("magnet:?xs=urn:mtblob:\(id)&mtk=\(key)&dn=" + String(repeating: "a", count: 1024), .tooLong(1183)),
        ]
        for (uri, problem) in cases {
            XCTAssertThrowsError(try MagnetLink.validate(uri), uri) {
                XCTAssertEqual($0 as? MagnetLink.Problem, .invalidBlobLink(problem), uri)
            }
        }
    }

    /// The URI character rules come first; items that do not set out to be blob links keep their old refusals.
    func testOtherRulesUnchanged() {
        XCTAssertThrowsError(try MagnetLink.validate(link + "&dn=a b")) {
            XCTAssertEqual($0 as? MagnetLink.Problem, .invalidCharacter(offset: 160))
        }
        for uri in ["magnet:?dn=x", "magnet:?xs=http://example.com/file", "magnet:?xs=urn:btpk:\(id)"] {
            XCTAssertThrowsError(try MagnetLink.validate(uri), uri) { XCTAssertEqual($0 as? MagnetLink.Problem, .missingExactTopic) }
        }
        // With an exact topic, an item is a BitTorrent magnet; its other parameters are not interpreted, as before.
        XCTAssertNoThrow(try MagnetLink.validate("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&mtk=zz"))
    }

    func testSignedManifestWithBlobLinkItem() throws {
        let author = try Ed25519.PrivateKey.generate()
        let items = "[\"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a\",\"\(link)\"]"
        let unsigned = Array("{\"collections\":[{\"items\":\(items),\"title\":\"Mixed\"}]}".utf8)
        let signed = try ManifestSigner.sign(unsignedJSON: unsigned, with: author, sequence: 3, timestamp: 5)
        let manifest = try ManifestVerifier.verify(signed.jsonBytes)
        XCTAssertEqual(manifest.body.collections.first?.items.last, link)

        let broken = String(decoding: signed.jsonBytes, as: UTF8.self).replacingOccurrences(of: "&mtk=\(key)", with: "&mtk=\(key)&mtk=\(key)")
        XCTAssertThrowsError(try ManifestVerifier.verify(Array(broken.utf8))) {
            XCTAssertEqual($0 as? ManifestError, .invalidBlobLink(collection: 0, item: 1, problem: .duplicateParameter("mtk")))
            XCTAssertEqual(($0 as? ManifestError)?.code, 18)
        }
    }
}
