import CLibtorrentShim
import Dispatch
import Foundation
import XCTest

/// The torrent part of the C surface directly: params checks, status, the torrent alerts as popped C structs.
final class TorrentCAPITests: XCTestCase {
    private func newSession() throws -> OpaquePointer {
        var settings = mtlt_session_settings()
        XCTAssertEqual(mtlt_session_settings_init(&settings, MTLT_SESSION_SETTINGS_VERSION), MTLT_OK)
        var session: OpaquePointer? = nil
        XCTAssertEqual(mtlt_session_new(&session, &settings), MTLT_OK, String(cString: mtlt_error_last()))
        return try XCTUnwrap(session)
    }

    private func params() -> mtlt_add_torrent_params {
        var params = mtlt_add_torrent_params()
        XCTAssertEqual(mtlt_add_torrent_params_init(&params, MTLT_ADD_TORRENT_PARAMS_VERSION), MTLT_OK)
        return params
    }

    /// Adds with `params` after `change`, saving to /tmp; returns the code and the message.
    private func add(
        _ session: OpaquePointer, _ change: (inout mtlt_add_torrent_params) -> Void
    ) -> (Int32, String) {
        var p = params()
        change(&p)
        var infoHash = [UInt8](repeating: 0, count: 20)
        let rc = "/tmp".withCString { path in
            if p.save_path == nil { p.save_path = path }
            return mtlt_torrent_add(session, &p, &infoHash)
        }
        return (rc, rc == MTLT_OK ? "" : String(cString: mtlt_error_last()))
    }

    func testParamsAreChecked() throws {
        let session = try newSession()
        defer { mtlt_session_free(session) }
        var other = mtlt_add_torrent_params()
        XCTAssertEqual(mtlt_add_torrent_params_init(&other, 99), MTLT_EINVAL)
        XCTAssertEqual(mtlt_add_torrent_params_init(nil, MTLT_ADD_TORRENT_PARAMS_VERSION), MTLT_EINVAL)

        let magnet = "magnet:?xt=urn:btih:" + String(repeating: "12", count: 20)
        magnet.withCString { magnet in
            let cases: [(String, Int32, (inout mtlt_add_torrent_params) -> Void)] = [
                ("no source", MTLT_EINVAL, { _ in }),
                ("two sources", MTLT_EINVAL, { $0.magnet_uri = magnet; $0.has_info_hash = 1 }),
                ("wrong version", MTLT_EINVAL, { $0.magnet_uri = magnet; $0.version = 2 }),
                ("unknown flag", MTLT_EINVAL, { $0.magnet_uri = magnet; $0.flags = 1 << 20 }),
                ("reserved", MTLT_EINVAL, { $0.magnet_uri = magnet; $0.reserved.2 = 1 }),
                ("seed mode by magnet", MTLT_EINVAL, { $0.magnet_uri = magnet; $0.flags = MTLT_TORRENT_SEED_MODE }),
                ("NULL peers", MTLT_EINVAL, { $0.magnet_uri = magnet; $0.peer_count = 2 }),
                ("all-zero info-hash", MTLT_EINVAL, { $0.has_info_hash = 1 }),
                ("has_info_hash 2", MTLT_EINVAL, { $0.has_info_hash = 2 }),
            ]
            for (name, expected, change) in cases {
                let (rc, message) = add(session, change)
                XCTAssertEqual(rc, expected, "\(name): \(message)")
                XCTAssertFalse(message.isEmpty, name)
            }
            var infoHash = [UInt8](repeating: 0, count: 20)
            XCTAssertEqual(mtlt_torrent_add(session, nil, &infoHash), MTLT_EINVAL)
            var p = params()
            p.magnet_uri = magnet
            XCTAssertEqual(mtlt_torrent_add(session, &p, nil), MTLT_EINVAL)
            XCTAssertEqual(mtlt_torrent_add(nil, &p, &infoHash), MTLT_EINVAL)
            XCTAssertEqual(add(session) { $0.magnet_uri = magnet }.0, MTLT_OK)
            XCTAssertEqual(add(session) { $0.magnet_uri = magnet }.0, MTLT_EDUPLICATE)
        }
    }

    func testStatusAndRemoveOfUnknownTorrent() throws {
        let session = try newSession()
        defer { mtlt_session_free(session) }
        let unknown = [UInt8](repeating: 7, count: 20)
        var status = mtlt_torrent_status()
        XCTAssertEqual(mtlt_torrent_get_status(session, unknown, &status), MTLT_EINVAL, "version not set")
        status.version = MTLT_TORRENT_STATUS_VERSION
        XCTAssertEqual(mtlt_torrent_get_status(session, unknown, &status), MTLT_ENOTORRENT)
        XCTAssertTrue(String(cString: mtlt_error_last()).contains("0707070707"))
        XCTAssertEqual(mtlt_torrent_remove(session, unknown, 0), MTLT_ENOTORRENT)
        XCTAssertEqual(mtlt_torrent_remove(session, unknown, 2), MTLT_EINVAL)
        XCTAssertEqual(mtlt_torrent_connect_peer(session, unknown, "127.0.0.1", 1), MTLT_ENOTORRENT)
        XCTAssertEqual(mtlt_torrent_connect_peer(session, unknown, "127.0.0.1", 0), MTLT_EINVAL)
        XCTAssertEqual(mtlt_torrent_get_status(session, nil, &status), MTLT_EINVAL)
        var list: UnsafeMutablePointer<UInt8>? = nil
        var count = 99
        XCTAssertEqual(mtlt_torrent_list(session, &list, &count), MTLT_OK)
        XCTAssertNil(list)
        XCTAssertEqual(count, 0)
        XCTAssertEqual(mtlt_torrent_list(session, nil, &count), MTLT_EINVAL)
        XCTAssertEqual(mtlt_session_post_torrent_updates(nil), MTLT_EINVAL)
    }

