import NIOConcurrencyHelpers
import NIOCore

/// One token bucket: starts full, refills continuously at the limit's rate.
struct TokenBucket: Sendable {
    private(set) var tokens: Double
    private(set) var updated: NIODeadline

    init(limit: RateLimit, now: NIODeadline) {
        tokens = limit.burst
        updated = now
    }

    /// Refills for the time passed since the last call, then takes a token if there is one.
    mutating func take(limit: RateLimit, now: NIODeadline) -> Bool {
        refill(limit: limit, now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether the bucket would be full at `now` (then it carries no information and can go).
    func isFull(limit: RateLimit, now: NIODeadline) -> Bool {
        var copy = self
        copy.refill(limit: limit, now: now)
        return copy.tokens >= limit.burst
    }

    private mutating func refill(limit: RateLimit, now: NIODeadline) {
        guard now > updated else { return }
        let minutes = Double((now - updated).nanoseconds) / 60e9
        tokens = min(limit.burst, tokens + minutes * limit.perMinute)
        updated = now
    }
}

/// Token buckets by name (a channel key, a source address), shared across event loops.
final class RateLimiter: Sendable {
    let limit: RateLimit
    private let buckets = NIOLockedValueBox<[String: TokenBucket]>([:])
    /// Past this many buckets, full ones are dropped (a full bucket equals a missing one): memory
    /// stays bounded whatever the number of names.
    private let pruneThreshold: Int

    init(limit: RateLimit, pruneThreshold: Int = 50_000) {
        self.limit = limit
        self.pruneThreshold = pruneThreshold
    }

    /// Takes a token from `name`'s bucket; false when it is empty.
    func take(_ name: String, now: NIODeadline) -> Bool {
        let limit = self.limit
        let pruneThreshold = self.pruneThreshold
        return buckets.withLockedValue { buckets in
            if buckets.count >= pruneThreshold {
                // Amortized O(1): after a prune at least half the threshold is free again, else
                // (a flood of distinct names) everyone starts over with a full bucket.
                buckets = buckets.filter { !$0.value.isFull(limit: limit, now: now) }
                if buckets.count >= pruneThreshold / 2 { buckets.removeAll() }
            }
            var bucket = buckets[name] ?? TokenBucket(limit: limit, now: now)
            let taken = bucket.take(limit: limit, now: now)
            buckets[name] = bucket
            return taken
        }
    }
}
