import XCTest
@testable import MegatorrentProxy

/// The pure SOCKS5 client: every step, every reply code, every malformed answer, bytes split anywhere.
final class SOCKS5StateMachineTests: XCTestCase {
    private let target = SOCKS5Target(host: "tracker.example.org", port: 8080)
    private let credentials = SOCKS5Credentials(username: "alice", password: "s3cret")

    private func connectRequest(_ target: SOCKS5Target) -> [UInt8] {
        [5, 1, 0] + (target.address.encoded ?? []) + [UInt8(target.port >> 8), UInt8(target.port & 0xFF)]
    }

    /// No authentication: greeting, method X'00', CONNECT with the name as DOMAINNAME (resolved by the
    /// proxy), a reply with a bound IPv4 address, and the target's first bytes passed on as leftover.
    func testNoAuthenticationFlowSendsTheNameAndKeepsLeftover() throws {
        var machine = try SOCKS5ClientStateMachine(target: target, credentials: nil)
        XCTAssertEqual(machine.start(), [5, 1, 0])
        let name = Array("tracker.example.org".utf8)
        XCTAssertEqual(machine.receive([5, 0]), .send([5, 1, 0, 3, UInt8(name.count)] + name + [0x1F, 0x90]))
        XCTAssertEqual(machine.receive([5, 0, 0, 1, 10, 0, 0, 1]), .needMoreData)
        XCTAssertEqual(
            machine.receive([0x04, 0x38, 0xAA, 0xBB]),
            .established(bound: .ipv4([10, 0, 0, 1]), boundPort: 1080, leftover: [0xAA, 0xBB]))
        XCTAssertTrue(machine.isEstablished)
    }

    /// Username/password: only method X'02' is offered (so a proxy cannot skip the credentials), the
    /// RFC 1929 request carries them, and status 0 leads to the CONNECT.
    func testUsernamePasswordFlow() throws {
        var machine = try SOCKS5ClientStateMachine(target: target, credentials: credentials)
        XCTAssertEqual(machine.start(), [5, 1, 2])
        XCTAssertEqual(machine.receive([5, 2]), .send([1, 5] + Array("alice".utf8) + [6] + Array("s3cret".utf8)))
        XCTAssertEqual(machine.receive([1, 0]), .send(connectRequest(target)))
        let reply: [UInt8] = [5, 0, 0, 4] + [UInt8](repeating: 0, count: 15) + [1, 0, 80]
        XCTAssertEqual(machine.receive(reply), .established(bound: .ipv6([UInt8](repeating: 0, count: 15) + [1]), boundPort: 80, leftover: []))
    }

    /// Every byte delivered alone gives the same outcome as the whole reply at once.
    func testBytesOneAtATime() throws {
        var machine = try SOCKS5ClientStateMachine(target: target, credentials: credentials)
        _ = machine.start()
        XCTAssertEqual(machine.receive([5]), .needMoreData)
        guard case .send = machine.receive([2]) else { return XCTFail("expected the RFC 1929 request") }
        XCTAssertEqual(machine.receive([1]), .needMoreData)
        XCTAssertEqual(machine.receive([0]), .send(connectRequest(target)))
        let reply: [UInt8] = [5, 0, 0, 3, 4] + Array("host".utf8) + [0, 1]
        for byte in reply.dropLast() { XCTAssertEqual(machine.receive([byte]), .needMoreData) }
        XCTAssertEqual(machine.receive([1]), .established(bound: .domain("host"), boundPort: 1, leftover: []))
    }

    /// Each REP code 1…8 (and an unassigned one) fails with that code, the RFC's words and the target;
    /// the refusal is final at its second byte (Tor may close without the rest).
    func testEveryReplyCode() throws {
        let words = [
            1: "general SOCKS server failure", 2: "not allowed by ruleset", 3: "network unreachable", 4: "host unreachable",
            5: "connection refused", 6: "TTL expired", 7: "command not supported", 8: "address type not supported",
            9: "unassigned", 255: "unassigned",
        ]
        for (code, word) in words {
            var machine = try SOCKS5ClientStateMachine(target: target, credentials: nil)
            _ = machine.start()
            _ = machine.receive([5, 0])
            let action = machine.receive([5, UInt8(code)])
            guard case .failed(let error) = action, case .connectFailed(let to, let reply) = error else {
                return XCTFail("code \(code): \(action)")
            }
            XCTAssertEqual(to, "tracker.example.org:8080")
            XCTAssertEqual(reply.byte, UInt8(code))
            XCTAssertTrue(error.description.contains(word), error.description)
            XCTAssertTrue(error.description.contains("(reply \(code))"), error.description)
        }
    }

