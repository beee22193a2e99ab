import CLibtorrentShim
import Dispatch
import Foundation
import MegatorrentTorrent
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Owned sessions: start-up, queries, shutdown, and clear errors for bad settings.
final class TorrentSessionTests: XCTestCase {
    func testDefaultSessionListensOnLoopbackWithoutDHT() throws {
        var settings = TorrentSessionSettings()
        settings.enableDHT = false
        var session: TorrentSession? = try TorrentSession(settings: settings)
        let port = try XCTUnwrap(session).listenPort
        try checkDefaults(of: XCTUnwrap(session), port: port)
        session = nil  // frees it: libtorrent's network thread is joined and its sockets closed
        XCTAssertFalse(acceptsTCP(onLoopbackPort: port), "127.0.0.1:\(port) still accepts after the session was freed")
    }

    private func checkDefaults(of session: TorrentSession, port: Int) throws {
        XCTAssertFalse(try session.isDHTRunning)
        XCTAssertGreaterThan(port, 0)
        XCTAssertLessThanOrEqual(port, 65535)
        XCTAssertTrue(acceptsTCP(onLoopbackPort: port), "nothing accepts on 127.0.0.1:\(port)")
        // The safe defaults reached libtorrent.
        XCTAssertEqual(try session.integerSetting(named: "enable_dht"), 0)
        XCTAssertEqual(try session.integerSetting(named: "enable_lsd"), 0)
        XCTAssertEqual(try session.integerSetting(named: "enable_upnp"), 0)
        XCTAssertEqual(try session.integerSetting(named: "enable_natpmp"), 0)
        XCTAssertEqual(try session.integerSetting(named: "max_retry_port_bind"), 0)
    }

    func testTwentySessionsStartAndStopWithoutHanging() {
        let done = expectation(description: "20 sessions made and freed")
        let failures = LockedList()
        let start = DispatchTime.now()
        DispatchQueue.global().async {
            for index in 0..<20 {
                do {
                    let session = try TorrentSession(settings: TorrentSessionSettings())
                    if try session.listenPort == 0 { failures.append("session \(index): port 0") }
                } catch {
                    failures.append("session \(index): \(error)")
                }
            }
            done.fulfill()
        }
        // A hang fails here instead of blocking the test run (the stuck thread is left behind).
        wait(for: [done], timeout: 60)
        XCTAssertEqual(failures.items, [])
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        print("20 sessions made and freed in \(String(format: "%.2f", seconds)) s")
    }

    func testSessionWithDHTRunsItAndAppliesDHTTuning() throws {
        var settings = TorrentSessionSettings()
        settings.enableDHT = true
        settings.dhtRestrictRoutingIPs = false
        settings.dhtRestrictSearchIPs = false
        settings.dhtPreferVerifiedNodeIDs = false
        settings.dhtBlockRateLimit = 10_000
        settings.dhtUploadRateLimit = 1_000_000
        let session = try TorrentSession(settings: settings)
        let deadline = Date().addingTimeInterval(10)
        while try !session.isDHTRunning, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertTrue(try session.isDHTRunning)
        XCTAssertEqual(try session.integerSetting(named: "dht_restrict_routing_ips"), 0)
        XCTAssertEqual(try session.integerSetting(named: "dht_restrict_search_ips"), 0)
        XCTAssertEqual(try session.integerSetting(named: "dht_prefer_verified_node_ids"), 0)
        XCTAssertEqual(try session.integerSetting(named: "dht_block_ratelimit"), 10_000)
        XCTAssertEqual(try session.integerSetting(named: "dht_upload_rate_limit"), 1_000_000)
    }

    func testMultipleConnectionsPerIPIsOffUnlessAsked() throws {
        XCTAssertEqual(try TorrentSession().integerSetting(named: "allow_multiple_connections_per_ip"), 0)
        var settings = TorrentSessionSettings()
        settings.allowMultipleConnectionsPerIP = true
        XCTAssertEqual(try TorrentSession(settings: settings).integerSetting(named: "allow_multiple_connections_per_ip"), 1)
    }

