import MegatorrentCrypto
import MegatorrentSecureTransport
import MegatorrentWire
import NIOCore
import Synchronization

/// One connected peer: its socket, what it said in HELLO and FOLLOW, its score, and what was already sent to it.
final class PeerLink: Sendable {
    let socket: SecureSocket
    /// The peer's static key in hex: its identity for bans, events and the engine's `peer` source.
    let id: String

    struct State {
        var hello: WireMessage.Hello?
        var followed: Set<ChannelKey> = []
        var score: PeerScore
        /// The highest sequence of each channel this peer is known to hold (sent to it, or pushed by it).
        var holds: [ChannelKey: UInt64] = [:]
    }

    let state: Mutex<State>

    init(socket: SecureSocket) {
        self.socket = socket
        id = Hex.encode(socket.remoteStatic)
        state = Mutex(State(score: PeerScore(now: .now)))
    }

    /// Whether the peer wants `channel`'s manifests: it follows the channel or is a relay, and does not hold
    /// `sequence` or a later one yet. Marks it as holding `sequence` when it does want it.
    func wants(_ channel: ChannelKey, sequence: UInt64) -> Bool {
        state.withLock { state in
            guard let hello = state.hello, hello.isRelay || state.followed.contains(channel) else { return false }
            if let held = state.holds[channel], held >= sequence { return false }
            state.holds[channel] = sequence
            return true
        }
    }

    /// Records that the peer holds `sequence` of `channel` (it pushed it).
    func noteHolds(_ channel: ChannelKey, sequence: UInt64) {
        state.withLock { state in
            if (state.holds[channel] ?? 0) < sequence { state.holds[channel] = sequence }
        }
    }

    /// Sends one wire message; errors end the connection, which the reader notices.
    func send(_ message: WireMessage) async {
        guard let bytes = try? WireCodec.encode(message) else { return }
        await send(encoded: bytes)
    }

    /// Sends one wire message already encoded; errors end the connection, which the reader notices.
    func send(encoded bytes: [UInt8]) async {
        try? await socket.send(bytes)
    }

    /// Where the peer accepts connections (its address and the port of its HELLO), when it said.
    var record: PeerRecord? {
        guard let port = state.withLock({ $0.hello?.listenPort }), port != 0,
            let address = socket.remoteAddress?.rawBytes
        else { return nil }
        return PeerRecord(address: address, port: port, staticKey: socket.remoteStatic)
    }
}

extension SocketAddress {
    /// The IP address's bytes in network order (4 or 16), nil for a Unix socket.
    var rawBytes: [UInt8]? {
        switch self {
        case let .v4(address):
            return withUnsafeBytes(of: address.address.sin_addr) { Array($0) }
        case let .v6(address):
            return withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }
}
