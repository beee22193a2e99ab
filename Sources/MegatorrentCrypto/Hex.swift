/// Hexadecimal encoding: lowercase on output; `decode` takes either case, `decodeLowercase` only
/// lowercase (the form channel ids and signatures must have).
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of `text`, or nil when it is not an even number of hex digits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? { decode(text.utf8, allowUppercase: true) }

    /// The bytes of `text`, or nil unless it is an even number of lowercase hex digits.
    public static func decodeLowercase(_ text: some StringProtocol) -> [UInt8]? { decode(text.utf8, allowUppercase: false) }

    private static func decode(_ utf8: some Collection<UInt8>, allowUppercase: Bool) -> [UInt8]? {
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var high: UInt8? = nil
        for c in utf8 {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F") where allowUppercase: v = c &- UInt8(ascii: "A") &+ 10
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return out
    }
}
