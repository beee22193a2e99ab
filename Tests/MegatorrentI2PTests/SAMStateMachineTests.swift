import MegatorrentCrypto
import XCTest
@testable import MegatorrentI2P

final class SAMStateMachineTests: XCTestCase {
    /// Feeds `deliveries` after `start()`; returns the lines sent and the terminal action.
    private func run(_ request: SAMRequest, _ deliveries: [[UInt8]]) -> (sent: [String], final: SAMClientStateMachine.Action?) {
        var machine = SAMClientStateMachine(request: request)
        var sent = [String(decoding: machine.start(), as: UTF8.self)]
        for delivery in deliveries {
            switch machine.receive(delivery) {
            case .needMoreData: continue
            case .send(let bytes): sent.append(String(decoding: bytes, as: UTF8.self))
            case let terminal: return (sent, terminal)
            }
        }
        return (sent, nil)
    }

    /// The bridge's text as it arrives from a real bridge: HELLO REPLY alone (nothing else can come before the
    /// request went out), then the rest in one delivery.
    private func run(_ request: SAMRequest, _ text: String) -> (sent: [String], final: SAMClientStateMachine.Action?) {
        guard text.hasPrefix(hello), text != hello else { return run(request, [Array(text.utf8)]) }
        return run(request, [Array(hello.utf8), Array(text.utf8.dropFirst(hello.utf8.count))])
    }

    /// HELLO REPLY, then every way of cutting the rest in two deliveries, and everything byte by byte: the same outcome.
    private func assertSplitsAgree(_ request: SAMRequest, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let whole = describe(run(request, text))
        let rest = Array(text.utf8.dropFirst(hello.utf8.count))
        for cut in 0...rest.count {
            XCTAssertEqual(
                describe(run(request, [Array(hello.utf8), Array(rest[..<cut]), Array(rest[cut...])])), whole, "cut at \(cut)", file: file,
                line: line)
        }
        XCTAssertEqual(describe(run(request, Array(text.utf8).map { [$0] })), whole, "byte by byte", file: file, line: line)
        let helloBytes = Array(hello.utf8)
        for cut in 0...helloBytes.count {
            XCTAssertEqual(
                describe(run(request, [Array(helloBytes[..<cut]), Array(helloBytes[cut...]), rest])), whole, "HELLO cut at \(cut)",
                file: file, line: line)
        }
    }

    private func describe(_ result: (sent: [String], final: SAMClientStateMachine.Action?)) -> String {
        let final: String
        switch result.final {
        case nil: final = "none"
        case let .finished(outcome, leftover): final = "finished \(outcome) \(leftover)"
        case let .failed(error): final = "failed \(error)"
        default: final = "other"
        }
        return result.sent.joined(separator: "|") + " -> " + final
    }

    private let hello = Fixtures.hello

    func testHelloAsksForExactly31() {
        var machine = SAMClientStateMachine(request: .lookup(name: "ME"))
        XCTAssertEqual(String(decoding: machine.start(), as: UTF8.self), "HELLO VERSION MIN=3.1 MAX=3.1\n")
    }

    func testDestGenerate() throws {
        let (sent, final) = run(.generateDestination, hello + "DEST REPLY PUB=\(Fixtures.publicBase64) PRIV=\(Fixtures.privateBase64)\n")
        XCTAssertEqual(sent.last, "DEST GENERATE SIGNATURE_TYPE=7\n")
        guard case let .finished(.destinationGenerated(key), leftover)? = final else { return XCTFail("\(String(describing: final))") }
        XCTAssertEqual(key.destination.bytes, Fixtures.publicBytes)
        XCTAssertEqual(leftover, [])
        assertSplitsAgree(.generateDestination, hello + "DEST REPLY PUB=\(Fixtures.publicBase64) PRIV=\(Fixtures.privateBase64)\n")
    }

    func testDestGenerateRefusesAPublicPartThatDoesNotMatch() {
        var other = Fixtures.publicBytes
        other[0] ^= 1
        let (_, final) = run(.generateDestination, hello + "DEST REPLY PUB=\(I2PBase64.encode(other)) PRIV=\(Fixtures.privateBase64)\n")
        guard case let .failed(.malformedReply(why))? = final else { return XCTFail() }
        XCTAssertTrue(why.contains("not PRIV's public part"))
    }

