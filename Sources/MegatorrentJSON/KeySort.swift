/// Sorts an object's keys by UTF-16 code units, working on a private copy of their bytes.
enum KeySort {
    /// One key: its first 8 bytes in UTF-16 rank (``KeyOrder/prefix(_:)``), where its bytes are
    /// in the shared key buffer, and its member index.
    struct Entry {
        var prefix: UInt64
        var offset: Int
        var length: Int
        var index: Int
    }

    @inline(__always)
    static func bytes(of entry: Entry, in keys: UnsafePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: keys + entry.offset, count: entry.length)
    }

    /// Full UTF-16 order comparison: negative, zero or positive.
    @inline(__always)
    static func compare(_ a: Entry, _ b: Entry, keys: UnsafePointer<UInt8>) -> Int {
        if a.prefix != b.prefix { return a.prefix < b.prefix ? -1 : 1 }
        return KeyOrder.compareUTF16(bytes(of: a, in: keys), bytes(of: b, in: keys))
    }

    /// Stable merge sort of `entries` (equal keys keep their order); `scratch` has the same
    /// count. Runs of up to 8 are insertion-sorted first. Returns without work when the entries
    /// are already in order, as canonical input is.
    static func sort(
        _ entries: UnsafeMutableBufferPointer<Entry>, scratch: UnsafeMutableBufferPointer<Entry>,
        keys: UnsafePointer<UInt8>
    ) {
        let n = entries.count
        var inOrder = true
        for i in 1..<max(n, 1) where compare(entries[i &- 1], entries[i], keys: keys) > 0 {
            inOrder = false
            break
        }
        if inOrder { return }
        var start = 0
        while start < n {
            let stop = min(start &+ 8, n)
            var i = start &+ 1
            while i < stop {
                let x = entries[i]
                var j = i
                while j > start && compare(entries[j &- 1], x, keys: keys) > 0 {
                    entries[j] = entries[j &- 1]
                    j &-= 1
                }
                entries[j] = x
                i &+= 1
            }
            start = stop
        }
        var source = entries
        var target = scratch
        var width = 8
        while width < n {
            var low = 0
            while low < n {
                let middle = min(low &+ width, n)
                let high = min(low &+ 2 &* width, n)
                var i = low, j = middle, k = low
                while i < middle && j < high {
                    if compare(source[j], source[i], keys: keys) < 0 {
                        target[k] = source[j]
                        j &+= 1
                    } else {
                        target[k] = source[i]
                        i &+= 1
                    }
                    k &+= 1
                }
                while i < middle {
                    target[k] = source[i]
                    i &+= 1
                    k &+= 1
                }
                while j < high {
                    target[k] = source[j]
                    j &+= 1
                    k &+= 1
                }
                low = high
            }
            swap(&source, &target)
            width &*= 2
        }
        if source.baseAddress != entries.baseAddress {
            for i in 0..<n { entries[i] = source[i] }
        }
    }
}
