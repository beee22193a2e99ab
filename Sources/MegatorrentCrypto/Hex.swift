/// Hexadecimal encoding: lowercase on output; `decode` takes either case, `decodeLowercase` only
/// lowercase (the form channel ids and signatures must have).
public enum Hex {
    private static let digits: StaticString = "0123456789abcdef"

    /// Lowercase hex of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        return String(unsafeUninitializedCapacity: input.count * 2) { out in
            let table = digits.utf8Start
            for (i, byte) in input.enumerated() {
                out[2 * i] = table[Int(byte >> 4)]
                out[2 * i + 1] = table[Int(byte & 0x0f)]
            }
            return input.count * 2
        }
    }

    /// The bytes of `text`, or nil when it is not an even number of hex digits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? { decode(text, allowUppercase: true) }

    /// The bytes of `text`, or nil unless it is an even number of lowercase hex digits.
    public static func decodeLowercase(_ text: some StringProtocol) -> [UInt8]? { decode(text, allowUppercase: false) }

    private static func decode(_ text: some StringProtocol, allowUppercase: Bool) -> [UInt8]? {
        var string = String(text)
        return string.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count % 2 == 0 else { return nil }
            var failed = false
            let out = [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { buffer, count in
                for i in 0..<(utf8.count / 2) {
                    let high = value(utf8[2 * i], allowUppercase), low = value(utf8[2 * i + 1], allowUppercase)
                    if high > 15 || low > 15 {
                        failed = true
                        break
                    }
                    buffer[i] = high << 4 | low
                    count = i + 1
                }
            }
            return failed ? nil : out
        }
    }

    /// The value of one hex digit, or 0xff.
    @inline(__always)
    private static func value(_ c: UInt8, _ allowUppercase: Bool) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F") where allowUppercase: c &- UInt8(ascii: "A") &+ 10
        default: 0xff
        }
    }
}
