/// I2P's Base64: RFC 4648 Base64 with `-` and `~` in place of `+` and `/`, padded with `=`.
/// Destinations, keys and SAM values use it.
public enum I2PBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~".utf8)

    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = Int8(index) }
        return table
    }()

    /// The padded text of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: encodeBytes(bytes), as: UTF8.self)
    }

    /// The padded text of `bytes`, as ASCII bytes (for lines that must be wiped after use).
    public static func encodeBytes(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let b0 = input[index]
            let b1 = index + 1 < input.count ? input[index + 1] : 0
            let b2 = index + 2 < input.count ? input[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < input.count ? alphabet[Int((b1 & 0x0f) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < input.count ? alphabet[Int(b2 & 0x3f)] : UInt8(ascii: "="))
            index += 3
        }
        return out
    }

    /// The bytes of `text`, or nil unless it is canonical padded I2P Base64 (length a multiple of 4,
    /// only the alphabet, `=` only at the end, unused bits zero).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(bytes: Array(text.utf8))
    }

    /// ``decode(_:)`` over ASCII bytes.
    public static func decode(bytes text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var padding = 0
        if text.last == UInt8(ascii: "=") { padding += 1 }
        if text.count >= 2, text[text.count - 2] == UInt8(ascii: "=") { padding += 1 }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var group = 0
        while group < text.count {
            var quad = [UInt32](repeating: 0, count: 4)
            for offset in 0..<4 {
                let character = text[group + offset]
                let isPadding = group + 4 == text.count && offset >= 4 - padding
                if isPadding {
                    guard character == UInt8(ascii: "=") else { return nil }
                    continue
                }
                let value = values[Int(character)]
                guard value >= 0 else { return nil }
                quad[offset] = UInt32(value)
            }
            let triple = quad[0] << 18 | quad[1] << 12 | quad[2] << 6 | quad[3]
            let produced = group + 4 == text.count ? 3 - padding : 3
            let bytes = [UInt8(triple >> 16 & 0xff), UInt8(triple >> 8 & 0xff), UInt8(triple & 0xff)]
            // Canonical: the bits the padding leaves unused must be zero.
            if produced < 3, bytes[produced...].contains(where: { $0 != 0 }) { return nil }
            out += bytes[..<produced]
            group += 4
        }
        return out
    }
}
