/// ECMAScript's `Number.prototype.toString()` (ECMA-262 Number::toString with radix 10), as
/// RFC 8785 requires for numbers.
///
/// The digits are the shortest that round-trip, closest to the exact value when several are
/// equally short (taken from Swift's `Double.description`, which computes exactly those), laid
/// out as ECMAScript does: plain integers below 10^21 (`1e20` is `100000000000000000000`),
/// plain decimals down to 10^-6 (`0.000001`), otherwise exponent form (`1e-7`, `1e+21`,
/// `1.23e-18`). Negative zero gives `"0"`.
public enum ECMAScriptNumber {
    /// An upper bound on the length of any formatted number (the longest is 25 bytes,
    /// e.g. `-0.0000033333333333333333`).
    static let maxLength = 32

    /// Formats `value` as ECMAScript would: `"NaN"`, `"Infinity"` and `"-Infinity"` for the
    /// non-finite values (which JSON cannot carry).
    public static func format(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buffer in
            let length = write(value, to: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<length]), as: UTF8.self)
        }
    }

    /// Writes the ECMAScript form of `value` at `out`, which has room for ``maxLength`` bytes;
    /// returns the number of bytes written.
    static func write(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var writer = NumberWriter(out: out)
        if value.isNaN {
            writer.append("NaN")
        } else if value == 0 {
            writer.append(UInt8(ascii: "0"))
        } else {
            if value < 0 { writer.append(UInt8(ascii: "-")) }
            let x = value.magnitude
            if x.isInfinite {
                writer.append("Infinity")
            } else if x < 9_007_199_254_740_992, Double(UInt64(x)) == x {
                // Integers below 2^53 are their own shortest digits. (Converting truncates;
                // comparing back avoids libm's trunc.)
                writer.appendDecimal(UInt64(x))
            } else {
                writeShortest(x, to: &writer)
            }
        }
        return writer.count
    }

    /// Lays out a positive finite `x` by ECMA-262 Number::toString from the shortest
    /// round-trip digits in Swift's description (forms like `123.45`, `1e-07`, `1.5e+300`).
    private static func writeShortest(_ x: Double, to writer: inout NumberWriter) {
        var text = x.description
        text.withUTF8 { source in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: source.count) { digits in
                var count = 0
                var pointAt = -1
                var exponent = 0
                var exponentNegative = false
                var inExponent = false
                for c in source {
                    if inExponent {
                        if c == UInt8(ascii: "-") {
                            exponentNegative = true
                        } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                            exponent = exponent &* 10 &+ Int(c &- UInt8(ascii: "0"))
                        }
                    } else if c == UInt8(ascii: ".") {
                        pointAt = count
                    } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                        inExponent = true
                    } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                        digits[count] = c
                        count &+= 1
                    }
                }
                if pointAt < 0 { pointAt = count }
                if exponentNegative { exponent = -exponent }
                var first = 0
                while first < count && digits[first] == UInt8(ascii: "0") { first &+= 1 }
                var last = count
                while last > first && digits[last &- 1] == UInt8(ascii: "0") { last &-= 1 }
                guard last > first else {
                    writer.append(UInt8(ascii: "0"))
                    return
                }
                // x = 0.d1d2...dk × 10^n with d1 != 0.
                let significant = UnsafeBufferPointer(rebasing: digits[first..<last])
                layout(significant, n: pointAt &- first &+ exponent, to: &writer)
            }
        }
    }

    /// ECMA-262 Number::toString steps 6-10 for the digits `s` (k of them) and position `n`.
    private static func layout(_ s: UnsafeBufferPointer<UInt8>, n: Int, to writer: inout NumberWriter) {
        let k = s.count
        if k <= n && n <= 21 {
            writer.append(s)
            writer.appendZeros(n &- k)
        } else if 0 < n && n <= 21 {
            writer.append(UnsafeBufferPointer(rebasing: s[0..<n]))
            writer.append(UInt8(ascii: "."))
            writer.append(UnsafeBufferPointer(rebasing: s[n...]))
        } else if -6 < n && n <= 0 {
            writer.append("0.")
            writer.appendZeros(-n)
            writer.append(s)
        } else {
            writer.append(s[0])
            if k > 1 {
                writer.append(UInt8(ascii: "."))
                writer.append(UnsafeBufferPointer(rebasing: s[1...]))
            }
            let e = n &- 1
            writer.append(e >= 0 ? "e+" : "e-")
            writer.appendDecimal(UInt64(e.magnitude))
        }
    }
}

/// Writes a number's characters into a fixed buffer of ``ECMAScriptNumber/maxLength`` bytes.
/// Appends beyond the buffer are dropped (they cannot happen for the values written here).
struct NumberWriter {
    let out: UnsafeMutablePointer<UInt8>
    var count = 0

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        guard count < ECMAScriptNumber.maxLength else { return }
        out[count] = byte
        count &+= 1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes { append(byte) }
    }

    mutating func append(_ literal: StaticString) {
        append(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    mutating func appendZeros(_ n: Int) {
        for _ in 0..<max(n, 0) { append(UInt8(ascii: "0")) }
    }

    /// Appends the decimal digits of `n`.
    mutating func appendDecimal(_ n: UInt64) {
        var length = 1
        var rest = n
        while rest >= 10 {
            rest /= 10
            length &+= 1
        }
        guard count &+ length <= ECMAScriptNumber.maxLength else { return }
        var v = n
        var i = count &+ length &- 1
        repeat {
            out[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
            i &-= 1
        } while v > 0
        count &+= length
    }
}