    func testTorrentAlertsCarryTheInfoHash() throws {
        let session = try newSession()
        defer { mtlt_session_free(session) }
        let wake = DispatchSemaphore(value: 0)
        let payload = Unmanaged.passRetained(wake)
        defer { payload.release() }  // after mtlt_session_free (defers run in reverse)
        XCTAssertEqual(
            mtlt_session_set_alert_notify(
                session, { Unmanaged<DispatchSemaphore>.fromOpaque($0!).takeUnretainedValue().signal() },
                payload.toOpaque()),
            MTLT_OK)

        let infoHash = (0..<20).map { _ in UInt8.random(in: 0...255) }
        var added = [UInt8](repeating: 0, count: 20)
        var p = params()
        withUnsafeMutableBytes(of: &p.info_hash) { $0.copyBytes(from: infoHash) }
        p.has_info_hash = 1
        let rc = "/tmp".withCString { path in
            p.save_path = path
            return mtlt_torrent_add(session, &p, &added)
        }
        XCTAssertEqual(rc, MTLT_OK, String(cString: mtlt_error_last()))
        XCTAssertEqual(added, infoHash)

        var status = mtlt_torrent_status()
        status.version = MTLT_TORRENT_STATUS_VERSION
        XCTAssertEqual(mtlt_torrent_get_status(session, infoHash, &status), MTLT_OK)
        XCTAssertEqual(status.state, MTLT_TORRENT_STATE_DOWNLOADING_METADATA)
        XCTAssertEqual(String(cString: status.save_path), "/tmp")
        XCTAssertEqual(String(cString: status.error), "")
        XCTAssertEqual(status.has_metadata, 0)

        XCTAssertEqual(mtlt_session_post_torrent_updates(session), MTLT_OK)
        var seen: [Int32: mtlt_alert] = [:]
        try collect(session, wake, into: &seen, until: [MTLT_ALERT_TORRENT_ADDED, MTLT_ALERT_TORRENT_PROGRESS])
        for kind in [MTLT_ALERT_TORRENT_ADDED, MTLT_ALERT_TORRENT_PROGRESS] {
            let alert = try XCTUnwrap(seen[kind])
            XCTAssertEqual(withUnsafeBytes(of: alert.info_hash) { Array($0) }, infoHash, "kind \(kind)")
        }
        XCTAssertEqual(seen[MTLT_ALERT_TORRENT_ADDED]?.error_code, 0)
        XCTAssertEqual(String(cString: try XCTUnwrap(seen[MTLT_ALERT_TORRENT_ADDED]).lt_name), "add_torrent")
        XCTAssertEqual(seen[MTLT_ALERT_TORRENT_PROGRESS]?.torrent_state, MTLT_TORRENT_STATE_DOWNLOADING_METADATA)
        XCTAssertEqual(seen[MTLT_ALERT_TORRENT_PROGRESS]?.total_wanted, 0)

        XCTAssertEqual(mtlt_torrent_remove(session, infoHash, 1), MTLT_OK)
        try collect(
            session, wake, into: &seen, until: [MTLT_ALERT_TORRENT_REMOVED, MTLT_ALERT_TORRENT_FILES_DELETED])
        XCTAssertEqual(seen[MTLT_ALERT_TORRENT_FILES_DELETED]?.error_code, 0)
        XCTAssertEqual(
            withUnsafeBytes(of: try XCTUnwrap(seen[MTLT_ALERT_TORRENT_REMOVED]).info_hash) { Array($0) }, infoHash)
    }

    /// Pops (woken by the hook, at most 10 s) until every kind in `kinds` was seen; keeps the last of each kind.
    private func collect(
        _ session: OpaquePointer, _ wake: DispatchSemaphore, into seen: inout [Int32: mtlt_alert], until kinds: Set<Int32>
    ) throws {
        let deadline = Date().addingTimeInterval(10)
        while !kinds.isSubset(of: Set(seen.keys)), Date() < deadline {
            _ = wake.wait(timeout: .now() + 1)
            var alerts: UnsafePointer<mtlt_alert>? = nil
            var count = 0
            XCTAssertEqual(mtlt_session_pop_alerts(session, &alerts, &count), MTLT_OK)
            for alert in UnsafeBufferPointer(start: alerts, count: count) {
                seen[alert.kind] = alert  // its pointers are not used after the next pop
            }
        }
        XCTAssertTrue(kinds.isSubset(of: Set(seen.keys)), "alerts seen: \(seen.keys.sorted())")
    }
}
