/// Finds repeated keys in one object, comparing keys by their UTF-8 bytes.
enum DuplicateKeys {
    /// The index of the first key in `keys` that repeats an earlier one, or `nil`.
    /// `hashes[i]` is ``KeyHash/hash(_:)`` of `keys[i]`.
    ///
    /// Small objects are checked pairwise; larger ones through an open-addressing table. If the
    /// table probes too often (crafted hash collisions), a sort by bytes takes over, so the work
    /// stays O(n log n) on any input.
    static func firstRepeat(keys: UnsafeBufferPointer<String>, hashes: UnsafeBufferPointer<UInt64>) -> Int? {
        let n = keys.count
        guard n >= 2 else { return nil }
        if n <= 8 {
            for i in 1..<n {
                for j in 0..<i where hashes[i] == hashes[j] && UTF8Bytes.equal(keys[i], keys[j]) {
                    return i
                }
            }
            return nil
        }
        var capacity = 16
        while capacity < 2 &* n { capacity &<<= 1 }
        let mask = capacity &- 1
        let probeBudget = 8 &* n &+ 64
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: capacity) { table -> Int? in
            table.initialize(repeating: -1)
            var probes = 0
            for i in 0..<n {
                var slot = Int(truncatingIfNeeded: hashes[i]) & mask
                while true {
                    let j = Int(table[slot])
                    if j < 0 {
                        table[slot] = Int32(truncatingIfNeeded: i)
                        break
                    }
                    if hashes[j] == hashes[i] && UTF8Bytes.equal(keys[i], keys[j]) { return i }
                    probes &+= 1
                    if probes > probeBudget { return firstRepeatBySorting(keys: keys) }
                    slot = (slot &+ 1) & mask
                }
            }
            return nil
        }
    }

    /// Same result as ``firstRepeat(keys:hashes:)``, in O(n log n) comparisons.
    static func firstRepeatBySorting(keys: UnsafeBufferPointer<String>) -> Int? {
        var order = Array(0..<keys.count)
        order.sort { a, b in
            let c = UTF8Bytes.withBytes(keys[a]) { pa in
                UTF8Bytes.withBytes(keys[b]) { pb in KeyOrder.compareBytes(pa, pb) }
            }
            return c != 0 ? c < 0 : a < b
        }
        var best: Int?
        var i = 1
        while i < order.count {
            // Within a run of equal keys (sorted by index), the second index is the first
            // repeat of that key.
            if UTF8Bytes.equal(keys[order[i &- 1]], keys[order[i]]) {
                let candidate = order[i]
                if best.map({ candidate < $0 }) ?? true { best = candidate }
                while i < order.count && UTF8Bytes.equal(keys[order[i &- 1]], keys[order[i]]) { i &+= 1 }
            } else {
                i &+= 1
            }
        }
        return best
    }
}
