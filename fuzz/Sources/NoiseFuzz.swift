import MegatorrentCrypto
@_spi(NoiseTesting) import MegatorrentNoise

/// The Noise fuzz targets' pure functions (see `FuzzTarget.noiseHandshake` and `.noiseRecord`).
enum NoiseFuzz {
    /// Fixed keys, made once: fuzzing explores parsing, not key generation.
    static let responderKey = try! X25519.PrivateKey(rawRepresentation: SecureBytes(copying: [UInt8](repeating: 0x11, count: 32)))
    static let initiatorKey = try! X25519.PrivateKey(rawRepresentation: SecureBytes(copying: [UInt8](repeating: 0x22, count: 32)))
    static let ephemeralKey = try! X25519.PrivateKey(rawRepresentation: SecureBytes(copying: [UInt8](repeating: 0x33, count: 32)))
    static let key = SecureBytes(copying: [UInt8](repeating: 0x44, count: 32))

    /// The first byte picks the reader; the rest is the message.
    static func handshake(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let message = Array(input.dropFirst())
        switch selector % 5 {
        case 0:
            // Our profile's responder: length, authentication, timestamp, replay guard.
            let responder = try! ResponderHandshake(localStatic: responderKey, replayGuard: ReplayGuard(capacity: 4))
            if (try? responder.consumeInitiation(message)) != nil {
                precondition(responder.initiatorStatic?.count == 32)
                _ = try? responder.response()
            }
        case 1:
            // Our profile's initiator after a real message 1.
            let initiator = try! InitiatorHandshake(localStatic: initiatorKey, remoteStatic: responderKey.publicKey)
            _ = try! initiator.initiation()
            _ = try? initiator.consumeResponse(message)
        default:
            // Raw patterns' first readers (IK, XX, NN responders), fixed ephemeral for speed.
            let pattern: HandshakePattern = [.IK, .XX, .NN][Int(selector % 5) - 2]
            let hash: NoiseHash = selector & 0x80 == 0 ? .BLAKE2s : .SHA256
            let state = try! HandshakeState(
                protocolName: NoiseProtocolName(pattern: pattern, hash: hash), role: .responder, prologue: [],
                localStatic: pattern == .NN ? nil : responderKey, remoteStatic: nil, localEphemeral: ephemeralKey)
            if let payload = try? state.readMessage(message) {
                precondition(payload.count <= message.count)
                _ = try? state.writeMessage(payload: payload)
            }
            // Whatever happened, a second read out of turn is refused.
            precondition((try? state.readMessage(message)) == nil)
        }
    }

    /// The first byte picks the mode; the rest is a message, cells, or frames.
    static func record(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let data = Array(input.dropFirst())
        let sender = try! CipherState(key: key)
        let layer = RecordLayer(
            send: try! CipherState(key: key), receive: try! CipherState(key: key), handshakeHash: [], maxMessageSize: 20_000, rekeyInterval: 3)
        switch mode % 3 {
        case 0:
            // Round trip: seal as a message, open every frame, get it back.
            let peer = RecordLayer(send: try! CipherState(key: key), receive: try! CipherState(key: key), handshakeHash: [], maxMessageSize: 20_000, rekeyInterval: 3)
            var framed: [UInt8] = []
            guard (try? peer.sealMessage(data, into: &framed)) != nil else {
                precondition(data.count > 20_000)
                return
            }
            precondition(framed.count % RecordLayer.frameLength == 0, "every record has the same length")
            var parser = NoiseFraming.Parser(maxBodyLength: RecordLayer.recordLength)
            parser.append(framed)
            var last: RecordLayer.Event?
            while let record = try! parser.next() { last = try! layer.open(record: record) }
            precondition(last == .message(data), "a sealed message opens to itself")
        case 1:
            // Authenticated cells of arbitrary content: the cell parser must refuse or accept.
            // The sender mirrors the receiver's rekey schedule (every 3 records, and after a
            // rekey cell) so that well-formed cells keep authenticating.
            var offset = 0, sinceRekey = 0
            while offset < data.count {
                var cell = Array(data[offset..<min(offset + RecordLayer.cellSize, data.count)])
                cell += [UInt8](repeating: 0, count: RecordLayer.cellSize - cell.count)
                offset += RecordLayer.cellSize
                let record = try! sender.encrypt(associatedData: [], plaintext: cell)
                guard let event = try? layer.open(record: record) else { return }
                if case let .message(message) = event { precondition(message.count <= 20_000) }
                sinceRekey += 1
                if event == .rekeyed || sinceRekey == 3 {
                    try! sender.rekey()
                    sinceRekey = 0
                }
            }
        default:
            // Arbitrary frames: nothing authenticates, nothing traps.
            var parser = NoiseFraming.Parser(maxBodyLength: RecordLayer.recordLength)
            parser.append(data)
            while let record = try? parser.next() {
                if (try? layer.open(record: record)) == nil { break }
            }
        }
    }
}
