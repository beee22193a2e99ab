/// Orders object keys.
///
/// RFC 8785 sorts keys by their UTF-16 code units. On UTF-8 bytes that order is the byte order
/// except that the lead bytes 0xEE and 0xEF (U+E000...U+FFFF) must sort after 0xF0...0xF4
/// (U+10000 and up, whose UTF-16 form starts with a surrogate 0xD800...0xDBFF). The first
/// differing byte of two valid UTF-8 strings is either a lead byte in both or a continuation
/// byte in both, so remapping 0xEE/0xEF to 0xFE/0xFF (bytes that never occur in UTF-8) and
/// comparing bytes gives exactly the UTF-16 order.
enum KeyOrder {
    /// The byte with 0xEE and 0xEF moved above every other UTF-8 byte.
    @inline(__always)
    static func utf16Rank(_ byte: UInt8) -> UInt8 {
        byte & 0xFE == 0xEE ? byte | 0x10 : byte
    }

    /// The first 8 bytes of a key, ranked and big-endian, zero-padded: a cheap first comparison.
    /// Equal prefixes need ``compareUTF16(_:_:)``.
    @inline(__always)
    static func prefix(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var key: UInt64 = 0
        for i in 0..<8 {
            key &<<= 8
            if i < bytes.count { key |= UInt64(utf16Rank(bytes[i])) }
        }
        return key
    }

    /// Compares two keys' UTF-8 bytes in UTF-16 code unit order: negative, zero or positive.
    static func compareUTF16(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(a.count, b.count)
        var i = 0
        while i < n {
            let x = a[i], y = b[i]
            if x != y { return utf16Rank(x) < utf16Rank(y) ? -1 : 1 }
            i &+= 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Compares plain bytes: negative, zero or positive.
    static func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(a.count, b.count)
        var i = 0
        while i < n {
            let x = a[i], y = b[i]
            if x != y { return x < y ? -1 : 1 }
            i &+= 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}
