import Foundation
import XCTest
import MegatorrentCrypto
@testable import MegatorrentIdentity

final class KeyFileTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "/mt-keys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func testSaveLoadRoundTripWithMode0600() throws {
        let key = try Ed25519.PrivateKey.generate()
        let path = folder + "/channel.key"
        try KeyFile.save(key, path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual((attributes[.size] as? NSNumber)?.intValue, 32)
        XCTAssertEqual(try KeyFile.load(path: path).publicKey, key.publicKey)
        // No temporary file is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["channel.key"])
    }

    func testRefusesToOverwriteUnlessAsked() throws {
        let path = folder + "/k"
        let first = try Ed25519.PrivateKey.generate(), second = try Ed25519.PrivateKey.generate()
        try KeyFile.save(first, path: path)
        XCTAssertThrowsError(try KeyFile.save(second, path: path)) { XCTAssertEqual($0 as? KeyFileError, .alreadyExists(path: path)) }
        XCTAssertEqual(try KeyFile.load(path: path).publicKey, first.publicKey)
        try KeyFile.save(second, path: path, overwrite: true)
        XCTAssertEqual(try KeyFile.load(path: path).publicKey, second.publicKey)
    }

    func testReadableByOthersRefused() throws {
        let path = folder + "/k"
        try KeyFile.save(try Ed25519.PrivateKey.generate(), path: path)
        for mode in [0o640, 0o604, 0o644] {
            chmod(path, mode_t(mode))
            XCTAssertThrowsError(try KeyFile.load(path: path)) { error in
                guard case .insecurePermissions = error as? KeyFileError else { return XCTFail("\(error)") }
                XCTAssertTrue("\(error)".contains("chmod 600"))
            }
        }
    }

    func testCorruptAndMissingRefused() throws {
        let path = folder + "/bad"
        for size in [0, 31, 33, 64] {
            _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 1, count: size), attributes: [.posixPermissions: 0o600])
            XCTAssertThrowsError(try KeyFile.load(path: path)) { XCTAssertEqual($0 as? KeyFileError, .corrupt(path: path, size: size)) }
        }
        XCTAssertThrowsError(try KeyFile.load(path: folder + "/none")) { XCTAssertEqual($0 as? KeyFileError, .notFound(path: self.folder + "/none")) }
        XCTAssertThrowsError(try KeyFile.load(path: folder)) { XCTAssertEqual($0 as? KeyFileError, .notARegularFile(path: self.folder)) }
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: path)
        XCTAssertThrowsError(try KeyFile.load(path: folder + "/link")) { XCTAssertEqual($0 as? KeyFileError, .notARegularFile(path: self.folder + "/link")) }
    }

    func testSeedMatchesFile() throws {
        let path = folder + "/k"
        let key = try Ed25519.PrivateKey.generate()
        try KeyFile.save(key, path: path)
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(onDisk), key.seed.withUnsafeBytes { Array($0) })
    }
}
