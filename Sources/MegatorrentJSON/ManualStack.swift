/// A stack in manually managed memory: pushes move values in, and the top elements move out
/// into a new array without reference counting traffic or per-element destruction.
struct ManualStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>?
    private var capacity = 0
    private(set) var count = 0
    /// The capacity of the first allocation, made on the first push.
    private let initialCapacity: Int

    init(initialCapacity: Int = 16) {
        self.initialCapacity = max(initialCapacity, 1)
    }

    deinit {
        if let base {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base.unsafelyUnwrapped + count).initialize(to: element)
        count &+= 1
    }

    @inline(never)
    private mutating func grow() {
        let size = max(capacity &* 2, initialCapacity)
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: size)
        if let base {
            bigger.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = bigger
        capacity = size
    }

    /// The elements from `start` to the top, valid until the stack next changes.
    @inline(__always)
    func elements(from start: Int) -> UnsafeBufferPointer<Element> {
        guard let base else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base + start, count: count &- start)
    }

    /// Removes the elements from `start` to the top and returns them in order.
    mutating func popArray(from start: Int) -> [Element] {
        let n = count &- start
        guard n > 0, let base else { return [] }
        count = start
        return [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: base + start, count: n)
            initialized = n
        }
    }

    /// Removes and returns the top element, if any.
    @inline(__always)
    mutating func popLast() -> Element? {
        guard count > 0, let base else { return nil }
        count &-= 1
        return (base + count).move()
    }

    /// The address of element `index` (which must exist), for moving elements out; follow with
    /// ``forget(from:)``.
    @inline(__always)
    func address(of index: Int) -> UnsafeMutablePointer<Element> {
        base.unsafelyUnwrapped + index
    }

    /// Shrinks the stack to `start` elements without destroying the dropped ones (they must
    /// have been moved out).
    @inline(__always)
    mutating func forget(from start: Int) {
        if count > start { count = start }
    }

    /// Drops the elements from `start` to the top.
    mutating func removeAll(from start: Int) {
        guard let base, count > start else { return }
        (base + start).deinitialize(count: count &- start)
        count = start
    }
}
