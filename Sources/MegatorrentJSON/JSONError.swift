/// Why a JSON document was refused (or, for ``nonFiniteNumber``, could not be canonicalized).
///
/// Offsets are zero-based byte offsets into the input.
public enum JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input is longer than ``JSONParseOptions/maxBytes``.
    case tooLarge
    /// Arrays and objects nest deeper than ``JSONParseOptions/maxDepth``.
    case tooDeep
    /// The input ends where more is required (including inside a string, number or literal).
    case unexpectedEnd
    /// A byte that the grammar does not allow here (including a leading byte order mark and any
    /// non-ASCII byte outside strings).
    case unexpectedByte(offset: Int)
    /// Ill-formed UTF-8 inside a string: the offset of the sequence's first byte.
    case invalidUTF8(offset: Int)
    /// A `\u` escape naming a surrogate that is not part of a high-low pair: the offset of
    /// its backslash.
    case loneSurrogate(offset: Int)
    /// A raw control character (below U+0020) inside a string.
    case controlCharacterInString(offset: Int)
    /// An unknown escape or a `\u` without four hexadecimal digits: the offset of the backslash.
    case invalidEscape(offset: Int)
    /// A malformed number (leading zero, missing digits): the offset of the offending byte.
    case invalidNumber(offset: Int)
    /// A number whose magnitude rounds to infinity: the offset of its first byte.
    case numberOutOfRange(offset: Int)
    /// An object has two members with this key (keys compared by their exact code points).
    case duplicateKey(String)
    /// Non-whitespace after the top-level value: the offset of the first such byte.
    case trailingData(offset: Int)
    /// A value holds NaN or an infinity, which JSON and RFC 8785 cannot represent
    /// (only thrown by ``CanonicalJSON/serializeStrict(_:)``).
    case nonFiniteNumber

    /// A one-line description of the error.
    public var description: String {
        switch self {
        case .tooLarge: return "JSON input exceeds the size limit"
        case .tooDeep: return "JSON nesting exceeds the depth limit"
        case .unexpectedEnd: return "JSON input ends unexpectedly"
        case let .unexpectedByte(offset): return "unexpected byte in JSON at offset \(offset)"
        case let .invalidUTF8(offset): return "invalid UTF-8 in JSON string at offset \(offset)"
        case let .loneSurrogate(offset):
            return "unpaired surrogate escape in JSON string at offset \(offset)"
        case let .controlCharacterInString(offset):
            return "unescaped control character in JSON string at offset \(offset)"
        case let .invalidEscape(offset): return "invalid escape in JSON string at offset \(offset)"
        case let .invalidNumber(offset): return "invalid JSON number at offset \(offset)"
        case let .numberOutOfRange(offset): return "JSON number out of range at offset \(offset)"
        case let .duplicateKey(key): return "duplicate key in JSON object: \(key.debugDescription)"
        case let .trailingData(offset): return "trailing data after JSON value at offset \(offset)"
        case .nonFiniteNumber: return "NaN or infinity cannot be serialized as JSON"
        }
    }
}
