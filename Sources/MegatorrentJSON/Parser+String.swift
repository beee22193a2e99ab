extension Parser {
    /// Where a scanned string's decoded UTF-8 bytes are: a range of the input when it had no
    /// escapes, else the whole of `scratch`.
    struct StringSpan {
        var start: Int
        var count: Int
        var inScratch: Bool
    }

    /// Parses a string whose opening quote is at `pos`.
    mutating func parseString() throws(JSONError) -> String {
        let span = try scanString()
        if span.inScratch {
            return scratch.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        }
        return String(decoding: UnsafeBufferPointer(start: base + span.start, count: span.count), as: UTF8.self)
    }

    /// The key named by `span` and ``KeyHash/hash(_:)`` of its bytes.
    func decodedKey(_ span: StringSpan) -> (String, UInt64) {
        func make(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, UInt64) {
            (String(decoding: bytes, as: UTF8.self), KeyHash.hash(bytes))
        }
        if span.inScratch { return scratch.withUnsafeBufferPointer(make) }
        return make(UnsafeBufferPointer(start: base + span.start, count: span.count))
    }

    /// Validates and decodes the string whose opening quote is at `pos`, leaving `pos` after
    /// its closing quote.
    mutating func scanString() throws(JSONError) -> StringSpan {
        pos &+= 1
        var runStart = pos
        var escaped = false
        while true {
            pos = ByteScan.skipPlainString(base, from: pos, end: end)
            guard pos < end else { throw .unexpectedEnd }
            let byte = base[pos]
            if byte == UInt8(ascii: "\"") {
                defer { pos &+= 1 }
                guard escaped else { return StringSpan(start: runStart, count: pos &- runStart, inScratch: false) }
                appendRun(from: runStart)
                return StringSpan(start: 0, count: scratch.count, inScratch: true)
            }
            if byte == UInt8(ascii: "\\") {
                if !escaped {
                    escaped = true
                    scratch.removeAll(keepingCapacity: true)
                }
                appendRun(from: runStart)
                try parseEscape()
                runStart = pos
            } else if byte < 0x20 {
                throw .controlCharacterInString(offset: pos)
            } else if byte >= 0x80 {
                try skipUTF8Sequence()
            } else {
                pos &+= 1
            }
        }
    }

    /// Appends input bytes `runStart..<pos` to `scratch`.
    @inline(__always)
    private mutating func appendRun(from runStart: Int) {
        if pos > runStart {
            scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: pos &- runStart))
        }
    }

    /// Decodes the escape whose backslash is at `pos` into `scratch`.
    private mutating func parseEscape() throws(JSONError) {
        let backslash = pos
        guard pos &+ 1 < end else { throw .unexpectedEnd }
        let decoded: UInt8
        switch base[pos &+ 1] {
        case UInt8(ascii: "\""): decoded = 0x22
        case UInt8(ascii: "\\"): decoded = 0x5C
        case UInt8(ascii: "/"): decoded = 0x2F
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            try parseUnicodeEscape(backslash: backslash)
            return
        default:
            throw .invalidEscape(offset: backslash)
        }
        scratch.append(decoded)
        pos &+= 2
    }

    /// Decodes `\uXXXX` (and the low half of a surrogate pair) at `backslash` into `scratch`.
    private mutating func parseUnicodeEscape(backslash: Int) throws(JSONError) {
        var scalar = try hex4(at: backslash &+ 2, backslash: backslash)
        pos = backslash &+ 6
        if scalar >= 0xDC00 && scalar <= 0xDFFF { throw .loneSurrogate(offset: backslash) }
        if scalar >= 0xD800 && scalar <= 0xDBFF {
            guard pos < end else { throw .unexpectedEnd }
            guard base[pos] == UInt8(ascii: "\\") else { throw .loneSurrogate(offset: backslash) }
            guard pos &+ 1 < end else { throw .unexpectedEnd }
            guard base[pos &+ 1] == UInt8(ascii: "u") else { throw .loneSurrogate(offset: backslash) }
            let low = try hex4(at: pos &+ 2, backslash: pos)
            guard low >= 0xDC00 && low <= 0xDFFF else { throw .loneSurrogate(offset: backslash) }
            scalar = 0x10000 &+ ((scalar &- 0xD800) &<< 10) &+ (low &- 0xDC00)
            pos &+= 6
        }
        appendUTF8(scalar)
    }

    /// Reads four hexadecimal digits at `offset`.
    private func hex4(at offset: Int, backslash: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for i in offset..<(offset &+ 4) {
            guard i < end else { throw .unexpectedEnd }
            let c = base[i]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c &- UInt8(ascii: "A") &+ 10
            default: throw .invalidEscape(offset: backslash)
            }
            value = value &<< 4 | UInt32(digit)
        }
        return value
    }

    /// Appends the UTF-8 form of a scalar value (never a surrogate) to `scratch`.
    private mutating func appendUTF8(_ v: UInt32) {
        if v < 0x80 {
            scratch.append(UInt8(truncatingIfNeeded: v))
        } else if v < 0x800 {
            scratch.append(UInt8(truncatingIfNeeded: 0xC0 | v &>> 6))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | v & 0x3F))
        } else if v < 0x10000 {
            scratch.append(UInt8(truncatingIfNeeded: 0xE0 | v &>> 12))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | v &>> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | v & 0x3F))
        } else {
            scratch.append(UInt8(truncatingIfNeeded: 0xF0 | v &>> 18))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | v &>> 12 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | v &>> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | v & 0x3F))
        }
    }

    /// Checks the multi-byte UTF-8 sequence starting at `pos` (RFC 3629, table 3-7 of Unicode:
    /// no overlongs, no surrogates, nothing above U+10FFFF) and steps over it.
    private mutating func skipUTF8Sequence() throws(JSONError) {
        let lead = base[pos]
        var length = 0
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw .invalidUTF8(offset: pos)
        }
        guard end &- pos >= length else { throw .invalidUTF8(offset: pos) }
        let second = base[pos &+ 1]
        guard second >= low && second <= high else { throw .invalidUTF8(offset: pos) }
        var i = 2
        while i < length {
            guard base[pos &+ i] & 0xC0 == 0x80 else { throw .invalidUTF8(offset: pos) }
            i &+= 1
        }
        pos &+= length
    }
}