    func testUnsetDHTTuningKeepsLibtorrentDefaults() throws {
        let session = try TorrentSession()
        XCTAssertEqual(try session.integerSetting(named: "dht_restrict_routing_ips"), 1)
        XCTAssertEqual(try session.integerSetting(named: "dht_block_ratelimit"), 5)
        XCTAssertEqual(try session.integerSetting(named: "dht_upload_rate_limit"), 8000)
    }

    func testEmptyListenInterfacesListensNowhere() throws {
        var settings = TorrentSessionSettings()
        settings.listenInterfaces = ""
        let session = try TorrentSession(settings: settings)
        XCTAssertEqual(try session.listenPort, 0)
    }

    func testUnparsableListenInterfaceIsInvalidArgument() {
        var settings = TorrentSessionSettings()
        settings.listenInterfaces = "not an interface"
        XCTAssertThrowsError(try TorrentSession(settings: settings)) { error in
            let error = error as! TorrentError
            XCTAssertEqual(error.code, .invalidArgument)
            XCTAssertTrue(error.message.contains("not an interface"), error.message)
        }
    }

    func testUnknownDeviceIsInvalidArgument() {
        var settings = TorrentSessionSettings()
        settings.listenInterfaces = "nosuchdevice0:0"
        XCTAssertThrowsError(try TorrentSession(settings: settings)) { error in
            let error = error as! TorrentError
            XCTAssertEqual(error.code, .invalidArgument)
            XCTAssertTrue(error.message.contains("opened no socket"), error.message)
        }
    }

    func testPortInUseIsListenFailed() throws {
        let first = try TorrentSession()
        var settings = TorrentSessionSettings()
        settings.listenInterfaces = "127.0.0.1:\(try first.listenPort)"
        XCTAssertThrowsError(try TorrentSession(settings: settings)) { error in
            let error = error as! TorrentError
            XCTAssertEqual(error.code, .listenFailed)
            XCTAssertTrue(error.message.contains("in use"), error.message)
        }
    }

    func testEmbeddedNULIsRefused() {
        var settings = TorrentSessionSettings()
        settings.listenInterfaces = "127.0.0.1:0\u{0},0.0.0.0:0"
        XCTAssertThrowsError(try TorrentSession(settings: settings)) { error in
            XCTAssertEqual((error as! TorrentError).code, .invalidArgument)
        }
    }

    func testNegativeRateLimitIsRefused() {
        var settings = TorrentSessionSettings()
        settings.dhtBlockRateLimit = -5
        XCTAssertThrowsError(try TorrentSession(settings: settings)) { error in
            XCTAssertEqual((error as! TorrentError).code, .invalidArgument)
        }
    }

    func testUnknownSettingNameIsInvalidArgument() throws {
        let session = try TorrentSession()
        XCTAssertThrowsError(try session.integerSetting(named: "no_such_setting")) { error in
            XCTAssertEqual((error as! TorrentError).code, .invalidArgument)
        }
        XCTAssertThrowsError(try session.integerSetting(named: "listen_interfaces")) { error in
            XCTAssertTrue((error as! TorrentError).message.contains("string setting"))
        }
    }