    func testSessionCreateTransientAndKept() throws {
        let options = [SAMOption(key: "inbound.length", value: "0"), try SAMOption(parsing: "outbound.length=0")]
        let transient = SAMRequest.createSession(id: "s1", destination: .transient, options: options)
        let (sent, final) = run(transient, hello + "SESSION STATUS RESULT=OK DESTINATION=\(Fixtures.privateBase64)\n")
        XCTAssertEqual(
            sent.last, "SESSION CREATE STYLE=STREAM ID=s1 DESTINATION=TRANSIENT SIGNATURE_TYPE=7 inbound.length=0 outbound.length=0\n")
        guard case let .finished(.sessionCreated(key), _)? = final else { return XCTFail() }
        XCTAssertEqual(key.destination.base32Name, Fixtures.base32Name)

        let kept = SAMRequest.createSession(id: "s2", destination: .kept(key), options: [])
        XCTAssertEqual(run(kept, hello).sent.last, "SESSION CREATE STYLE=STREAM ID=s2 DESTINATION=\(Fixtures.privateBase64)\n")
        assertSplitsAgree(transient, hello + "SESSION STATUS RESULT=OK DESTINATION=\(Fixtures.privateBase64)\n")
    }

    func testNamingLookup() {
        let (sent, final) = run(.lookup(name: "ME"), hello + "NAMING REPLY RESULT=OK NAME=ME VALUE=\(Fixtures.publicBase64)\n")
        XCTAssertEqual(sent.last, "NAMING LOOKUP NAME=ME\n")
        guard case let .finished(.lookedUp(destination), _)? = final else { return XCTFail() }
        XCTAssertEqual(destination.bytes, Fixtures.publicBytes)
        let (_, bad) = run(.lookup(name: "ME"), hello + "NAMING REPLY RESULT=OK NAME=ME VALUE=AAAA\n")
        guard case let .failed(.malformedReply(why))? = bad else { return XCTFail() }
        XCTAssertTrue(why.contains("VALUE"))
    }

    func testStreamConnectHandsOverTheBytesAfterTheStatus() throws {
        let destination = try I2PDestination(bytes: Fixtures.publicBytes)
        let request = SAMRequest.connect(sessionID: "s1", destination: destination)
        let (sent, final) = run(request, hello + "STREAM STATUS RESULT=OK\nnoise\n\u{1}")
        XCTAssertEqual(sent.last, "STREAM CONNECT ID=s1 DESTINATION=\(Fixtures.publicBase64) SILENT=false\n")
        guard case let .finished(.streamConnected, leftover)? = final else { return XCTFail() }
        XCTAssertEqual(leftover, Array("noise\n\u{1}".utf8))
        assertSplitsAgree(request, hello + "STREAM STATUS RESULT=OK\n")
    }

    func testStreamAcceptReadsThePeersDestinationLine() {
        let request = SAMRequest.accept(sessionID: "s1")
        for peerLine in [Fixtures.publicBase64, Fixtures.publicBase64 + " FROM_PORT=0 TO_PORT=0", Fixtures.publicBase64 + "\r"] {
            let (sent, final) = run(request, hello + "STREAM STATUS RESULT=OK\n\(peerLine)\nfirst bytes")
            XCTAssertEqual(sent.last, "STREAM ACCEPT ID=s1 SILENT=false\n")
            guard case let .finished(.streamAccepted(peer), leftover)? = final else { return XCTFail(peerLine) }
            XCTAssertEqual(peer.bytes, Fixtures.publicBytes)
            XCTAssertEqual(leftover, Array("first bytes".utf8))
        }
        assertSplitsAgree(request, hello + "STREAM STATUS RESULT=OK\n\(Fixtures.publicBase64)\n")
        let (_, bad) = run(request, hello + "STREAM STATUS RESULT=OK\nnot a destination\n")
        guard case let .failed(.malformedReply(why))? = bad else { return XCTFail() }
        XCTAssertTrue(why.contains("accepted peer"))
    }

