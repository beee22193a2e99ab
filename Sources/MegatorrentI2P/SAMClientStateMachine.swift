/// The client side of one SAM v3.1 connection as a pure state machine: bytes in, actions out.
///
/// `start()` gives `HELLO VERSION MIN=3.1 MAX=3.1`; after `HELLO REPLY RESULT=OK VERSION=3.1` the
/// request's line goes out; its reply finishes the exchange. For `STREAM ACCEPT` the reply is followed
/// by one more line, the connecting peer's destination. Bytes after the last line the machine reads
/// are handed back as `leftover`: for a stream they are the peer's first bytes.
public struct SAMClientStateMachine: Sendable {
    /// What to do next.
    public enum Action: Sendable {
        /// Wait for more bytes.
        case needMoreData
        /// Send these bytes (then wait). May hold a private key: wipe after use.
        case send([UInt8])
        /// Done; the bytes after the last line belong to the stream (or are unsolicited session lines).
        case finished(SAMOutcome, leftover: [UInt8])
        /// Failed; close the connection.
        case failed(SAMError)
    }

    private enum State: Sendable {
        case initial, awaitingHello, awaitingReply, awaitingPeer, finished, failed
    }

    /// The request this connection makes.
    public let request: SAMRequest
    private var state = State.initial
    private var buffer: [UInt8] = []
    /// How much of `buffer` is known to hold no newline (bytes arriving one at a time stay linear).
    private var scanned = 0

    public init(request: SAMRequest) {
        self.request = request
    }

    /// The step in progress, for errors.
    public var stage: String {
        switch state {
        case .initial, .awaitingHello: "HELLO"
        default: request.step
        }
    }

    /// The first line to send.
    public mutating func start() -> [UInt8] {
        state = .awaitingHello
        return Array("HELLO VERSION MIN=3.1 MAX=3.1\n".utf8)
    }

