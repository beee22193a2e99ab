import MegatorrentGossip
import MegatorrentManifest
import MegatorrentTracker
import MegatorrentWire

/// A tracker as a gossip backend (`serve --peer-listen`): a pushed manifest is published to the tracker under its
/// rules (verified, newer than the held one, rate-limited, committed, broadcast to WebSocket subscribers). The tracker
/// follows no channel itself: its gossip node is a relay, which wants every manifest.
public struct TrackerGossipBackend: GossipBackend {
    /// The tracker.
    public let server: TrackerServer

    /// A backend over `server`.
    public init(server: TrackerServer) { self.server = server }

    public func offer(_ manifest: [UInt8], from peer: String) async -> GossipVerdict {
        do {
            try await server.publish(manifest)
            return .accepted
        } catch let failure as TrackerFailure {
            switch failure.code {
            case TrackerFailureCode.staleSequence: return .stale
            case 1..<TrackerFailureCode.staleSequence: return .invalid
            default: return .known  // busy or rate-limited: not the peer's fault
            }
        } catch {
            return .known
        }
    }

    public func latest(_ channel: ChannelKey) async -> [UInt8]? {
        await server.latest(channel.hex)?.jsonBytes
    }

    public func followed() async -> [ChannelKey] { [] }
}

extension GossipNode {
    /// Pushes every manifest `server` commits from now on to the peers that want it.
    public func relayStored(by server: TrackerServer) {
        server.onStored { [weak self] manifest in
            Task { await self?.announce(manifest) }
        }
    }
}
