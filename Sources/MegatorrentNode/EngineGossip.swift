import MegatorrentEngine
import MegatorrentGossip
import MegatorrentManifest
import MegatorrentWire

/// The subscription engine as a gossip backend: pushed manifests are judged by the engine like any other source.
public struct EngineGossipBackend: GossipBackend {
    /// The engine.
    public let engine: SubscriptionEngine

    /// A backend over `engine`.
    public init(engine: SubscriptionEngine) { self.engine = engine }

    public func offer(_ manifest: [UInt8], from peer: String) async -> GossipVerdict {
        switch try? await engine.offer(manifest, from: .peer(peer)) {
        case .updated: .accepted
        case .duplicate, nil: .known
        // The author equivocated, not the peer: the evidence is kept and the peer is not penalised.
        case .equivocation: .known
        case .stale: .stale
        case .invalid: .invalid
        case .notFollowed: .ignored
        }
    }

    public func latest(_ channel: ChannelKey) async -> [UInt8]? {
        guard let key = try? ChannelAddress.parse(channel.hex) else { return nil }
        return try? await engine.latest(key)?.jsonBytes
    }

    public func followed() async -> [ChannelKey] {
        ((try? await engine.followed()) ?? []).compactMap { hex in
            (try? ChannelAddress.parse(hex)).flatMap { ChannelKey($0.bytes) }
        }
    }
}

extension GossipNode {
    /// Pushes every manifest `engine` accepts from now on (from any source) to the peers that want it; the task ends
    /// when cancelled.
    public func relayUpdates(of engine: SubscriptionEngine) async -> Task<Void, Never> {
        let events = await engine.events()
        return Task { [weak self] in
            for await event in events {
                guard case let .updated(manifest, _, _) = event else { continue }
                await self?.announce(manifest)
            }
        }
    }
}
