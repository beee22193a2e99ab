/// A fast, unkeyed 64-bit hash of a key's UTF-8 bytes, used only to find duplicate keys.
/// Crafted collisions cannot cause quadratic work: see ``DuplicateKeys``.
enum KeyHash {
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        guard let p = bytes.baseAddress else { return mix(h) }
        var i = 0
        while i &+ 8 <= n {
            h = (h ^ ByteScan.load(p + i)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h &>> 32
            i &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p[i]) &<< shift
            shift &+= 8
            i &+= 1
        }
        return mix(h ^ tail)
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h &>> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h &>> 29
        return h
    }
}
