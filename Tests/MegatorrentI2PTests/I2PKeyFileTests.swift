import Foundation
import MegatorrentCrypto
import MegatorrentIdentity
import XCTest
@testable import MegatorrentI2P

final class I2PKeyFileTests: XCTestCase {
    func testKeptDestinationRoundTripsAs0600AndRefusesLooseModes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("i2pkey-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + I2PKeyFile.fileName
        let key = try I2PPrivateDestination(base64: Array(Fixtures.privateBase64.utf8))
        try I2PKeyFile.save(key, path: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try I2PKeyFile.load(path: path).destination, key.destination)
        XCTAssertThrowsError(try I2PKeyFile.save(key, path: path)) { error in
            XCTAssertEqual(error as? KeyFileError, .alreadyExists(path: path))
        }
        chmod(path, 0o644)
        XCTAssertThrowsError(try I2PKeyFile.load(path: path)) { error in
            guard case .insecurePermissions? = error as? KeyFileError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try I2PKeyFile.load(path: folder + "/missing")) { error in
            XCTAssertEqual(error as? KeyFileError, .notFound(path: folder + "/missing"))
        }
    }
}
