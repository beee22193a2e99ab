import MegatorrentTorrent
import XCTest

/// The shim's DHT_PEERS value: 18-byte entries, IPv4 mapped into IPv6.
final class DHTPeersTests: XCTestCase {
    func testEntriesAreRead() {
        let v4: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1] + [0x1b, 0x58]
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1] + [0x1b, 0x59]
        let zeroPort: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff, 10, 0, 0, 1] + [0, 0]
        XCTAssertEqual(
            DHTPeer.parse(v4 + v6 + zeroPort + [1, 2, 3]),
            [DHTPeer(host: "127.0.0.1", port: 7000), DHTPeer(host: "2001:db8::1", port: 7001)])
        XCTAssertEqual(DHTPeer.parse([]), [])
        XCTAssertEqual(DHTPeer.ipv6Text(Array(repeating: 0, count: 15) + [1]), "::1")
        XCTAssertEqual(DHTPeer.ipv6Text([0xfe, 0x80] + Array(repeating: 0, count: 6) + [0, 1, 0, 0, 0, 0, 0, 2]), "fe80::1:0:0:2")
        XCTAssertEqual(DHTPeer.ipv6Text((0..<16).map { UInt8($0 % 2) }), "1:1:1:1:1:1:1:1")
    }
}
