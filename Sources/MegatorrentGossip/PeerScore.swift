/// A peer's standing: penalties for bad manifests, a bounded rate of pushes. A pure value, so the rules are tested
/// without sockets.
struct PeerScore: Sendable, Equatable {
    private(set) var score = 0
    private var windowStart: ContinuousClock.Instant
    private var pushesInWindow = 0

    init(now: ContinuousClock.Instant) { windowStart = now }

    /// Takes one push at `now`; false when over the per-minute bound (the push is dropped).
    mutating func admitPush(now: ContinuousClock.Instant, perMinute: Int) -> Bool {
        if now - windowStart >= .seconds(60) {
            windowStart = now
            pushesInWindow = 0
        }
        pushesInWindow += 1
        return pushesInWindow <= perMinute
    }

    /// Applies what a push came to; returns true when the peer has fallen to the ban threshold.
    mutating func record(_ verdict: GossipVerdict, _ configuration: GossipConfiguration) -> Bool {
        switch verdict {
        case .invalid: score -= configuration.invalidPenalty
        case .stale: score -= configuration.stalePenalty
        case .ignored: score -= configuration.unwantedPenalty
        case .accepted: score = min(score + 1, 10)
        case .known: break
        }
        return score <= configuration.banThreshold
    }

    /// A dropped push (over the rate).
    mutating func recordDropped(_ configuration: GossipConfiguration) -> Bool {
        record(.ignored, configuration)
    }
}