    func testEveryFailureResultIsThatStepsError() throws {
        let destination = try I2PDestination(bytes: Fixtures.publicBytes)
        let cases: [(SAMRequest, String)] = [
            (.generateDestination, "DEST REPLY"), (.createSession(id: "s", destination: .transient, options: []), "SESSION STATUS"),
            (.lookup(name: "x.i2p"), "NAMING REPLY"), (.connect(sessionID: "s", destination: destination), "STREAM STATUS"),
            (.accept(sessionID: "s"), "STREAM STATUS"),
        ]
        let codes: [SAMResult] = [
            .cantReachPeer, .duplicatedDestination, .duplicatedID, .i2pError, .invalidID, .invalidKey, .keyNotFound, .peerNotFound,
            .timeout, .noVersion, .alreadyAccepting, .other("NEW_CODE"),
        ]
        for (request, topic) in cases {
            for code in codes {
                let (_, final) = run(request, hello + "\(topic) RESULT=\(code.rawValue) MESSAGE=\"why not\"\n")
                guard case let .failed(error)? = final else { return XCTFail("\(request.step) \(code)") }
                XCTAssertEqual(error, .failed(step: request.step, result: code, message: "why not"))
                XCTAssertTrue(error.description.contains(code.meaning), error.description)
                XCTAssertTrue(error.description.contains(request.step), error.description)
                XCTAssertEqual(error.isTransient, ([.cantReachPeer, .peerNotFound, .timeout, .keyNotFound] as [SAMResult]).contains(code))
            }
        }
    }

    func testHelloFailures() {
        let request = SAMRequest.lookup(name: "ME")
        guard case let .failed(error)? = run(request, "HELLO REPLY RESULT=NOVERSION\n").final else { return XCTFail() }
        XCTAssertEqual(error, .failed(step: "HELLO", result: .noVersion, message: nil))
        XCTAssertEqual(error.description, "I2P SAM HELLO failed: no SAM version in common (RESULT=NOVERSION)")
        guard case let .failed(.malformedReply(why))? = run(request, "HELLO REPLY RESULT=OK VERSION=3.3\n").final else { return XCTFail() }
        XCTAssertTrue(why.contains("3.3"))
        guard case .failed(.malformedReply)? = run(request, "HELLO REPLY VERSION=3.1\n").final else { return XCTFail("no RESULT") }
        guard case .failed(.malformedReply)? = run(request, "SESSION STATUS RESULT=OK\n").final else { return XCTFail("wrong topic") }
        guard case .failed(.malformedReply)? = run(request, "garbage\n").final else { return XCTFail("garbage") }
    }

    func testWrongTopicForTheStepAndRepliesBeforeTheRequest() {
        guard case let .failed(.malformedReply(why))? = run(.lookup(name: "ME"), hello + "STREAM STATUS RESULT=OK\n").final
        else { return XCTFail() }
        XCTAssertTrue(why.contains("expected NAMING REPLY"), why)
        let early = run(.lookup(name: "ME"), [Array((hello + "NAMING REPLY RESULT=OK\n").utf8)])
        guard case .failed(.malformedReply)? = early.final else { return XCTFail("a reply in the same bytes as HELLO REPLY") }
    }

    func testOverlongLineAndClosedConnection() {
        var machine = SAMClientStateMachine(request: .generateDestination)
        _ = machine.start()
        guard case .failed(.malformedReply)? = Optional(machine.receive([UInt8](repeating: 65, count: SAMReply.maxLineLength + 1)))
        else { return XCTFail() }

        var waiting = SAMClientStateMachine(request: .accept(sessionID: "s"))
        _ = waiting.start()
        _ = waiting.receive(Array(hello.utf8))
        XCTAssertEqual(waiting.connectionClosed(), .closedByBridge(step: "STREAM ACCEPT"))
        var fresh = SAMClientStateMachine(request: .generateDestination)
        _ = fresh.start()
        XCTAssertEqual(fresh.connectionClosed(), .closedByBridge(step: "HELLO"))
    }

    func testRequestsRefuseValuesThatWouldChangeTheLine() {
        let bad: [SAMRequest] = [
            .createSession(id: "two words", destination: .transient, options: []),
            .createSession(id: "", destination: .transient, options: []),
            .createSession(id: "a=b", destination: .transient, options: []),
            .createSession(id: "s", destination: .transient, options: [SAMOption(key: "k", value: "v\nSTREAM")]),
            .createSession(id: "s", destination: .transient, options: [SAMOption(key: "k", value: "\"q\"")]),
            .lookup(name: "a b"), .accept(sessionID: "x\ny"),
        ]
        for request in bad {
            guard case let .failed(.invalidRequest(why))? = run(request, hello).final else { return XCTFail("\(request.step)") }
            XCTAssertFalse(why.isEmpty)
        }
        XCTAssertThrowsError(try SAMOption(parsing: "noequals"))
        XCTAssertThrowsError(try SAMOption(parsing: "=v"))
    }
}
