/// The parser's state: an explicit stack instead of recursion, over a borrowed byte buffer.
struct Parser {
    /// One open array or object.
    struct Frame {
        var isObject: Bool
        /// Where this container's values start in `values`.
        var valueStart: Int
        /// Where this object's keys start in `keys` and `keyHashes`.
        var keyStart: Int
    }

    let base: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var pos = 0
    /// Decoded bytes of the current string when it contains escapes.
    var scratch: [UInt8] = []
    /// Finished values of all open containers, innermost last.
    var values: [JSONValue] = []
    /// Keys of all open objects, parallel to their values.
    var keys: [String] = []
    var keyHashes: [UInt64] = []
    var frames: [Frame] = []

    init(base: UnsafePointer<UInt8>, end: Int, maxDepth: Int) {
        self.base = base
        self.end = end
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        if pos < end && (base[pos] == UInt8(ascii: "{") || base[pos] == UInt8(ascii: "[")) {
            // Room for typical documents without regrowing the stacks.
            values.reserveCapacity(32)
            keys.reserveCapacity(32)
            keyHashes.reserveCapacity(32)
            frames.reserveCapacity(16)
        }
        valueLoop: while true {
            guard pos < end else { throw .unexpectedEnd }
            var value: JSONValue
            switch base[pos] {
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "{"):
                guard frames.count < maxDepth else { throw .tooDeep }
                pos &+= 1
                skipWhitespace()
                if pos < end && base[pos] == UInt8(ascii: "}") {
                    pos &+= 1
                    value = .object([])
                } else {
                    frames.append(Frame(isObject: true, valueStart: values.count, keyStart: keys.count))
                    try parseKeyAndColon()
                    continue valueLoop
                }
            case UInt8(ascii: "["):
                guard frames.count < maxDepth else { throw .tooDeep }
                pos &+= 1
                skipWhitespace()
                if pos < end && base[pos] == UInt8(ascii: "]") {
                    pos &+= 1
                    value = .array([])
                } else {
                    frames.append(Frame(isObject: false, valueStart: values.count, keyStart: keys.count))
                    continue valueLoop
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            default:
                throw .unexpectedByte(offset: pos)
            }
            // Hand the finished value to its container; close containers as they end.
            while true {
                guard let top = frames.last else {
                    skipWhitespace()
                    guard pos == end else { throw .trailingData(offset: pos) }
                    return value
                }
                values.append(consume value)
                skipWhitespace()
                guard pos < end else { throw .unexpectedEnd }
                let byte = base[pos]
                if byte == UInt8(ascii: ",") {
                    pos &+= 1
                    skipWhitespace()
                    if top.isObject { try parseKeyAndColon() }
                    continue valueLoop
                }
                if byte == (top.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    pos &+= 1
                    value = try close(top)
                    frames.removeLast()
                    continue
                }
                throw .unexpectedByte(offset: pos)
            }
        }
    }

    /// Builds the finished container described by `frame`, moving its values and keys off the
    /// stacks (no reference counting traffic).
    private mutating func close(_ frame: Frame) throws(JSONError) -> JSONValue {
        let count = values.count &- frame.valueStart
        guard frame.isObject else {
            return .array(StackMove.take(count, from: &values, filler: .null))
        }
        if let repeated = DuplicateKeys.firstRepeat(keys: keys, hashes: keyHashes, from: frame.keyStart) {
            throw .duplicateKey(keys[repeated])
        }
        let members = StackMove.takeMembers(count, keys: &keys, values: &values)
        keyHashes.removeLast(count)
        return .object(members)
    }

    /// Parses `"key"`, whitespace, `:` and whitespace, pushing the key and its hash.
    private mutating func parseKeyAndColon() throws(JSONError) {
        guard pos < end else { throw .unexpectedEnd }
        guard base[pos] == UInt8(ascii: "\"") else { throw .unexpectedByte(offset: pos) }
        let span = try scanString()
        let (key, hash) = decodedKey(span)
        keys.append(key)
        keyHashes.append(hash)
        skipWhitespace()
        guard pos < end else { throw .unexpectedEnd }
        guard base[pos] == UInt8(ascii: ":") else { throw .unexpectedByte(offset: pos) }
        pos &+= 1
        skipWhitespace()
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            switch base[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos &+= 1
            default: return
            }
        }
    }

    /// Matches an ASCII literal (`true`, `false`, `null`) at `pos`.
    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let bytes = literal.utf8Start
        for i in 0..<literal.utf8CodeUnitCount {
            guard pos < end else { throw .unexpectedEnd }
            guard base[pos] == bytes[i] else { throw .unexpectedByte(offset: pos) }
            pos &+= 1
        }
    }
}
