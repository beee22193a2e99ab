import CLibtorrentShim
import Dispatch
import Foundation
import XCTest

/// The alert and DHT part of the C surface directly: the notify hook, popped C structs, argument checks.
final class AlertCAPITests: XCTestCase {
    private func newSession(dht: Bool) throws -> OpaquePointer {
        var settings = mtlt_session_settings()
        XCTAssertEqual(mtlt_session_settings_init(&settings, MTLT_SESSION_SETTINGS_VERSION), MTLT_OK)
        settings.enable_dht = dht ? 1 : 0
        var session: OpaquePointer? = nil
        XCTAssertEqual(mtlt_session_new(&session, &settings), MTLT_OK, String(cString: mtlt_error_last()))
        return try XCTUnwrap(session)
    }

    private func pop(_ session: OpaquePointer) -> [mtlt_alert] {
        var alerts: UnsafePointer<mtlt_alert>? = nil
        var count = 0
        XCTAssertEqual(mtlt_session_pop_alerts(session, &alerts, &count), MTLT_OK)
        guard let alerts else {
            XCTAssertEqual(count, 0)
            return []
        }
        return Array(UnsafeBufferPointer(start: alerts, count: count))
    }

    func testFirstPopHasTheStartUpListenAlerts() throws {
        let session = try newSession(dht: false)
        defer { mtlt_session_free(session) }
        var port: Int32 = 0
        XCTAssertEqual(mtlt_session_listen_port(session, &port), MTLT_OK)
        let listening = pop(session).filter { $0.kind == MTLT_ALERT_LISTEN_SUCCEEDED }
        XCTAssertFalse(listening.isEmpty)
        for alert in listening {
            XCTAssertEqual(String(cString: alert.address), "127.0.0.1")
            XCTAssertEqual(alert.port, port)
            XCTAssertEqual(String(cString: alert.lt_name), "listen_succeeded")
            XCTAssertTrue([MTLT_SOCKET_TCP, MTLT_SOCKET_UTP].contains(alert.socket_type))
        }
        XCTAssertTrue(pop(session).filter { $0.kind == MTLT_ALERT_LISTEN_SUCCEEDED }.isEmpty, "delivered once")
    }

    func testNotifyHookWakesAndPopDeliversThePutAlert() throws {
        let session = try newSession(dht: true)
        defer { mtlt_session_free(session) }
        let wake = DispatchSemaphore(value: 0)
        let payload = Unmanaged.passRetained(wake)
        defer { payload.release() }  // after mtlt_session_free (defers run in reverse): the hook is gone by then
        XCTAssertEqual(
            mtlt_session_set_alert_notify(
                session, { Unmanaged<DispatchSemaphore>.fromOpaque($0!).takeUnretainedValue().signal() },
                payload.toOpaque()),
            MTLT_OK)
        XCTAssertEqual(wake.wait(timeout: .now() + 10), .success, "the hook is called once right away")

        var running: Int32 = 0
        for _ in 0..<1000 where running == 0 {
            XCTAssertEqual(mtlt_session_is_dht_running(session, &running), MTLT_OK)
            if running == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
        XCTAssertEqual(running, 1)

        // With no other node the put ends at once, with num_success 0.
        let value = Array("5:hello".utf8)
        var target = [UInt8](repeating: 0, count: 20)
        var expected = [UInt8](repeating: 0, count: 20)
        XCTAssertEqual(mtlt_dht_immutable_target(value, value.count, &expected), MTLT_OK)
        XCTAssertEqual(mtlt_dht_put_immutable(session, value, value.count, &target), MTLT_OK)
        XCTAssertEqual(target, expected)
        var put: mtlt_alert? = nil
        let deadline = Date().addingTimeInterval(10)
        while put == nil, Date() < deadline {
            _ = wake.wait(timeout: .now() + 1)
            put = pop(session).first { $0.kind == MTLT_ALERT_DHT_PUT }
        }
        let alert = try XCTUnwrap(put, "a dht_put alert within 10 s")
        XCTAssertEqual(alert.is_mutable, 0)
        XCTAssertEqual(withUnsafeBytes(of: alert.target) { Array($0) }, target)
        XCTAssertEqual(alert.num_success, 0)
        XCTAssertEqual(String(cString: alert.lt_name), "dht_put")

        XCTAssertEqual(mtlt_session_set_alert_notify(session, nil, nil), MTLT_OK, "removing the hook")
    }

    func testTargetIsSHA1OfTheValue() {
        // SHA-1("5:hello") computed independently (sha1sum).
        let value = Array("5:hello".utf8)
        var target = [UInt8](repeating: 0, count: 20)
        XCTAssertEqual(mtlt_dht_immutable_target(value, value.count, &target), MTLT_OK)
        let hex = target.map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(hex, sha1Hex(of: value))
    }

    func testArgumentChecks() throws {
        let session = try newSession(dht: false)
        defer { mtlt_session_free(session) }
        var alerts: UnsafePointer<mtlt_alert>? = nil
        var count = 0
        XCTAssertEqual(mtlt_session_pop_alerts(nil, &alerts, &count), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_pop_alerts(session, nil, &count), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_set_alert_notify(nil, nil, nil), MTLT_EINVAL)

        var fake = 0
        XCTAssertEqual(mtlt_session_handle_alert(session, &fake), MTLT_EINVAL)
        XCTAssertTrue(String(cString: mtlt_error_last()).contains("owned"))
        var attached: OpaquePointer? = nil
        XCTAssertEqual(mtlt_session_attach(&attached, nil), MTLT_EINVAL)
        XCTAssertNil(attached)

        XCTAssertEqual(mtlt_session_add_dht_node(session, nil, 1), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_add_dht_node(session, "127.0.0.1", 0), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_add_dht_node(session, "127.0.0.1", 70000), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_add_dht_node(session, "127.0.0.1", 6881), MTLT_ENODHT)

        let key = [UInt8](repeating: 0, count: 32)
        XCTAssertEqual(mtlt_dht_get_mutable(session, nil, nil, 0), MTLT_EINVAL)
        XCTAssertEqual(mtlt_dht_get_mutable(session, key, nil, 3), MTLT_EINVAL, "salt NULL with a length")
        XCTAssertEqual(mtlt_dht_get_mutable(session, key, nil, 0), MTLT_ENODHT)
        XCTAssertEqual(mtlt_dht_get_immutable(session, nil), MTLT_EINVAL)

        var state: UnsafeMutablePointer<UInt8>? = nil
        var length = 0
        XCTAssertEqual(mtlt_session_dht_state_save(session, nil, &length), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_dht_state_save(nil, &state, &length), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_dht_state_save(session, &state, &length), MTLT_OK)
        XCTAssertGreaterThan(length, 0)
        mtlt_buffer_free(state)
        mtlt_buffer_free(nil)

        var settings = mtlt_session_settings()
        _ = mtlt_session_settings_init(&settings, MTLT_SESSION_SETTINGS_VERSION)
        var restored: OpaquePointer? = nil
        XCTAssertEqual(mtlt_session_new_with_state(&restored, &settings, nil, 0), MTLT_EINVAL)
        XCTAssertNil(restored)
        var nodes: Int32 = -1
        XCTAssertEqual(mtlt_session_dht_node_count(session, &nodes), MTLT_OK)
        XCTAssertEqual(nodes, 0)
    }

    private func sha1Hex(of bytes: [UInt8]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha1sum"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        guard (try? process.run()) != nil else { return "sha1sum unavailable" }
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
