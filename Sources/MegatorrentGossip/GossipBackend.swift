import MegatorrentWire

/// What a gossip node asks of the node it serves: the subscription engine for a subscriber, the tracker's store for
/// `serve`. Gossip never judges a manifest itself.
public protocol GossipBackend: Sendable {
    /// Judges manifest bytes a peer pushed (`peer`: the first 16 hex digits of its static key, for events and logs).
    func offer(_ manifest: [UInt8], from peer: String) async -> GossipVerdict
    /// The newest manifest held for `channel`, to push to a peer that follows it.
    func latest(_ channel: ChannelKey) async -> [UInt8]?
    /// The channels this node follows (its FOLLOW).
    func followed() async -> [ChannelKey]
}

/// What the backend made of a pushed manifest; it decides the sender's penalty.
public enum GossipVerdict: Sendable, Equatable {
    /// Newer than anything held: accepted (the backend's owner then announces it to other peers).
    case accepted
    /// The manifest already held.
    case known
    /// Not above the last accepted sequence: a replay or rollback.
    case stale
    /// Refused by validation or signature verification: a forgery or garbage.
    case invalid
    /// A channel this node does not follow.
    case ignored
}
