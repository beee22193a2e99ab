#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A 12-byte TAI64N timestamp (as WireGuard sends in its initiation): 8 bytes big-endian
/// `2^62 + 10 + seconds since 1970`, then 4 bytes big-endian nanoseconds. Compared as bytes,
/// later timestamps are greater.
public struct TAI64NTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Encoded length.
    public static let length = 12
    /// TAI64's label for 1970-01-01 00:00:10 TAI (WireGuard's base, leap seconds ignored).
    static let base: UInt64 = 0x4000_0000_0000_000a
    /// Nanoseconds are rounded down to a multiple of 2^24 ns (about 16.8 ms), as WireGuard does, so
    /// that the initiation does not reveal the sender's clock precisely.
    static let whitenerMask: UInt32 = (1 << 24) - 1

    /// Seconds since 1970 (Unix time).
    public let seconds: UInt64
    /// Nanoseconds within the second.
    public let nanoseconds: UInt32

    /// A timestamp from Unix time.
    public init(seconds: UInt64, nanoseconds: UInt32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The current wall-clock time, nanoseconds whitened.
    public static func now() -> TAI64NTimestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return TAI64NTimestamp(seconds: UInt64(max(0, time.tv_sec)), nanoseconds: UInt32(time.tv_nsec) & ~whitenerMask)
    }

    /// The last timestamp `nextForInitiation()` handed out in this process.
    private static let lastIssued = Mutex(TAI64NTimestamp(seconds: 0, nanoseconds: 0))

    /// The current time for a new initiation, strictly later than any this process issued before:
    /// two handshakes started within one whitening step (16.8 ms) would otherwise carry the same
    /// timestamp, and the responder would refuse the second as a replay.
    public static func nextForInitiation() -> TAI64NTimestamp {
        let now = now()
        return lastIssued.withLock { last in
            if now > last {
                last = now
            } else {
                let step = UInt64(whitenerMask) + 1
                let nanoseconds = UInt64(last.nanoseconds) + step
                last = nanoseconds >= 1_000_000_000
                    ? TAI64NTimestamp(seconds: last.seconds + 1, nanoseconds: 0)
                    : TAI64NTimestamp(seconds: last.seconds, nanoseconds: UInt32(nanoseconds))
            }
            return last
        }
    }

    /// Decodes 12 bytes; nil for another length or nanoseconds over 999,999,999.
    public init?(bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count == Self.length else { return nil }
        let label = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let nanoseconds = bytes[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard label >= Self.base, nanoseconds < 1_000_000_000 else { return nil }
        self.init(seconds: label - Self.base, nanoseconds: nanoseconds)
    }

    /// The 12-byte encoding.
    public var bytes: [UInt8] {
        let label = Self.base &+ seconds
        return (0..<8).map { UInt8(truncatingIfNeeded: label >> (56 - 8 * UInt64($0))) }
            + (0..<4).map { UInt8(truncatingIfNeeded: nanoseconds >> (24 - 8 * UInt32($0))) }
    }

    /// Earlier timestamps compare less.
    public static func < (a: TAI64NTimestamp, b: TAI64NTimestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// `seconds.nanoseconds`.
    public var description: String { "\(seconds).\(nanoseconds)" }
}
