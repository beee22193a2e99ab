/// A bencoded value (BEP 3): integer, byte string, list or dictionary.
///
/// Dictionary keys are byte strings kept sorted by raw bytes, as the encoding requires, so a value
/// has exactly one encoding.
public enum BencodeValue: Sendable, Hashable {
    /// `i<decimal>e`
    case integer(Int64)
    /// `<length>:<bytes>`
    case bytes([UInt8])
    /// `l<values>e`
    case list([BencodeValue])
    /// `d<key><value>...e`, keys unique and sorted by raw bytes.
    case dictionary([(key: [UInt8], value: BencodeValue)])

    /// A byte string from UTF-8 text.
    public static func string(_ text: String) -> BencodeValue { .bytes(Array(text.utf8)) }

    /// A dictionary from pairs in any order; later duplicates replace earlier ones.
    public static func dictionary(_ pairs: [String: BencodeValue]) -> BencodeValue {
        .dictionary(pairs.map { (key: Array($0.key.utf8), value: $0.value) }.sorted { $0.key.lexicographicallyPrecedes($1.key) })
    }

    /// The value under `key` in a dictionary, or nil.
    public subscript(key: String) -> BencodeValue? {
        guard case let .dictionary(entries) = self else { return nil }
        let bytes = Array(key.utf8)
        return entries.first { $0.key == bytes }?.value
    }

    /// The bytes of a byte string, or nil.
    public var byteString: [UInt8]? {
        if case let .bytes(b) = self { return b }
        return nil
    }

    /// The integer, or nil.
    public var integer: Int64? {
        if case let .integer(n) = self { return n }
        return nil
    }

    public static func == (a: BencodeValue, b: BencodeValue) -> Bool {
        switch (a, b) {
        case let (.integer(x), .integer(y)): x == y
        case let (.bytes(x), .bytes(y)): x == y
        case let (.list(x), .list(y)): x == y
        case let (.dictionary(x), .dictionary(y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(Bencode.encode(self))
    }
}
