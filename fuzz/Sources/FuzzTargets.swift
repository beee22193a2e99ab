import MegatorrentBencode
import MegatorrentJSON
import MegatorrentManifest
import MegatorrentProxy
import MegatorrentTracker
import MegatorrentWire

/// The fuzz targets: each takes arbitrary bytes, must never trap, and checks the properties that
/// must hold for any input it accepts.
enum FuzzTarget: String, CaseIterable {
    /// The manifest verifier: parse, validate, canonicalize, verify. An accepted manifest must
    /// re-serialise to bytes that verify to the same manifest.
    case manifest
    /// The JSON parser and RFC 8785 canonicalizer: canonical output is a fixed point.
    case json
    /// The magnet URI validator.
    case magnet
    /// The strict bencode decoder: whatever it accepts re-encodes to the same bytes.
    case bencode
    /// The tracker's WebSocket message codec, both directions: a decoded message re-encodes to
    /// bytes that decode to the same message.
    case tracker
    /// Noise handshake messages read by an IK responder (our profile and the raw pattern), an IK
    /// initiator after a real message 1, and XX/NN readers: anything refused, nothing traps.
    case noiseHandshake = "noise-handshake"
    /// Transport records: a message sealed into cells opens to the same message; arbitrary
    /// authenticated cells (type, length, padding, continuation, rekey, close) and arbitrary
    /// frames are refused or accepted without trapping.
    case noiseRecord = "noise-record"
    /// The peer wire protocol's message codec (docs/wire.md): a decoded message re-encodes to the same bytes (the
    /// layout has one encoding per message), except unknown types, which keep only their type byte.
    case wire
    /// SOCKS5 replies read by the client state machine (docs/anonymity.md): the first byte picks
    /// credentials or none and where the input is cut in two deliveries; the rest is the proxy's
    /// bytes. Nothing traps, an open tunnel hands back exactly the bytes after the reply, and the
    /// outcome does not depend on how the bytes were split.
    case socks5

    func run(_ data: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .manifest:
            guard let manifest = try? ManifestVerifier.verify(UnsafeRawBufferPointer(data)) else { return }
            let again = try? ManifestVerifier.verify(manifest.jsonBytes)
            precondition(again == manifest, "a verified manifest must survive re-serialisation")
        case .json:
            guard let canonical = try? CanonicalJSON.canonicalize(Array(data), options: JSONParseOptions()) else { return }
            let twice = try? CanonicalJSON.canonicalize(canonical, options: JSONParseOptions())
            precondition(twice == canonical, "canonical JSON must be a fixed point")
        case .magnet:
            _ = try? MagnetLink.validate(UnsafeBufferPointer(rebasing: data[...]))
        case .bencode:
            let input = Array(data)
            guard let value = try? Bencode.decode(input) else { return }
            precondition(Bencode.encode(value) == input, "strict bencoding has one encoding per value")
        case .tracker:
            let raw = UnsafeRawBufferPointer(data)
            if let message = try? TrackerCodec.decodeClientMessage(raw) {
                precondition((try? TrackerCodec.decodeClientMessage(TrackerCodec.encode(message))) == message, "client message round trip")
            }
            if let message = try? TrackerCodec.decodeServerMessage(raw) {
                precondition((try? TrackerCodec.decodeServerMessage(TrackerCodec.encode(message))) == message, "server message round trip")
            }
        case .noiseHandshake:
            NoiseFuzz.handshake(Array(data))
        case .noiseRecord:
            NoiseFuzz.record(Array(data))
        case .wire:
            let input = Array(data)
            guard let message = try? WireCodec.decode(input) else { return }
            let encoded = try? WireCodec.encode(message)
            if case .unknown = message {
                precondition(encoded == [input[0]], "an unknown type keeps its type byte")
            } else {
                precondition(encoded == input, "one encoding per wire message")
            }
        case .socks5:
            SOCKS5Fuzz.run(Array(data))
        }
    }
}
