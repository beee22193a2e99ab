import Foundation
import MegatorrentTorrent
import XCTest

/// The linked libtorrent is the one the build was configured against.
final class LibtorrentVersionTests: XCTestCase {
    func testVersionIsLibtorrent2() {
        XCTAssertTrue(Libtorrent.version.hasPrefix("2."), "version \(Libtorrent.version)")
    }

    func testVersionMatchesPkgConfigMajorMinor() throws {
        let pkgConfig = Process()
        pkgConfig.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        pkgConfig.arguments = ["pkg-config", "--modversion", "libtorrent-rasterbar"]
        let output = Pipe()
        pkgConfig.standardOutput = output
        pkgConfig.standardError = FileHandle.nullDevice
        try pkgConfig.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        pkgConfig.waitUntilExit()
        guard pkgConfig.terminationStatus == 0 else {
            throw XCTSkip("pkg-config does not know libtorrent-rasterbar")
        }
        let reported = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        func majorMinor(_ version: String) -> [Substring] { Array(version.split(separator: ".").prefix(2)) }
        XCTAssertEqual(majorMinor(reported).count, 2, "pkg-config said \(reported)")
        XCTAssertEqual(majorMinor(Libtorrent.version), majorMinor(reported))
    }
}
