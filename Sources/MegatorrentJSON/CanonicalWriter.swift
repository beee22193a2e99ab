/// Appends the RFC 8785 form of values to one growing buffer.
struct CanonicalWriter: ~Copyable {
    private var output: OutputBuffer
    /// Whether a NaN or infinity was written (as `null`).
    private(set) var sawNonFinite = false
    /// A key that occurred twice in one object, if any.
    private(set) var duplicateKey: String?

    init(capacity: Int) {
        output = OutputBuffer(capacity: capacity)
    }

    /// The bytes written so far.
    func bytes() -> [UInt8] {
        output.bytes()
    }

    /// Writes `value`. Inlined into the container loops so that scalars, strings above all, are
    /// written without copying them (a call that might recurse forces a retained copy).
    @inline(__always)
    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            output.append("null")
        case let .bool(flag):
            output.append(flag ? "true" : "false")
        case let .number(number):
            writeNumber(number)
        case let .string(string):
            writeString(string)
        case let .array(elements):
            writeArray(elements)
        case let .object(members):
            writeObject(members)
        }
    }

    private mutating func writeNumber(_ number: Double) {
        if number.isFinite {
            output.appendWithin(ECMAScriptNumber.maxLength) { ECMAScriptNumber.write(number, to: $0) }
        } else {
            sawNonFinite = true
            output.append("null")
        }
    }

    @inline(never)
    private mutating func writeArray(_ elements: [JSONValue]) {
        output.append(UInt8(ascii: "["))
        for i in elements.indices {
            if i > 0 { output.append(UInt8(ascii: ",")) }
            write(elements[i])
        }
        output.append(UInt8(ascii: "]"))
    }

    @inline(never)
    private mutating func writeObject(_ members: [JSONMember]) {
        output.append(UInt8(ascii: "{"))
        writeMembers(members)
        output.append(UInt8(ascii: "}"))
    }

    /// Writes members sorted by their keys' UTF-16 code units (equal keys, which only
    /// hand-built values can have, keep their original order and are recorded in
    /// `duplicateKey`). The keys' bytes are copied once into a scratch buffer, where they are
    /// sorted and from which they are written.
    private mutating func writeMembers(_ members: [JSONMember]) {
        let n = members.count
        guard n > 1 else {
            if n == 1 {
                writeString(members[0].key)
                output.append(UInt8(ascii: ":"))
                write(members[0].value)
            }
            return
        }
        var keyBytes = 0
        for i in 0..<n { keyBytes &+= members[i].key.utf8.count }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(keyBytes, 1)) { keys in
            withUnsafeTemporaryAllocation(of: KeySort.Entry.self, capacity: 2 &* n) { space in
                let keyBase = keys.baseAddress!
                let entries = UnsafeMutableBufferPointer(rebasing: space[0..<n])
                var offset = 0
                for i in 0..<n {
                    let entry = UTF8Bytes.withBytes(members[i].key) { bytes -> KeySort.Entry in
                        if let source = bytes.baseAddress {
                            (keyBase + offset).initialize(from: source, count: bytes.count)
                        }
                        return KeySort.Entry(prefix: KeyOrder.prefix(bytes), offset: offset, length: bytes.count, index: i)
                    }
                    (entries.baseAddress! + i).initialize(to: entry)
                    offset &+= entry.length
                }
                KeySort.sort(entries, scratch: UnsafeMutableBufferPointer(rebasing: space[n...]), keys: keyBase)
                var tie = -1
                for i in 0..<n {
                    let entry = entries[i]
                    if i > 0 {
                        output.append(UInt8(ascii: ","))
                        if tie < 0 && KeySort.compare(entries[i &- 1], entry, keys: keyBase) == 0 {
                            tie = entry.index
                        }
                    }
                    writeQuoted(KeySort.bytes(of: entry, in: keyBase))
                    output.append(UInt8(ascii: ":"))
                    write(members[entry.index].value)
                }
                if tie >= 0 && duplicateKey == nil { duplicateKey = members[tie].key }
            }
        }
    }

    /// Writes `string` quoted and escaped as RFC 8785 section 3.2.2.2 requires.
    @inline(__always)
    private mutating func writeString(_ string: String) {
        UTF8Bytes.withBytes(string) { writeQuoted($0) }
    }

    /// Writes UTF-8 `bytes` quoted, escaping only `"`, `\` and control characters.
    private mutating func writeQuoted(_ bytes: UnsafeBufferPointer<UInt8>) {
        output.append(UInt8(ascii: "\""))
        if let base = bytes.baseAddress {
            let end = bytes.count
            var runStart = 0
            var i = 0
            while true {
                i = ByteScan.skipUnescaped(base, from: i, end: end)
                guard i < end else { break }
                let byte = base[i]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                    output.append(base + runStart, count: i &- runStart)
                    appendEscape(byte)
                    runStart = i &+ 1
                }
                i &+= 1
            }
            output.append(base + runStart, count: end &- runStart)
        }
        output.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): output.append("\\\"")
        case UInt8(ascii: "\\"): output.append("\\\\")
        case 0x08: output.append("\\b")
        case 0x09: output.append("\\t")
        case 0x0A: output.append("\\n")
        case 0x0C: output.append("\\f")
        case 0x0D: output.append("\\r")
        default:
            let hex: StaticString = "0123456789abcdef"
            output.append("\\u00")
            output.append(hex.utf8Start[Int(byte &>> 4)])
            output.append(hex.utf8Start[Int(byte & 0x0F)])
        }
    }
}
