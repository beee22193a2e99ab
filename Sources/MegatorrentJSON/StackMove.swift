/// Moves the top elements of a stack array into a new array without copying them (no retain and
/// release per element, which otherwise dominates parsing time).
enum StackMove {
    /// Removes the last `count` elements of `stack` and returns them in order. `filler` must be
    /// a value whose destruction is trivial (`.null`, `""`): it temporarily takes the moved-out
    /// slots so that the stack can shrink normally.
    @inline(__always)
    static func take<Element>(_ count: Int, from stack: inout [Element], filler: Element) -> [Element] {
        guard count > 0 else { return [] }
        if count == stack.count {
            // The whole stack: hand over its buffer.
            defer { stack = [] }
            return stack
        }
        let start = stack.count &- count
        let taken = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            stack.withUnsafeMutableBufferPointer { source in
                let from = source.baseAddress! + start
                buffer.baseAddress!.moveInitialize(from: from, count: count)
                from.initialize(repeating: filler, count: count)
            }
            initialized = count
        }
        stack.removeLast(count)
        return taken
    }

    /// Removes the last `count` keys and values and returns them paired as members, in order.
    static func takeMembers(_ count: Int, keys: inout [String], values: inout [JSONValue]) -> [JSONMember] {
        guard count > 0 else { return [] }
        let keyStart = keys.count &- count
        let valueStart = values.count &- count
        let members = [JSONMember](unsafeUninitializedCapacity: count) { buffer, initialized in
            keys.withUnsafeMutableBufferPointer { keyBuffer in
                values.withUnsafeMutableBufferPointer { valueBuffer in
                    let k = keyBuffer.baseAddress! + keyStart
                    let v = valueBuffer.baseAddress! + valueStart
                    for i in 0..<count {
                        (buffer.baseAddress! + i).initialize(to: JSONMember(key: (k + i).move(), value: (v + i).move()))
                    }
                    k.initialize(repeating: "", count: count)
                    v.initialize(repeating: .null, count: count)
                }
            }
            initialized = count
        }
        keys.removeLast(count)
        values.removeLast(count)
        return members
    }
}
