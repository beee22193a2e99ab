import MegatorrentManifest

/// What the engine reports to its listeners (the CLI, the C ABI's callbacks, gossip).
public enum EngineEvent: Sendable, Equatable {
    /// A newer valid manifest of a followed channel was accepted and stored.
    case updated(SignedManifest, previous: UInt64?, source: ManifestSource)
    /// A manifest was refused (invalid, forged); the channel when it could be read.
    case refused(channel: String?, reason: ManifestError, source: ManifestSource)
    /// Two different valid manifests with one key and one sequence: the author equivocated. The
    /// held one stays; both are kept as evidence.
    case equivocation(held: SignedManifest, offered: SignedManifest, source: ManifestSource)
}

/// What became of one offered manifest.
public enum OfferOutcome: Sendable, Equatable {
    /// Accepted: newer than anything held.
    case updated
    /// The manifest already held.
    case duplicate
    /// Not above the last accepted sequence (a replay or rollback).
    case stale(last: UInt64)
    /// A channel this node does not follow: ignored.
    case notFollowed
    /// Refused by validation or signature verification.
    case invalid(ManifestError)
    /// Same sequence, different content: equivocation.
    case equivocation
}
