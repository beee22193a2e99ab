/// Byte-level helpers over the UTF-8 form of Swift strings (no Unicode normalization).
enum UTF8Bytes {
    /// Whether two strings have identical UTF-8 bytes.
    @inline(__always)
    static func equal(_ a: String, _ b: String) -> Bool {
        let ua = a.utf8, ub = b.utf8
        guard ua.count == ub.count else { return false }
        return withBytes(a) { pa in
            withBytes(b) { pb in
                equal(pa, pb)
            }
        }
    }

    /// Calls `body` with the contiguous UTF-8 bytes of `s` (copying them only when the string
    /// is not stored contiguously).
    @inline(__always)
    static func withBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        return Array(s.utf8).withUnsafeBufferPointer(body)
    }

    /// Whether two byte buffers hold the same bytes.
    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }
        var i = 0
        while i &+ 8 <= a.count {
            if UnsafeRawPointer(pa + i).loadUnaligned(as: UInt64.self)
                != UnsafeRawPointer(pb + i).loadUnaligned(as: UInt64.self) { return false }
            i &+= 8
        }
        while i < a.count {
            if pa[i] != pb[i] { return false }
            i &+= 1
        }
        return true
    }
}
