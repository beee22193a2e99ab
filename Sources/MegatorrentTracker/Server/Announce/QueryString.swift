/// A request target's path and its query as percent-decoded name/value pairs. Values stay bytes:
/// BEP 3's `info_hash` and `peer_id` are binary. `+` is taken literally (RFC 3986), as the
/// BitTorrent clients that matter escape it.
enum QueryString {
    /// The path and the raw query of a request target.
    static func split(_ target: String) -> (path: Substring, query: Substring) {
        guard let mark = target.firstIndex(of: "?") else { return (target[...], "") }
        return (target[..<mark], target[target.index(after: mark)...])
    }

    /// The query's `name=value` pairs, percent-decoded; nil when an escape is malformed.
    static func pairs(_ query: Substring) -> [(name: String, value: [UInt8])]? {
        var result: [(name: String, value: [UInt8])] = []
        for part in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            guard let name = decode(part[..<(equals ?? part.endIndex)]) else { return nil }
            let value = equals.map { part[part.index(after: $0)...] } ?? part[part.endIndex...]
            guard let bytes = decode(value) else { return nil }
            result.append((String(decoding: name, as: UTF8.self), bytes))
        }
        return result
    }

    private static func decode(_ text: Substring.UTF8View.SubSequence) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            let byte = text[i]
            if byte == UInt8(ascii: "%") {
                let first = text.index(after: i)
                guard first < text.endIndex else { return nil }
                let second = text.index(after: first)
                guard second < text.endIndex, let high = hexValue(text[first]), let low = hexValue(text[second]) else {
                    return nil
                }
                out.append(high << 4 | low)
                i = text.index(after: second)
            } else {
                out.append(byte)
                i = text.index(after: i)
            }
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
