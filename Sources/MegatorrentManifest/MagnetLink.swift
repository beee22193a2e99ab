/// Validation of the magnet URIs a manifest lists (BEP 9, with BEP 52's `urn:btmh`).
///
/// A valid item is `magnet:?` followed by `&`-separated `key=value` parameters made only of
/// URI characters with well-formed percent escapes, with at least one exact topic (`xt`, or `xt.N`)
/// and every exact topic one of `urn:btih:` + 40 hex digits, `urn:btih:` + 32 base32 characters,
/// or `urn:btmh:1220` + 64 hex digits (a SHA-256 multihash).
public enum MagnetLink {
    /// Why an item is not a valid magnet URI.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// Longer than `ManifestLimits.maxItemBytes`.
        case tooLong(Int)
        /// Does not start with `magnet:?`.
        case notMagnet
        /// A byte that may not appear in a URI, at this offset.
        case invalidCharacter(offset: Int)
        /// A `%` not followed by two hex digits, at this offset.
        case badPercentEscape(offset: Int)
        /// A parameter without a key.
        case emptyParameter
        /// No `xt` parameter.
        case missingExactTopic
        /// An `xt` that is not a BitTorrent info-hash URN.
        case invalidExactTopic(String)

        /// One clear phrase.
        public var description: String {
            switch self {
            case let .tooLong(n): "magnet URI is \(n) bytes, over the limit of \(ManifestLimits.maxItemBytes)"
            case .notMagnet: "not a magnet URI (must start with \"magnet:?\")"
            case let .invalidCharacter(offset): "character not allowed in a URI at byte \(offset)"
            case let .badPercentEscape(offset): "malformed percent escape at byte \(offset)"
            case .emptyParameter: "empty parameter name"
            case .missingExactTopic: "no exact topic (xt=urn:btih:... or xt=urn:btmh:...)"
            case let .invalidExactTopic(value): "invalid exact topic \"\(value.prefix(80))\""
            }
        }
    }

    /// Throws the first problem found in `uri`, or returns when it is a valid magnet URI.
    public static func validate(_ uri: String) throws(Problem) {
        var uri = uri
        let result: Result<Void, Problem> = uri.withUTF8 { bytes in Result { () throws(Problem) in try validate(bytes) } }
        try result.get()
    }

    /// Validates the UTF-8 bytes of a magnet URI.
    public static func validate(_ bytes: UnsafeBufferPointer<UInt8>) throws(Problem) {
        guard bytes.count <= ManifestLimits.maxItemBytes else { throw .tooLong(bytes.count) }
        let prefix: [UInt8] = Array("magnet:?".utf8)
        guard bytes.count >= prefix.count else { throw .notMagnet }
        for i in 0..<prefix.count where lowercased(bytes[i]) != prefix[i] { throw .notMagnet }

        var sawExactTopic = false
        var start = prefix.count
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                try validateParameter(bytes, start, end, &sawExactTopic)
            }
            start = end + 1
        }
        guard sawExactTopic else { throw .missingExactTopic }
    }

    private static func validateParameter(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ sawExactTopic: inout Bool
    ) throws(Problem) {
        var i = start
        var equals = -1
        while i < end {
            let c = bytes[i]
            if c == UInt8(ascii: "%") {
                guard i + 2 < end, isHex(bytes[i + 1]), isHex(bytes[i + 2]) else {
                    throw .badPercentEscape(offset: i)
                }
                i += 3
                continue
            }
            guard isURICharacter(c) else { throw .invalidCharacter(offset: i) }
            if c == UInt8(ascii: "="), equals < 0 { equals = i }
            i += 1
        }
        let keyEnd = equals < 0 ? end : equals
        guard keyEnd > start else { throw .emptyParameter }
        let key = UnsafeBufferPointer(rebasing: bytes[start..<keyEnd])
        guard isExactTopicKey(key) else { return }
        let value = equals < 0 ? UnsafeBufferPointer(rebasing: bytes[end..<end]) : UnsafeBufferPointer(rebasing: bytes[(equals + 1)..<end])
        guard isValidExactTopic(value) else { throw .invalidExactTopic(String(decoding: value, as: UTF8.self)) }
        sawExactTopic = true
    }

    /// `xt` or `xt.N`.
    private static func isExactTopicKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard key.count >= 2, key[0] == UInt8(ascii: "x"), key[1] == UInt8(ascii: "t") else { return false }
        if key.count == 2 { return true }
        guard key.count > 3, key[2] == UInt8(ascii: ".") else { return false }
        return key[3...].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    private static func isValidExactTopic(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        let btih: [UInt8] = Array("urn:btih:".utf8), btmh: [UInt8] = Array("urn:btmh:".utf8)
        if hasPrefixIgnoringCase(value, btih) {
            let hash = value[btih.count...]
            if hash.count == 40 { return hash.allSatisfy(isHex) }
            if hash.count == 32 { return hash.allSatisfy(isBase32) }
            return false
        }
        if hasPrefixIgnoringCase(value, btmh) {
            let hash = value[btmh.count...]
            // SHA-256 multihash: code 0x12, length 0x20, 32 bytes.
            guard hash.count == 68, hash.allSatisfy(isHex) else { return false }
            let head = Array(hash.prefix(4))
            return head == Array("1220".utf8)
        }
        return false
    }

    private static func hasPrefixIgnoringCase(_ value: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard value.count >= prefix.count else { return false }
        for i in 0..<prefix.count where lowercased(value[i]) != prefix[i] { return false }
        return true
    }

    @inline(__always) private static func lowercased(_ c: UInt8) -> UInt8 {
        c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c
    }

    @inline(__always) private static func isHex(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (lowercased(c) >= UInt8(ascii: "a") && lowercased(c) <= UInt8(ascii: "f"))
    }

    @inline(__always) private static func isBase32(_ c: UInt8) -> Bool {
        let l = lowercased(c)
        return (l >= UInt8(ascii: "a") && l <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "2") && c <= UInt8(ascii: "7"))
    }

    /// RFC 3986 unreserved and reserved characters (and `%`, handled by the caller).
    @inline(__always) private static func isURICharacter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
            UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: "@"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
