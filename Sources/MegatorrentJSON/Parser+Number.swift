extension Parser {
    /// Exact powers of ten for the fast path (all exactly representable as Double).
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always)
    private func digit(at i: Int) -> UInt8? {
        guard i < end else { return nil }
        let d = base[i] &- UInt8(ascii: "0")
        return d < 10 ? d : nil
    }

    /// Parses the number starting at `pos` (a `-` or a digit) by the RFC 8259 grammar
    /// `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`, correctly rounded.
    mutating func parseNumber() throws(JSONError) -> Double {
        let start = pos
        var p = pos
        let negative = base[p] == UInt8(ascii: "-")
        if negative { p &+= 1 }
        guard p < end else { throw .unexpectedEnd }
        var mantissa: UInt64 = 0
        var digitCount = 0
        guard let first = digit(at: p) else { throw .invalidNumber(offset: p) }
        p &+= 1
        if first == 0 {
            if digit(at: p) != nil { throw .invalidNumber(offset: p) }
        } else {
            mantissa = UInt64(first)
            digitCount = 1
            while let d = digit(at: p) {
                mantissa = mantissa &* 10 &+ UInt64(d)
                digitCount &+= 1
                p &+= 1
            }
        }
        var fractionDigits = 0
        if p < end && base[p] == UInt8(ascii: ".") {
            p &+= 1
            while let d = digit(at: p) {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { digitCount &+= 1 }
                fractionDigits &+= 1
                p &+= 1
            }
            guard fractionDigits > 0 else { throw p < end ? .invalidNumber(offset: p) : .unexpectedEnd }
        }
        var exponent = 0
        if p < end && base[p] | 0x20 == UInt8(ascii: "e") {
            p &+= 1
            guard p < end else { throw .unexpectedEnd }
            let negativeExponent = base[p] == UInt8(ascii: "-")
            if negativeExponent || base[p] == UInt8(ascii: "+") { p &+= 1 }
            guard p < end else { throw .unexpectedEnd }
            guard digit(at: p) != nil else { throw .invalidNumber(offset: p) }
            while let d = digit(at: p) {
                if exponent < 1_000_000 { exponent = exponent &* 10 &+ Int(d) }
                p &+= 1
            }
            if negativeExponent { exponent = -exponent }
        }
        pos = p

        // Fast path: at most 19 significant digits (so `mantissa` is exact), a mantissa below
        // 2^53 and a power of ten up to 10^22 are both exact, and one IEEE multiplication or
        // division rounds correctly.
        if digitCount <= 19 {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            let scale = exponent &- fractionDigits
            if mantissa <= 1 << 53 && scale >= -22 && scale <= 22 {
                var value = Double(mantissa)
                if scale >= 0 {
                    value *= Self.powersOfTen[scale]
                } else {
                    value /= Self.powersOfTen[-scale]
                }
                return negative ? -value : value
            }
        }
        return try parseNumberSlowly(from: start)
    }

    /// Correctly rounded conversion of the validated literal `start..<pos` by the standard
    /// library (strtod in the C locale).
    private func parseNumberSlowly(from start: Int) throws(JSONError) -> Double {
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos &- start), as: UTF8.self)
        guard let value = Double(text) else { throw .invalidNumber(offset: start) }
        guard value.isFinite else { throw .numberOutOfRange(offset: start) }
        return value
    }
}
