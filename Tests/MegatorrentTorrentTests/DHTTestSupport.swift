import CLibtorrentShim
import Foundation
import MegatorrentTestSupport
import MegatorrentTorrent
import XCTest

/// An author whose items the tests sign with the shim's test-only helper (libtorrent's ed25519); the product signs
/// with OpenSSL in its own module.
struct TestAuthor {
    let seed: [UInt8]

    /// An author with a random seed.
    init() {
        seed = (0..<32).map { _ in UInt8.random(in: 0...255) }
    }

    var publicKey: [UInt8] {
        get throws { try sign(salt: [], sequence: 0, value: Array("0:".utf8)).publicKey }
    }

    func sign(salt: [UInt8], sequence: Int64, value: [UInt8]) throws -> SignedMutableItem {
        var publicKey = [UInt8](repeating: 0, count: 32)
        var signature = [UInt8](repeating: 0, count: 64)
        let rc = mtlt_test_sign_mutable(
            seed, salt, salt.count, sequence, value, value.count, &publicKey, &signature)
        XCTAssertEqual(rc, MTLT_OK, String(cString: mtlt_error_last()))
        return try SignedMutableItem(
            publicKey: publicKey, salt: salt, sequence: sequence, value: value, signature: signature)
    }
}

/// A BEP 46 pointer value, `d2:ih20:<infohash>e`, with a random infohash.
func pointerValue() -> [UInt8] {
    Array("d2:ih20:".utf8) + (0..<20).map { _ in UInt8.random(in: 0...255) } + Array("e".utf8)
}

/// A bencoded byte string of exactly `total` bytes ("<n>:" and n bytes of 'x').
func bencodedString(totalSize total: Int) -> [UInt8] {
    var length = total - 2
    while String(length).utf8.count + 1 + length > total { length -= 1 }
    return Array("\(length):".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: length)
}