    /// X'FF' (no acceptable method), a method asked for without credentials, an unknown method.
    func testMethodRefusals() throws {
        var machine = try SOCKS5ClientStateMachine(target: target, credentials: nil)
        _ = machine.start()
        XCTAssertEqual(machine.receive([5, 0xFF]), .failed(.noAcceptableMethod(offered: [.noAuthentication])))
        XCTAssertTrue(SOCKS5Error.noAcceptableMethod(offered: [.noAuthentication]).description.contains("USER:PASS"))

        machine = try SOCKS5ClientStateMachine(target: target, credentials: nil)
        _ = machine.start()
        XCTAssertEqual(machine.receive([5, 2]), .failed(.credentialsRequired))

        machine = try SOCKS5ClientStateMachine(target: target, credentials: credentials)
        _ = machine.start()
        XCTAssertEqual(machine.receive([5, 0]), .failed(.unexpectedMethod(0)))

        machine = try SOCKS5ClientStateMachine(target: target, credentials: nil)
        _ = machine.start()
        XCTAssertEqual(machine.receive([5, 0x80]), .failed(.unexpectedMethod(0x80)))
    }

    /// RFC 1929 status byte non-zero, and a proxy that closes instead (pproxy).
    func testAuthenticationFailures() throws {
        var machine = try SOCKS5ClientStateMachine(target: target, credentials: credentials)
        _ = machine.start()
        _ = machine.receive([5, 2])
        XCTAssertEqual(machine.receive([1, 1]), .failed(.authenticationFailed(status: 1)))

        machine = try SOCKS5ClientStateMachine(target: target, credentials: credentials)
        _ = machine.start()
        _ = machine.receive([5, 2])
        XCTAssertEqual(machine.connectionClosed(), .authenticationFailed(status: nil))
    }

    /// Not SOCKS5: a wrong version anywhere, bytes after a reply, an unknown address type, a proxy
    /// that closes at each stage.
    func testMalformedAndClosed() throws {
        func fresh() throws -> SOCKS5ClientStateMachine {
            var machine = try SOCKS5ClientStateMachine(target: target, credentials: nil)
            _ = machine.start()
            return machine
        }
        var machine = try fresh()
        guard case .failed(.malformedReply) = machine.receive(Array("HTTP/1.1 400".utf8)) else { return XCTFail() }
        machine = try fresh()
        guard case .failed(.malformedReply) = machine.receive([5, 0, 0]) else { return XCTFail() }
        machine = try fresh()
        _ = machine.receive([5, 0])
        guard case .failed(.malformedReply) = machine.receive([5, 0, 0, 9, 0, 0]) else { return XCTFail() }
        machine = try fresh()
        XCTAssertEqual(machine.connectionClosed(), .closedByProxy(stage: "method selection"))
        machine = try fresh()
        _ = machine.receive([5, 0])
        XCTAssertEqual(machine.connectionClosed(), .closedByProxy(stage: "the CONNECT request to tracker.example.org:8080"))
    }

    /// IP literals go as addresses, everything else as a name, never resolved here; names over 255
    /// bytes and empty credentials are refused before anything is sent.
    func testAddressesAndLimits() throws {
        XCTAssertEqual(SOCKS5Address(host: "127.0.0.1"), .ipv4([127, 0, 0, 1]))
        XCTAssertEqual(SOCKS5Address(host: "010.0.0.1"), .domain("010.0.0.1"))
        XCTAssertEqual(SOCKS5Address(host: "256.0.0.1"), .domain("256.0.0.1"))
        XCTAssertEqual(SOCKS5Address(host: "[::1]"), .ipv6([UInt8](repeating: 0, count: 15) + [1]))
        XCTAssertEqual(SOCKS5Address(host: "abcdefghijklmnop.onion"), .domain("abcdefghijklmnop.onion"))
        XCTAssertEqual(SOCKS5Target(host: "::1", port: 80).description, "[0:0:0:0:0:0:0:1]:80")
        XCTAssertThrowsError(try SOCKS5ClientStateMachine(target: SOCKS5Target(host: String(repeating: "a", count: 256), port: 1), credentials: nil))
        XCTAssertThrowsError(try SOCKS5ClientStateMachine(target: SOCKS5Target(host: "", port: 1), credentials: nil))
        XCTAssertThrowsError(try SOCKS5ClientStateMachine(target: target, credentials: SOCKS5Credentials(username: "", password: "x")))
        var machine = try SOCKS5ClientStateMachine(target: SOCKS5Target(host: "127.0.0.1", port: 443), credentials: nil)
        _ = machine.start()
        XCTAssertEqual(machine.receive([5, 0]), .send([5, 1, 0, 1, 127, 0, 0, 1, 1, 187]))
    }

    /// Random credentials differ per stream.
    func testRandomCredentials() {
        let a = SOCKS5Credentials.random(), b = SOCKS5Credentials.random()
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a.username.count, 32)
        XCTAssertEqual(a.password.count, 32)
    }
}
