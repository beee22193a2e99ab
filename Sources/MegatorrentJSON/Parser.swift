/// The parser's state: explicit stacks instead of recursion, over a borrowed byte buffer.
struct Parser: ~Copyable {
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
    var values: ManualStack<JSONValue>
    /// Keys of all open objects, parallel to their values, and their hashes.
    var keys: ManualStack<String>
    var keyHashes: ManualStack<UInt64>
    var frames = ManualStack<Frame>()

    init(base: UnsafePointer<UInt8>, end: Int, maxDepth: Int) {
        self.base = base
        self.end = end
        self.maxDepth = maxDepth
        // Sized from the input (a value takes a few bytes at least) so that typical documents
        // never regrow the stacks.
        let estimate = min(max(end / 32, 16), 4096)
        values = ManualStack(initialCapacity: estimate)
        keys = ManualStack(initialCapacity: estimate)
        keyHashes = ManualStack(initialCapacity: estimate)
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        var top: Frame? = nil
        valueLoop: while true {
            guard pos < end else { throw .unexpectedEnd }
            var value: JSONValue
            switch base[pos] {
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "{"):
                guard (top == nil ? 0 : frames.count &+ 1) < maxDepth else { throw .tooDeep }
                pos &+= 1
                skipWhitespace()
                if pos < end && base[pos] == UInt8(ascii: "}") {
                    pos &+= 1
                    value = .object([])
                } else {
                    if let top { frames.push(top) }
                    top = Frame(isObject: true, valueStart: values.count, keyStart: keys.count)
                    try parseKeyAndColon()
                    continue valueLoop
                }
            case UInt8(ascii: "["):
                guard (top == nil ? 0 : frames.count &+ 1) < maxDepth else { throw .tooDeep }
                pos &+= 1
                skipWhitespace()
                if pos < end && base[pos] == UInt8(ascii: "]") {
                    pos &+= 1
                    value = .array([])
                } else {
                    if let top { frames.push(top) }
                    top = Frame(isObject: false, valueStart: values.count, keyStart: keys.count)
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
                guard let frame = top else {
                    skipWhitespace()
                    guard pos == end else { throw .trailingData(offset: pos) }
                    return value
                }
                values.push(consume value)
                skipWhitespace()
                guard pos < end else { throw .unexpectedEnd }
                let byte = base[pos]
                if byte == UInt8(ascii: ",") {
                    pos &+= 1
                    skipWhitespace()
                    if frame.isObject { try parseKeyAndColon() }
                    continue valueLoop
                }
                if byte == (frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    pos &+= 1
                    value = try close(frame)
                    top = frames.popLast()
                    continue
                }
                throw .unexpectedByte(offset: pos)
            }
        }
    }

    /// Builds the finished container described by `frame`, moving its values and keys off the
    /// stacks.
    private mutating func close(_ frame: Frame) throws(JSONError) -> JSONValue {
        guard frame.isObject else {
            return .array(values.popArray(from: frame.valueStart))
        }
        if let repeated = DuplicateKeys.firstRepeat(
            keys: keys.elements(from: frame.keyStart), hashes: keyHashes.elements(from: frame.keyStart)
        ) {
            throw .duplicateKey(keys.elements(from: frame.keyStart)[repeated])
        }
        let count = values.count &- frame.valueStart
        keyHashes.removeAll(from: frame.keyStart)
        let keySource = keys.address(of: frame.keyStart)
        let valueSource = values.address(of: frame.valueStart)
        let members = [JSONMember](unsafeUninitializedCapacity: count) { buffer, initialized in
            let target = buffer.baseAddress!
            for i in 0..<count {
                (target + i).initialize(to: JSONMember(key: (keySource + i).move(), value: (valueSource + i).move()))
            }
            initialized = count
        }
        keys.forget(from: frame.keyStart)
        values.forget(from: frame.valueStart)
        return .object(members)
    }

    /// Parses `"key"`, whitespace, `:` and whitespace, pushing the key and its hash.
    private mutating func parseKeyAndColon() throws(JSONError) {
        guard pos < end else { throw .unexpectedEnd }
        guard base[pos] == UInt8(ascii: "\"") else { throw .unexpectedByte(offset: pos) }
        let span = try scanString()
        let (key, hash) = decodedKey(span)
        keys.push(key)
        keyHashes.push(hash)
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
