import MegatorrentBencode
import MegatorrentBlobs
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
    /// I2P SAM v3.1 bridge lines (docs/anonymity.md): each line through the reply parser, then the client state
    /// machine (the first byte picks the request and where the input is cut), whole, in two and byte by byte.
    /// Nothing traps, and a finished exchange hands back exactly the bytes after its last line.
    case sam
    /// The blob file descriptor parser (docs/blobs.md): the input, zero-padded to one chunk, is parsed; an accepted
    /// descriptor re-encodes to exactly those bytes (one encoding per descriptor).
    case blobDescriptor = "blob-descriptor"
    /// The blob link parser: an accepted link's canonical form parses to the same descriptor id and key.
    case blobLink = "blob-link"
    /// The HTTP tracker's announce reply parser (docs/tracker.md, "Peer records"): nothing traps, at most 200 peers,
    /// every peer has a port and a static key of 32 bytes or none, and the parse does not depend on the peer limit
    /// beyond the cut.
    case announceReply = "announce-reply"

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
        case .sam:
            SAMFuzz.run(Array(data))
        case .blobDescriptor:
            guard data.count <= BlobFormat.chunkSize else { return }
            let input = Array(data) + [UInt8](repeating: 0, count: BlobFormat.chunkSize - data.count)
            guard let descriptor = try? FileDescriptor.parse(input) else { return }
            precondition(descriptor.encoded() == input, "one encoding per descriptor")
        case .blobLink:
            let text = String(decoding: data, as: UTF8.self)
            guard let link = try? BlobLink.parse(text) else { return }
            let again = try? BlobLink.parse(link.uri)
            precondition(again?.descriptor == link.descriptor && again?.key.constantTimeEquals(link.key) == true, "link round trip")
        case .announceReply:
            let bytes = Array(data)
            guard let reply = try? AnnounceResponse.parse(bytes) else { return }
            precondition(reply.peers.count <= 200 && reply.peers.allSatisfy { $0.port != 0 && ($0.staticKey?.count ?? 32) == 32 }, "peers checked")
            let few = try? AnnounceResponse.parse(bytes, maxPeers: 3)
            precondition(few?.peers == Array(reply.peers.prefix(3)) && few?.interval == reply.interval, "the limit only cuts")
        }
    }
}
