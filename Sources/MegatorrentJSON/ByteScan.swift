/// Word-at-a-time (SWAR) byte classification, used to skip plain string content 8 bytes at a
/// time. Each mask has bit 7 of a byte set for the first byte of interest; bits above the first
/// one may be spurious, so only the lowest set bit is meaningful.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Loads 8 bytes at `p` in little-endian order (byte 0 in the low bits) on any platform.
    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// Marks bytes equal to zero (exact for the lowest marked byte).
    @inline(__always)
    private static func zeroBytes(_ w: UInt64) -> UInt64 {
        (w &- ones) & ~w & highs
    }

    /// Marks bytes that are `"`, `\`, or below 0x20.
    @inline(__always)
    static func escapeMask(_ w: UInt64) -> UInt64 {
        let quote = zeroBytes(w ^ (ones &* 0x22))
        let backslash = zeroBytes(w ^ (ones &* 0x5C))
        let control = (w &- ones &* 0x20) & ~w & highs
        return quote | backslash | control
    }

    /// Marks bytes that are `"`, `\`, below 0x20, or 0x80 and above (non-ASCII).
    @inline(__always)
    static func stringSpecialMask(_ w: UInt64) -> UInt64 {
        escapeMask(w) | (w & highs)
    }

    /// Index (0...7) of the first marked byte in a non-zero mask.
    @inline(__always)
    static func firstIndex(_ mask: UInt64) -> Int {
        mask.trailingZeroBitCount &>> 3
    }

    /// The offset of the first byte at or after `start` that is `"`, `\`, a control character
    /// or non-ASCII, or a position less than 8 bytes before `end` from which the caller goes on
    /// byte by byte.
    @inline(__always)
    static func skipPlainString(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> Int {
        skip(base, from: start, end: end, stringSpecialMask)
    }

    /// Like ``skipPlainString(_:from:end:)`` but stops only at bytes that RFC 8785 escapes.
    @inline(__always)
    static func skipUnescaped(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> Int {
        skip(base, from: start, end: end, escapeMask)
    }

    @inline(__always)
    private static func skip(
        _ base: UnsafePointer<UInt8>, from start: Int, end: Int, _ mask: (UInt64) -> UInt64
    ) -> Int {
        var i = start
        while i &+ 16 <= end {
            let a = mask(load(base + i))
            let b = mask(load(base + (i &+ 8)))
            if a | b != 0 {
                return a != 0 ? i &+ firstIndex(a) : i &+ 8 &+ firstIndex(b)
            }
            i &+= 16
        }
        if i &+ 8 <= end {
            let a = mask(load(base + i))
            if a != 0 { return i &+ firstIndex(a) }
            i &+= 8
        }
        return i
    }
}
