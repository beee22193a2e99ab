import MegatorrentProxy
import NIOCore

/// Settings of a ``TrackerClient``.
public struct TrackerClientConfiguration: Sendable {
    /// How long a TCP connect and WebSocket upgrade may take.
    public var connectTimeout: TimeAmount = .seconds(10)
    /// How long a publish may wait for a connection and then for the tracker's reply.
    public var requestTimeout: TimeAmount = .seconds(30)
    /// A ping is sent after this long without sending anything (the server closes sockets idle
    /// for 300 s).
    public var pingInterval: TimeAmount = .seconds(60)
    /// The connection is dropped and made again after this long without any frame from the
    /// tracker (pongs included).
    public var deadAfter: TimeAmount = .seconds(150)
    /// Delays between reconnection attempts.
    public var backoff = Backoff()
    /// Largest message accepted from the tracker.
    public var maxFrameSize = TrackerCodec.maxMessageBytes
    /// Manifests buffered per subscription stream when its reader is slow; the newest are kept.
    public var streamBufferSize = 16
    /// For `wss://` trackers: a PEM file of CA certificates trusted besides the system trust store
    /// (a private tracker's CA, or a test's). The tracker's certificate is always verified, and
    /// must name the URL's host.
    public var trustRootsFile: String?
    /// A SOCKS5 proxy for the connection to the tracker (nil: connect directly). The tracker's host
    /// name is then resolved by the proxy, never here, and the WebSocket upgrade runs over the tunnel.
    public var proxy: ProxyConfiguration? = nil

    /// The defaults.
    public init() {}
}

/// Exponential backoff with jitter, bounded: attempt n waits a random time between
/// `(1 - jitter)` and 1 times `min(maximum, initial * multiplier^n)`.
public struct Backoff: Sendable, Equatable {
    /// The first delay.
    public var initial: TimeAmount = .milliseconds(250)
    /// The longest delay.
    public var maximum: TimeAmount = .seconds(60)
    /// Growth per attempt.
    public var multiplier: Double = 2
    /// The random share taken off each delay, 0…1.
    public var jitter: Double = 0.5

    /// The defaults.
    public init() {}

    /// A backoff with these bounds.
    public init(initial: TimeAmount, maximum: TimeAmount, multiplier: Double = 2, jitter: Double = 0.5) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The delay before attempt `attempt` (0 for the first retry).
    public func delay<R: RandomNumberGenerator>(attempt: Int, using random: inout R) -> TimeAmount {
        let ceiling = Double(maximum.nanoseconds)
        let grown = Double(initial.nanoseconds) * power(multiplier, min(max(attempt, 0), 64))
        let base = min(ceiling, grown.isFinite ? grown : ceiling)
        let share = min(max(jitter, 0), 1)
        let factor = 1 - share * Double.random(in: 0...1, using: &random)
        return .nanoseconds(Int64(base * factor))
    }

    /// The delay before attempt `attempt`, with the system's random numbers.
    public func delay(attempt: Int) -> TimeAmount {
        var random = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &random)
    }
}

/// `base` to a small non-negative integer power.
private func power(_ base: Double, _ exponent: Int) -> Double {
    var result = 1.0
    for _ in 0..<exponent { result *= base }
    return result
}