    /// Bytes from the bridge.
    public mutating func receive(_ bytes: some Collection<UInt8>) -> Action {
        switch state {
        case .awaitingHello, .awaitingReply, .awaitingPeer: break
        case .initial: return fail(.malformedReply("bytes before HELLO was sent"))
        case .finished, .failed: return .needMoreData
        }
        buffer += bytes
        var sent: [UInt8] = []
        while let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(buffer[..<newline])
            buffer.removeSubrange(...newline)
            scanned = 0
            switch step(line) {
            case .needMoreData: continue
            case .send(let bytes):
                // A bridge answers a request only after it read it: bytes already here are not a reply to it.
                guard buffer.isEmpty else { return fail(.malformedReply("bytes after HELLO REPLY, before the request was sent")) }
                sent += bytes
            case .finished(let outcome, _):
                state = .finished
                let leftover = buffer
                buffer = []
                scanned = 0
                return .finished(outcome, leftover: leftover)
            case .failed(let error): return fail(error)
            }
        }
        scanned = buffer.count
        guard buffer.count <= SAMReply.maxLineLength else {
            return fail(.malformedReply("no end of line within \(SAMReply.maxLineLength) bytes"))
        }
        return sent.isEmpty ? .needMoreData : .send(sent)
    }

    /// The bridge closed the connection: the error for the step in progress.
    public mutating func connectionClosed() -> SAMError {
        let error = SAMError.closedByBridge(step: stage)
        if case .finished = state { return .sessionClosed }
        state = .failed
        return error
    }

    private mutating func fail(_ error: SAMError) -> Action {
        state = .failed
        buffer = []
        scanned = 0
        return .failed(error)
    }

    private mutating func step(_ line: [UInt8]) -> Action {
        do throws(SAMError) {
            switch state {
            case .awaitingHello:
                let reply = try expect(line, "HELLO", "REPLY", step: "HELLO")
                guard reply["VERSION"] == "3.1" else {
                    throw .malformedReply("the bridge chose SAM version \(reply["VERSION"] ?? "none"); this client speaks 3.1")
                }
                state = .awaitingReply
                return .send(try request.line())
            case .awaitingReply:
                return try reply(line)
            case .awaitingPeer:
                return .finished(.streamAccepted(peer: try Self.peerLine(line)), leftover: [])
            default:
                return .needMoreData
            }
        } catch {
            return .failed(error)
        }
    }

    private mutating func reply(_ line: [UInt8]) throws(SAMError) -> Action {
        switch request {
        case .generateDestination:
            let reply = try SAMReply.parse(line)
            guard reply.topic == "DEST", reply.subtopic == "REPLY" else { throw unexpected(reply, "DEST REPLY") }
            if let result = reply.result, result != .ok { throw .failed(step: request.step, result: result, message: reply["MESSAGE"]) }
            guard let pub = reply["PUB"], let priv = reply["PRIV"] else { throw .malformedReply("DEST REPLY without PUB and PRIV") }
            let key = try Self.privateDestination(priv)
            guard key.destination == (try? I2PDestination(base64: pub)) else { throw .malformedReply("DEST REPLY PUB is not PRIV's public part") }
            state = .finished
            return .finished(.destinationGenerated(key), leftover: [])
        case .createSession:
            let reply = try expect(line, "SESSION", "STATUS", step: request.step)
            guard let destination = reply["DESTINATION"] else { throw .malformedReply("SESSION STATUS without DESTINATION") }
            state = .finished
            return .finished(.sessionCreated(try Self.privateDestination(destination)), leftover: [])
        case .lookup:
            let reply = try expect(line, "NAMING", "REPLY", step: request.step)
            guard let value = reply["VALUE"] else { throw .malformedReply("NAMING REPLY without VALUE") }
            do {
                state = .finished
                return .finished(.lookedUp(try I2PDestination(base64: value)), leftover: [])
            } catch {
                throw .malformedReply("NAMING REPLY VALUE: \(error)")
            }
        case .connect:
            _ = try expect(line, "STREAM", "STATUS", step: request.step)
            state = .finished
            return .finished(.streamConnected, leftover: [])
        case .accept:
            _ = try expect(line, "STREAM", "STATUS", step: request.step)
            state = .awaitingPeer
            return .needMoreData
        }
    }

    /// Parses `line` as `TOPIC SUBTOPIC … RESULT=OK`; another RESULT is that step's failure.
    private func expect(_ line: [UInt8], _ topic: String, _ subtopic: String, step: String) throws(SAMError) -> SAMReply {
        let reply = try SAMReply.parse(line)
        guard reply.topic == topic, reply.subtopic == subtopic else { throw unexpected(reply, "\(topic) \(subtopic)") }
        guard let result = reply.result else { throw .malformedReply("\(topic) \(subtopic) without RESULT") }
        guard result == .ok else { throw .failed(step: step, result: result, message: reply["MESSAGE"]) }
        return reply
    }

    private func unexpected(_ reply: SAMReply, _ expected: String) -> SAMError {
        .malformedReply("expected \(expected) during \(request.step), got \(reply.topic) \(reply.subtopic)")
    }

    /// The line after an accepted stream's `STREAM STATUS RESULT=OK`: the peer's Base64 destination,
    /// then optionally ` FROM_PORT=n TO_PORT=n` (SAM 3.2 bridges).
    static func peerLine(_ line: [UInt8]) throws(SAMError) -> I2PDestination {
        var bytes = line
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        let first = bytes.prefix { $0 != UInt8(ascii: " ") }
        do {
            return try I2PDestination(bytes: I2PBase64.decode(bytes: Array(first)) ?? [])
        } catch {
            throw .malformedReply("the accepted peer's line is not a destination (\(bytes.count) bytes)")
        }
    }

    private static func privateDestination(_ text: String) throws(SAMError) -> I2PPrivateDestination {
        do { return try I2PPrivateDestination(base64: Array(text.utf8)) } catch {
            throw .malformedReply("private destination: \(error)")
        }
    }
}
