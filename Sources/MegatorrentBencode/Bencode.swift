/// Strict bencoding (BEP 3): one encoding per value, and a decoder that refuses every other form
/// (leading zeros, `-0`, unsorted or duplicate dictionary keys, trailing data). Pure functions.
public enum Bencode {
    /// Why bytes are not strict bencoding.
    public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
        /// The input ended inside a value.
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedByte(offset: Int)
        /// An integer with a leading zero, `-0`, no digits, or out of the 64-bit range.
        case invalidInteger(offset: Int)
        /// A string length with a leading zero or past the end of the input.
        case invalidLength(offset: Int)
        /// Dictionary keys not in strictly increasing byte order (or repeated).
        case unsortedKeys(offset: Int)
        /// Nesting deeper than the limit.
        case tooDeep
        /// Bytes after the value.
        case trailingData(offset: Int)

        /// One clear phrase.
        public var description: String {
            switch self {
            case .unexpectedEnd: "bencoding ends inside a value"
            case let .unexpectedByte(o): "unexpected byte at \(o)"
            case let .invalidInteger(o): "invalid integer at \(o)"
            case let .invalidLength(o): "invalid string length at \(o)"
            case let .unsortedKeys(o): "dictionary keys not sorted or repeated at \(o)"
            case .tooDeep: "nesting too deep"
            case let .trailingData(o): "trailing data at \(o)"
            }
        }
    }

    /// The encoding of `value`.
    public static func encode(_ value: BencodeValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    /// Appends the encoding of `value` to `out`.
    public static func append(_ value: BencodeValue, to out: inout [UInt8]) {
        switch value {
        case let .integer(n):
            out.append(UInt8(ascii: "i"))
            out.append(contentsOf: String(n).utf8)
            out.append(UInt8(ascii: "e"))
        case let .bytes(bytes):
            appendString(bytes, to: &out)
        case let .list(items):
            out.append(UInt8(ascii: "l"))
            for item in items { append(item, to: &out) }
            out.append(UInt8(ascii: "e"))
        case let .dictionary(entries):
            out.append(UInt8(ascii: "d"))
            for entry in entries.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                appendString(entry.key, to: &out)
                append(entry.value, to: &out)
            }
            out.append(UInt8(ascii: "e"))
        }
    }

    private static func appendString(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: String(bytes.count).utf8)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: bytes)
    }

    /// The one value in `bytes`, strictly decoded.
    public static func decode(_ bytes: [UInt8], maxDepth: Int = 32) throws(DecodeError) -> BencodeValue {
        var decoder = Decoder(bytes: bytes, maxDepth: maxDepth)
        let value = try decoder.value(depth: 0)
        guard decoder.offset == bytes.count else { throw .trailingData(offset: decoder.offset) }
        return value
    }

    private struct Decoder {
        let bytes: [UInt8]
        let maxDepth: Int
        var offset = 0

        mutating func value(depth: Int) throws(DecodeError) -> BencodeValue {
            guard depth <= maxDepth else { throw .tooDeep }
            guard offset < bytes.count else { throw .unexpectedEnd }
            switch bytes[offset] {
            case UInt8(ascii: "i"):
                offset += 1
                let n = try integer(until: UInt8(ascii: "e"))
                return .integer(n)
            case UInt8(ascii: "l"):
                offset += 1
                var items: [BencodeValue] = []
                while true {
                    guard offset < bytes.count else { throw .unexpectedEnd }
                    if bytes[offset] == UInt8(ascii: "e") { break }
                    items.append(try value(depth: depth + 1))
                }
                offset += 1
                return .list(items)
            case UInt8(ascii: "d"):
                offset += 1
                var entries: [(key: [UInt8], value: BencodeValue)] = []
                while true {
                    guard offset < bytes.count else { throw .unexpectedEnd }
                    if bytes[offset] == UInt8(ascii: "e") { break }
                    let keyOffset = offset
                    let key = try string()
                    if let last = entries.last, !last.key.lexicographicallyPrecedes(key) { throw .unsortedKeys(offset: keyOffset) }
                    entries.append((key, try value(depth: depth + 1)))
                }
                offset += 1
                return .dictionary(entries)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .bytes(try string())
            default:
                throw .unexpectedByte(offset: offset)
            }
        }

        mutating func string() throws(DecodeError) -> [UInt8] {
            let start = offset
            guard offset < bytes.count, bytes[offset] >= UInt8(ascii: "0"), bytes[offset] <= UInt8(ascii: "9") else {
                throw offset < bytes.count ? .unexpectedByte(offset: offset) : .unexpectedEnd
            }
            guard let length = try? integer(until: UInt8(ascii: ":")), length >= 0, length <= Int64(bytes.count - offset) else {
                throw .invalidLength(offset: start)
            }
            let end = offset + Int(length)
            defer { offset = end }
            return Array(bytes[offset..<end])
        }

        /// Digits (with an optional `-`) up to `terminator`, strict.
        mutating func integer(until terminator: UInt8) throws(DecodeError) -> Int64 {
            let start = offset
            var negative = false
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") {
                negative = true
                offset += 1
            }
            let digitsStart = offset
            var magnitude: UInt64 = 0
            while offset < bytes.count, bytes[offset] != terminator {
                let c = bytes[offset]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { throw .invalidInteger(offset: start) }
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw .invalidInteger(offset: start) }
                magnitude = sum
                offset += 1
            }
            guard offset < bytes.count else { throw .unexpectedEnd }
            let digits = offset - digitsStart
            guard digits > 0 else { throw .invalidInteger(offset: start) }
            if bytes[digitsStart] == UInt8(ascii: "0"), digits > 1 || negative { throw .invalidInteger(offset: start) }
            offset += 1  // the terminator
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { throw .invalidInteger(offset: start) }
                return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { throw .invalidInteger(offset: start) }
            return Int64(magnitude)
        }
    }
}
