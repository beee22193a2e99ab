/// Validation of the magnet URIs a manifest lists (BEP 9, with BEP 52's `urn:btmh`, and blob links).
///
/// A valid item is `magnet:?` followed by `&`-separated `key=value` parameters made only of
/// URI characters with well-formed percent escapes, and either
/// - a BitTorrent magnet: at least one exact topic (`xt`, or `xt.N`) and every exact topic one of
///   `urn:btih:` + 40 hex digits, `urn:btih:` + 32 base32 characters, or `urn:btmh:1220` + 64 hex
///   digits (a SHA-256 multihash); or
/// - a blob link (no exact topic): exactly what `BlobLink.parse` accepts.
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
        /// No exact topic, an `mtk` or `xs=urn:mtblob:` parameter, and not a valid blob link.
        case invalidBlobLink(BlobLink.Problem)

        /// One clear phrase.
        public var description: String {
            switch self {
            case let .tooLong(n): "magnet URI is \(n) bytes, over the limit of \(ManifestLimits.maxItemBytes)"
            case .notMagnet: "not a magnet URI (must start with \"magnet:?\")"
            case let .invalidCharacter(offset): "character not allowed in a URI at byte \(offset)"
            case let .badPercentEscape(offset): "malformed percent escape at byte \(offset)"
            case .emptyParameter: "empty parameter name"
            case .missingExactTopic: "no exact topic (xt=urn:btih:... or xt=urn:btmh:...) and not a blob link (xs=urn:mtblob:...&mtk=...)"
            case let .invalidExactTopic(value): "invalid exact topic \"\(value.prefix(80))\""
            case let .invalidBlobLink(problem): "\(problem)"
            }
        }
    }

    /// Throws the first problem found in `uri`, or returns when it is a valid magnet URI.
    public static func validate(_ uri: String) throws(Problem) {
        var uri = uri
        if let problem = uri.withUTF8({ bytes -> Problem? in
            do throws(Problem) { try validate(bytes) } catch { return error }
            return nil
        }) {
            throw problem
        }
    }

    /// Validates the UTF-8 bytes of a magnet URI in one pass over them.
    public static func validate(_ bytes: UnsafeBufferPointer<UInt8>) throws(Problem) {
        guard bytes.count <= ManifestLimits.maxItemBytes else { throw .tooLong(bytes.count) }
        guard hasPrefixIgnoringCase(bytes, magnetPrefix) else { throw .notMagnet }
        let problem: Problem? = byteClasses.withUnsafeBufferPointer { classes in
            var sawExactTopic = false
            var parameterStart = magnetPrefix.utf8CodeUnitCount
            var equals = -1
            var i = parameterStart
            let base = bytes.baseAddress!, end = bytes.count  // at least "magnet:?" long here
            scan: while i < end {
                // The common case, kept tight: runs of plain bytes, four at a time.
                while i &+ 4 <= end,
                    classes[Int(base[i])] & classes[Int(base[i &+ 1])] & classes[Int(base[i &+ 2])] & classes[Int(base[i &+ 3])]
                        & ByteClass.plain != 0
                {
                    i &+= 4
                }
                if i == end { break scan }
                var kind = classes[Int(base[i])] & ByteClass.scannerMask
                while kind == ByteClass.plain {
                    i &+= 1
                    if i == end { break scan }
                    kind = classes[Int(base[i])] & ByteClass.scannerMask
                }
                switch kind {
                case ByteClass.equals:
                    if equals < 0 { equals = i }
                    i += 1
                case ByteClass.ampersand:
                    if i > parameterStart {
                        do throws(Problem) { try finishParameter(bytes, parameterStart, equals, i, &sawExactTopic) } catch { return error }
                    }
                    i += 1
                    parameterStart = i
                    equals = -1
                case ByteClass.percent:
                    guard i + 2 < bytes.count, classes[Int(bytes[i + 1])] & ByteClass.hex != 0, classes[Int(bytes[i + 2])] & ByteClass.hex != 0 else { return .badPercentEscape(offset: i) }
                    i += 3
                default:
                    return .invalidCharacter(offset: i)
                }
            }
            if i > parameterStart {
                do throws(Problem) { try finishParameter(bytes, parameterStart, equals, i, &sawExactTopic) } catch { return error }
            }
            return sawExactTopic ? nil : .missingExactTopic
        }
        if problem == .missingExactTopic { try validateBlobLink(bytes) } else if let problem { throw problem }
    }

    /// An item with well-formed URI syntax and no exact topic: valid only as a blob link.
    private static func validateBlobLink(_ bytes: UnsafeBufferPointer<UInt8>) throws(Problem) {
        let text = String(decoding: bytes, as: UTF8.self)  // ASCII: the scan refused everything else
        guard BlobLink.claimsToBe(text.dropFirst(magnetPrefix.utf8CodeUnitCount)) else { throw .missingExactTopic }
        do { _ = try BlobLink.parse(text) } catch { throw .invalidBlobLink(error) }
    }

    /// What a byte means: the low bits are its meaning to the scanner, the high bits flags.
    private enum ByteClass {
        static let invalid: UInt8 = 0, plain: UInt8 = 1, ampersand: UInt8 = 2, percent: UInt8 = 4, equals: UInt8 = 8
        static let scannerMask: UInt8 = 0x0f
        /// A hex digit, either case.
        static let hex: UInt8 = 0x10
        /// A base32 digit (RFC 4648 alphabet), either case.
        static let base32: UInt8 = 0x20
    }

    /// The class of every byte value: RFC 3986 unreserved and reserved characters are plain, except
    /// the three the scanner acts on; everything else (controls, space, `"<>\\^`{|}`, non-ASCII) is
    /// invalid.
    private static let byteClasses: [UInt8] = {
        var table = [UInt8](repeating: ByteClass.invalid, count: 256)
        for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$'()*+,;".utf8 {
            table[Int(c)] = ByteClass.plain
        }
        table[Int(UInt8(ascii: "&"))] = ByteClass.ampersand
        table[Int(UInt8(ascii: "%"))] = ByteClass.percent
        table[Int(UInt8(ascii: "="))] = ByteClass.equals
        for c in "0123456789abcdefABCDEF".utf8 { table[Int(c)] |= ByteClass.hex }
        for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8 { table[Int(c)] |= ByteClass.base32 }
        return table
    }()

    private static func finishParameter(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ equals: Int, _ end: Int, _ sawExactTopic: inout Bool
    ) throws(Problem) {
        let keyEnd = equals < 0 ? end : equals
        guard keyEnd > start else { throw .emptyParameter }
        guard isExactTopicKey(UnsafeBufferPointer(rebasing: bytes[start..<keyEnd])) else { return }
        let value = UnsafeBufferPointer(rebasing: bytes[(equals < 0 ? end : equals + 1)..<end])
        guard isValidExactTopic(value) else { throw .invalidExactTopic(String(decoding: value, as: UTF8.self)) }
        sawExactTopic = true
    }

    /// `xt` or `xt.N`.
    private static func isExactTopicKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard key.count >= 2, key[0] == UInt8(ascii: "x"), key[1] == UInt8(ascii: "t") else { return false }
        if key.count == 2 { return true }
        guard key.count > 3, key[2] == UInt8(ascii: ".") else { return false }
        for i in 3..<key.count where key[i] < UInt8(ascii: "0") || key[i] > UInt8(ascii: "9") { return false }
        return true
    }

    private static let magnetPrefix: StaticString = "magnet:?"
    private static let btihPrefix: StaticString = "urn:btih:"
    private static let btmhPrefix: StaticString = "urn:btmh:"
    /// SHA-256 multihash header: code 0x12, length 0x20.
    private static let sha256MultihashHeader: StaticString = "1220"

    private static func isValidExactTopic(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        if hasPrefixIgnoringCase(value, btihPrefix) {
            let start = btihPrefix.utf8CodeUnitCount
            switch value.count - start {
            case 40: return all(value, from: start, ByteClass.hex)
            case 32: return all(value, from: start, ByteClass.base32)
            default: return false
            }
        }
        if hasPrefixIgnoringCase(value, btmhPrefix) {
            let start = btmhPrefix.utf8CodeUnitCount
            return value.count - start == 68 && all(value, from: start, ByteClass.hex)
                && hasPrefixIgnoringCase(UnsafeBufferPointer(rebasing: value[start...]), sha256MultihashHeader)
        }
        return false
    }

    /// True when every byte of `value` from `start` on has `flag` in its class.
    private static func all(_ value: UnsafeBufferPointer<UInt8>, from start: Int, _ flag: UInt8) -> Bool {
        byteClasses.withUnsafeBufferPointer { classes in
            for i in start..<value.count where classes[Int(value[i])] & flag == 0 { return false }
            return true
        }
    }

    /// True when `value` starts with `prefix` (lowercase ASCII), ignoring ASCII case in `value`.
    private static func hasPrefixIgnoringCase(_ value: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard value.count >= count else { return false }
        let expected = prefix.utf8Start
        for i in 0..<count where lowercased(value[i]) != expected[i] { return false }
        return true
    }

    @inline(__always) private static func lowercased(_ c: UInt8) -> UInt8 {
        c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c
    }

}
