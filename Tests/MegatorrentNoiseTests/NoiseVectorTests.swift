import Foundation
import XCTest
import MegatorrentCrypto
@_spi(NoiseTesting) @testable import MegatorrentNoise

/// Loads Tests/Vectors/noise.json (a copy of shared/testvectors/noise.json).
func noiseVectors() throws -> [[String: Any]] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors").appendingPathComponent("noise.json")
    let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    return root["vectors"] as! [[String: Any]]
}

func hex(_ value: Any?) -> [UInt8]? {
    (value as? String).map { Hex.decode($0)! }
}

func privateKey(_ value: Any?) throws -> X25519.PrivateKey? {
    try hex(value).map { try X25519.PrivateKey(rawRepresentation: SecureBytes(copying: $0)) }
}

final class NoiseVectorTests: XCTestCase {
    /// Every vector: each handshake message and each transport message (alternating initiator and
    /// responder, handshake first) encrypts to the given ciphertext and decrypts back, and the
    /// handshake hash matches when given.
    func testEveryVector() throws {
        let vectors = try noiseVectors()
        XCTAssertEqual(vectors.count, 15)
        var checkedMessages = 0, checkedHashes = 0
        for vector in vectors {
            let name = vector["protocol_name"] as! String
            let context = "\(name) from \(vector["source"] as! String)"
            let protocolName = try NoiseProtocolName(parsing: name)
            let initiator = try HandshakeState(
                protocolName: protocolName, role: .initiator, prologue: hex(vector["init_prologue"]) ?? [],
                localStatic: privateKey(vector["init_static"]), remoteStatic: hex(vector["init_remote_static"]),
                localEphemeral: privateKey(vector["init_ephemeral"]))
            let responder = try HandshakeState(
                protocolName: protocolName, role: .responder, prologue: hex(vector["resp_prologue"]) ?? [],
                localStatic: privateKey(vector["resp_static"]), remoteStatic: hex(vector["resp_remote_static"]),
                localEphemeral: privateKey(vector["resp_ephemeral"]))
            var transport: (initiator: (send: CipherState, receive: CipherState), responder: (send: CipherState, receive: CipherState))?
            for (index, message) in (vector["messages"] as! [[String: Any]]).enumerated() {
                let payload = hex(message["payload"])!, expected = hex(message["ciphertext"])!
                let initiatorSends = index % 2 == 0
                let ciphertext: [UInt8], decrypted: [UInt8]
                if let transport {
                    let (sender, receiver) = initiatorSends ? (transport.initiator.send, transport.responder.receive) : (transport.responder.send, transport.initiator.receive)
                    ciphertext = try sender.encrypt(associatedData: [], plaintext: payload)
                    decrypted = try receiver.decrypt(associatedData: [], ciphertext: ciphertext)
                } else {
                    let (writer, reader) = initiatorSends ? (initiator, responder) : (responder, initiator)
                    ciphertext = try writer.writeMessage(payload: payload)
                    decrypted = try reader.readMessage(ciphertext)
                    if initiator.isComplete {
                        XCTAssertTrue(responder.isComplete, context)
                        XCTAssertEqual(initiator.handshakeHash, responder.handshakeHash, context)
                        if let hash = hex(vector["handshake_hash"]) {
                            XCTAssertEqual(initiator.handshakeHash, hash, context)
                            checkedHashes += 1
                        }
                        transport = (try initiator.transportCiphers(), try responder.transportCiphers())
                    }
                }
                XCTAssertEqual(ciphertext, expected, "\(context) message \(index)")
                XCTAssertEqual(decrypted, payload, "\(context) message \(index)")
                checkedMessages += 1
            }
            XCTAssertNotNil(transport, "\(context): handshake did not finish")
        }
        XCTAssertEqual(checkedHashes, 10)
        print("noise vectors: \(vectors.count) vectors, \(checkedMessages) messages, \(checkedHashes) handshake hashes")
    }

    func testProtocolNames() throws {
        XCTAssertEqual(try NoiseProtocolName(parsing: "Noise_IK_25519_ChaChaPoly_BLAKE2s").description, "Noise_IK_25519_ChaChaPoly_BLAKE2s")
        for bad in ["Noise_IK_448_ChaChaPoly_BLAKE2s", "Noise_KK_25519_ChaChaPoly_SHA256", "Noise_IK_25519_AESGCM_SHA256", "Noise_IK_25519_ChaChaPoly_BLAKE2s_x", ""] {
            XCTAssertThrowsError(try NoiseProtocolName(parsing: bad)) { XCTAssertEqual($0 as? NoiseError, .unsupportedProtocol(bad)) }
        }
    }
}
