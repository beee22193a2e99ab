import XCTest
@testable import MegatorrentProxy

final class ProxyConfigurationTests: XCTestCase {
    func testParsesTheForms() throws {
        XCTAssertEqual(try ProxyConfiguration(url: "socks5://127.0.0.1:9050"), ProxyConfiguration(host: "127.0.0.1", port: 9050))
        XCTAssertEqual(
            try ProxyConfiguration(url: "socks5://alice:s3cret@proxy.lan:1080/"),
            ProxyConfiguration(host: "proxy.lan", port: 1080, credentials: SOCKS5Credentials(username: "alice", password: "s3cret")))
        XCTAssertEqual(
            try ProxyConfiguration(url: "SOCKS5H://a%40b:p%3Aw%25@[::1]:1080?isolate=1"),
            ProxyConfiguration(host: "::1", port: 1080, credentials: SOCKS5Credentials(username: "a@b", password: "p:w%"), isolateStreams: true))
        let isolated = try ProxyConfiguration(url: "socks5://127.0.0.1:9050?isolate")
        XCTAssertTrue(isolated.isolateStreams)
        XCTAssertNotEqual(isolated.credentialsForNewStream(), isolated.credentialsForNewStream())
        XCTAssertNil(try ProxyConfiguration(url: "socks5://127.0.0.1:9050").credentialsForNewStream())
    }

    func testRefusesWithReasonsAndNeverShowsThePassword() {
        for bad in [
            "http://127.0.0.1:8080", "socks5://127.0.0.1", "socks5://:1080", "socks5://h:0", "socks5://h:70000",
            "socks5://alice@h:1080", "socks5://a:%zz@h:1080", "socks5://h:1080/path", "socks5://h:1080?x=1",
            "socks4://secretuser:secretpass@h:1080", "socks5://secretuser:secretpass@h",
        ] {
            XCTAssertThrowsError(try ProxyConfiguration(url: bad), bad) { error in
                XCTAssertFalse("\(error)".contains("secretpass"), "\(error)")
            }
        }
    }

    func testDescriptionHidesThePassword() throws {
        let proxy = try ProxyConfiguration(url: "socks5://alice:s3cret@127.0.0.1:1080")
        XCTAssertEqual(proxy.description, "socks5://alice:***@127.0.0.1:1080")
    }
}