    func testSessionIsUsableFromManyThreadsAtOnce() throws {
        let session = try TorrentSession()
        let expected = try session.listenPort
        let failures = LockedList()
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            do {
                if try session.listenPort != expected { failures.append("port changed") }
                if try session.isDHTRunning { failures.append("DHT running") }
            } catch {
                failures.append("\(error)")
            }
        }
        XCTAssertEqual(failures.items, [])
    }

    private func acceptsTCP(onLoopbackPort port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// The C surface directly: what Swift's API cannot even express (NULL strings, wrong versions, garbage fields).
final class ShimCAPITests: XCTestCase {
    private func defaults() -> mtlt_session_settings {
        var settings = mtlt_session_settings()
        XCTAssertEqual(mtlt_session_settings_init(&settings, MTLT_SESSION_SETTINGS_VERSION), MTLT_OK)
        return settings
    }

    /// Calls mtlt_session_new with `settings` (strings pointing at static storage or NULL), expecting `code`.
    private func expectFailure(
        _ settings: mtlt_session_settings, code: Int32, mentioning word: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var settings = settings
        var session: OpaquePointer? = nil
        let rc = mtlt_session_new(&session, &settings)
        XCTAssertEqual(rc, code, file: file, line: line)
        XCTAssertNil(session, "out must stay untouched on failure", file: file, line: line)
        let message = String(cString: mtlt_error_last())
        XCTAssertTrue(message.contains(word), "message: \(message)", file: file, line: line)
        mtlt_session_free(session)
    }

    func testInitMatchesSafeDefaults() {
        let settings = defaults()
        XCTAssertEqual(settings.version, MTLT_SESSION_SETTINGS_VERSION)
        XCTAssertEqual(String(cString: settings.listen_interfaces), "127.0.0.1:0")
        XCTAssertEqual(String(cString: settings.dht_bootstrap_nodes), "")
        XCTAssertEqual(
            [settings.enable_dht, settings.enable_lsd, settings.enable_upnp, settings.enable_natpmp], [0, 0, 0, 0])
    }

    func testInitRefusesUnknownVersion() {
        var settings = mtlt_session_settings()
        XCTAssertEqual(mtlt_session_settings_init(&settings, MTLT_SESSION_SETTINGS_VERSION + 1), MTLT_EINVAL)
        XCTAssertEqual(settings.version, 0, "untouched")
    }

    func testNullListenInterfacesIsRefused() {
        var settings = defaults()
        settings.listen_interfaces = nil
        expectFailure(settings, code: MTLT_EINVAL, mentioning: "listen_interfaces is NULL")
    }

    func testWrongVersionIsRefused() {
        var settings = defaults()
        settings.version = 99
        expectFailure(settings, code: MTLT_EINVAL, mentioning: "version is 99")
        settings.version = 0
        expectFailure(settings, code: MTLT_EINVAL, mentioning: "version is 0")
    }

    func testUninitialisedLookingFieldsAreRefused() {
        var settings = defaults()
        settings.enable_dht = 7
        expectFailure(settings, code: MTLT_EINVAL, mentioning: "enable_dht is 7")
        settings = defaults()
        settings.dht_restrict_search_ips = 2
        expectFailure(settings, code: MTLT_EINVAL, mentioning: "dht_restrict_search_ips")
        settings = defaults()
        settings.allow_multiple_connections_per_ip = -1
        expectFailure(settings, code: MTLT_EINVAL, mentioning: "allow_multiple_connections_per_ip is -1")
        settings = defaults()
        settings.reserved.3 = 1
        expectFailure(settings, code: MTLT_EINVAL, mentioning: "reserved[3]")
    }

    func testNullArgumentsAreRefused() {
        var settings = defaults()
        XCTAssertEqual(mtlt_session_new(nil, &settings), MTLT_EINVAL)
        XCTAssertTrue(String(cString: mtlt_error_last()).contains("out is NULL"))
        var session: OpaquePointer? = nil
        XCTAssertEqual(mtlt_session_new(&session, nil), MTLT_EINVAL)
        XCTAssertTrue(String(cString: mtlt_error_last()).contains("settings is NULL"))
        var value: Int32 = 0
        XCTAssertEqual(mtlt_session_listen_port(nil, &value), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_is_dht_running(nil, &value), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_get_int_setting(nil, "enable_dht", &value), MTLT_EINVAL)
        mtlt_session_free(nil)  // no-op
    }

    func testNullBootstrapNodesMeansEmpty() {
        var settings = defaults()
        settings.dht_bootstrap_nodes = nil
        var session: OpaquePointer? = nil
        XCTAssertEqual(mtlt_session_new(&session, &settings), MTLT_OK, String(cString: mtlt_error_last()))
        XCTAssertNotNil(session)
        mtlt_session_free(session)
    }

    func testErrorMessagesArePerThread() {
        var settings = defaults()
        settings.version = 42
        var session: OpaquePointer? = nil
        XCTAssertEqual(mtlt_session_new(&session, &settings), MTLT_EINVAL)
        let other = LockedList()
        let done = DispatchSemaphore(value: 0)
        Thread {
            other.append(String(cString: mtlt_error_last()))
            done.signal()
        }.start()
        done.wait()
        XCTAssertEqual(other.items, [""], "another thread has no error")
        XCTAssertTrue(String(cString: mtlt_error_last()).contains("version is 42"))
    }
}

/// A list that several threads append to.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    func append(_ item: String) {
        lock.lock()
        storage.append(item)
        lock.unlock()
    }

    var items: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
