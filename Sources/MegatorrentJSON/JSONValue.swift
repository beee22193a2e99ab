/// A JSON value as defined by RFC 8259.
///
/// Object members keep their input order (``JSONMember`` array), so a parsed document can be
/// inspected exactly as it was written; ``CanonicalJSON`` sorts them only when serializing.
///
/// Equality compares strings and object keys by their UTF-8 bytes (that is, by Unicode code
/// points), never by Swift's `String ==`, which treats canonically equivalent strings such as
/// `"\u{E9}"` and `"e\u{301}"` as equal. Numbers compare with `Double ==` (so `0 == -0`, which
/// also share one canonical form, and NaN is unequal to itself). Arrays and objects compare
/// element by element, in order.
public enum JSONValue: Sendable, Equatable {
    /// The literal `null`.
    case null
    /// The literal `true` or `false`.
    case bool(Bool)
    /// A number. The parser only produces finite values.
    case number(Double)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, its members in input order. The parser refuses duplicate keys.
    case object([JSONMember])

    /// Compares two values structurally, strings and keys by their UTF-8 bytes. Iterative: any
    /// nesting depth is safe.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        if let equal = shallowEqual(lhs, rhs) { return equal }
        var pending: [(JSONValue, JSONValue)] = [(lhs, rhs)]
        while let (a, b) = pending.popLast() {
            switch (a, b) {
            case let (.array(x), .array(y)):
                guard x.count == y.count else { return false }
                for i in x.indices {
                    if let equal = shallowEqual(x[i], y[i]) {
                        if !equal { return false }
                    } else {
                        pending.append((x[i], y[i]))
                    }
                }
            case let (.object(x), .object(y)):
                guard x.count == y.count else { return false }
                for i in x.indices {
                    guard UTF8Bytes.equal(x[i].key, y[i].key) else { return false }
                    if let equal = shallowEqual(x[i].value, y[i].value) {
                        if !equal { return false }
                    } else {
                        pending.append((x[i].value, y[i].value))
                    }
                }
            default:
                return false
            }
        }
        return true
    }

    /// Equality when it can be decided without looking inside non-empty containers, else nil.
    private static func shallowEqual(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool? {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case let (.bool(a), .bool(b)):
            return a == b
        case let (.number(a), .number(b)):
            return a == b
        case let (.string(a), .string(b)):
            return UTF8Bytes.equal(a, b)
        case let (.array(a), .array(b)):
            return a.count != b.count ? false : (a.isEmpty ? true : nil)
        case let (.object(a), .object(b)):
            return a.count != b.count ? false : (a.isEmpty ? true : nil)
        default:
            return false
        }
    }

    /// The value of the first member whose key has exactly the UTF-8 bytes of `key`, or `nil`
    /// when there is no such member or the value is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        for member in members where UTF8Bytes.equal(member.key, key) {
            return member.value
        }
        return nil
    }
}

/// One member (key and value) of a JSON object.
///
/// Equality compares keys by their UTF-8 bytes, never by Swift's `String ==`.
public struct JSONMember: Sendable, Equatable {
    /// The member's key.
    public var key: String
    /// The member's value.
    public var value: JSONValue

    /// Creates a member.
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }

    /// Compares keys by UTF-8 bytes and values with ``JSONValue/==(_:_:)``.
    public static func == (lhs: JSONMember, rhs: JSONMember) -> Bool {
        UTF8Bytes.equal(lhs.key, rhs.key) && lhs.value == rhs.value
    }
}
