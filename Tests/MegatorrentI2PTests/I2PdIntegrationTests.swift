import MegatorrentCrypto
import MegatorrentSecureTransport
import NIOCore
import XCTest
@testable import MegatorrentI2P

/// The SAM client against a real i2pd (one offline router on 127.0.0.1, started and stopped by the test): the
/// grammar and the error paths. Streams that carry data need a network: scripts/i2p-network.sh.
final class I2PdIntegrationTests: XCTestCase {
    func testSAMGrammarAndErrorsAgainstI2pd() async throws {
        let router = try I2PRouter()
        addTeardownBlock { router.stop() }
        var bridge = SAMBridge(host: "127.0.0.1", port: router.samPort)
        bridge.timeout = .seconds(45)

        // HELLO (every exchange) and DEST GENERATE: an Ed25519 destination (certificate type 5, signature type 7).
        let generated = try await bridge.generateDestination()
        XCTAssertEqual(generated.destination.bytes.count, 391)
        XCTAssertEqual(Array(generated.destination.bytes[384..<391]), [5, 0, 4, 0, 7, 0, 0])
        XCTAssertEqual(generated.destination.b32Address.count, 52 + ".b32.i2p".count)
        let other = try await bridge.generateDestination()
        XCTAssertNotEqual(generated.destination, other.destination)

        // NAMING LOOKUP ME: i2pd answers on a connection without a session with its shared local destination.
        let me = try await bridge.lookup("ME")
        XCTAssertGreaterThanOrEqual(me.bytes.count, I2PDestination.fixedLength)

        // STREAM CONNECT on a session id nobody created: INVALID_ID, in words.
        do {
            _ = try await bridge.exchange(.connect(sessionID: "no-such-session", destination: other.destination))
            XCTFail("connect without a session")
        } catch {
            XCTAssertEqual(error, .failed(step: "STREAM CONNECT", result: .invalidID, message: error.failureMessage))
            XCTAssertTrue(error.description.contains("no session has this id"), error.description)
        }

        // SESSION CREATE with a transient destination (zero-hop tunnels: one offline router builds no others).
        let session = try await bridge.createSession(
            destination: .transient, options: [SAMOption(key: "inbound.length", value: "0"), SAMOption(key: "outbound.length", value: "0")])
        XCTAssertTrue(session.isOpen)
        XCTAssertEqual(Array(session.destination.bytes[384..<391]), [5, 0, 4, 0, 7, 0, 0], "SIGNATURE_TYPE=7 honoured")
        XCTAssertTrue(session.b32Address.hasSuffix(".b32.i2p"))

        // The same id again: DUPLICATED_ID.
        do {
            _ = try await bridge.createSession(id: session.id, destination: .transient)
            XCTFail("a second session with the same id")
        } catch {
            XCTAssertEqual(error.failedResult, .duplicatedID, "\(error)")
        }

        // A kept destination: the session's address is the key's.
        let kept = try await bridge.createSession(
            destination: .kept(generated), options: [SAMOption(key: "inbound.length", value: "0"), SAMOption(key: "outbound.length", value: "0")])
        XCTAssertEqual(kept.destination, generated.destination)
        XCTAssertEqual(kept.b32Address, generated.destination.b32Address)
        await kept.close()

        // STREAM CONNECT to a destination nobody publishes: a clear SAM error, no retry asked.
        do {
            _ = try await session.connect(to: .destination(other.destination), retry: .none) { _ in }
            XCTFail("a stream to an unknown destination")
        } catch {
            // i2pd answers CANT_REACH_PEER once its LeaseSet lookup failed; a bridge that keeps looking runs into our time-out.
            switch error {
            case let .failed(step, result, _):
                XCTAssertEqual(step, "STREAM CONNECT")
                XCTAssertNotEqual(result, .ok)
                XCTAssertTrue(error.description.hasPrefix("I2P SAM STREAM CONNECT failed: "), error.description)
            case let .timedOut(step):
                XCTAssertEqual(step, "STREAM CONNECT")
            default:
                XCTFail("\(error)")
            }
        }

        // A secure connection to it: the same error as SecureTransportError.i2pFailed.
        let me25519 = try X25519.PrivateKey.generate()
        do {
            _ = try await SecureSocket.connect(
                over: session, to: .destination(other.destination), localStatic: me25519, remoteStatic: try X25519.PrivateKey.generate().publicKey,
                retry: .none)
            XCTFail("a secure connection to an unknown destination")
        } catch let error as SecureTransportError {
            guard case .i2pFailed = error else { return XCTFail("\(error)") }
        }

        await session.close()
        XCTAssertFalse(session.isOpen)
        router.stop()
        XCTAssertFalse(router.isRunning)
        do {
            _ = try await bridge.generateDestination()
            XCTFail("a stopped bridge answered")
        } catch {
            guard case .bridgeUnreachable = error else { return XCTFail("\(error)") }
        }
    }
}

extension SAMError {
    var failedResult: SAMResult? { if case let .failed(_, result, _) = self { result } else { nil } }
    var failureMessage: String? { if case let .failed(_, _, message) = self { message } else { nil } }
}
