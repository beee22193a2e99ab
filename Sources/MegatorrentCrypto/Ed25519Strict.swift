/// The encoding checks that make Ed25519 verification strict, as libsodium's
/// `crypto_sign_verify_detached` does. OpenSSL checks S < L itself but accepts low-order public
/// keys, so these run before OpenSSL is asked.
enum Ed25519Strict {
    /// The group order L, little-endian.
    private static let order: [UInt8] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ]

    /// Encodings of the points of order 1, 2, 4 and 8 (and y = p, p+1, the non-canonical twins of
    /// 0 and 1), compared with the sign bit cleared: 14 encodings in all.
    private static let smallOrderEncodings: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32),  // y = 0: order 4
        [0x01] + [UInt8](repeating: 0, count: 31),  // y = 1: the identity
        hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),  // order 8
        hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  // order 8
        [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f],  // y = p - 1: order 2
        [0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f],  // y = p (non-canonical 0)
        [0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f],  // y = p + 1 (non-canonical 1)
    ]

    /// True when the encoding (with or without its sign bit) is a point of small order.
    static func hasSmallOrder(_ point: some Collection<UInt8>) -> Bool {
        let p = Array(point)
        guard p.count == 32 else { return true }
        for candidate in smallOrderEncodings {
            var difference: UInt8 = (p[31] & 0x7f) ^ candidate[31]
            for i in 0..<31 { difference |= p[i] ^ candidate[i] }
            if difference == 0 { return true }
        }
        return false
    }

    /// True unless the y coordinate is >= p = 2^255 - 19.
    static func isCanonicalPoint(_ point: some Collection<UInt8>) -> Bool {
        let p = Array(point)
        guard p.count == 32 else { return false }
        guard p[31] & 0x7f == 0x7f else { return true }
        for i in 1..<31 where p[i] != 0xff { return true }
        return p[0] < 0xed
    }

    /// True when the scalar is below the group order L.
    static func isCanonicalScalar(_ scalar: some Collection<UInt8>) -> Bool {
        let s = Array(scalar)
        guard s.count == 32 else { return false }
        for i in stride(from: 31, through: 0, by: -1) where s[i] != order[i] {
            return s[i] < order[i]
        }
        return false  // equal to L
    }

    private static func hex(_ text: String) -> [UInt8] { Hex.decode(text)! }
}
