/// A strict RFC 8259 JSON parser.
///
/// It accepts exactly the RFC 8259 grammar over valid UTF-8 (no byte order mark, comments,
/// trailing commas, NaN or Infinity, leading zeros, `+` signs, `.5` or `1.`), any value at the
/// top level, whitespace only as space, tab, LF and CR, and nothing but whitespace after the
/// value. Strings must be valid UTF-8 without raw control characters, and `\u` escapes must not
/// leave a surrogate unpaired. Duplicate keys in one object (compared by code points) are
/// refused. Numbers become correctly rounded `Double`s; one that rounds to infinity is refused.
///
/// Parsing never traps and uses no recursion: nesting and size are bounded by
/// ``JSONParseOptions``.
public enum JSONParser {
    /// Parses one JSON document from `bytes`.
    ///
    /// - Throws: ``JSONError`` when the input is not a strict JSON document or exceeds the
    ///   limits in `options`.
    public static func parse<Bytes: Collection>(
        _ bytes: Bytes, options: JSONParseOptions = JSONParseOptions()
    ) throws(JSONError) -> JSONValue where Bytes.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ parseResult($0, options: options) }) {
            return try result.get()
        }
        guard bytes.count <= max(options.maxBytes, 0) else { throw .tooLarge }
        return try Array(bytes).withUnsafeBufferPointer { parseResult($0, options: options) }.get()
    }

    /// Parses one JSON document from raw memory.
    ///
    /// - Throws: ``JSONError`` when the input is not a strict JSON document or exceeds the
    ///   limits in `options`.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, options: JSONParseOptions = JSONParseOptions()
    ) throws(JSONError) -> JSONValue {
        try bytes.withMemoryRebound(to: UInt8.self) { parseResult($0, options: options) }.get()
    }

    /// Parses the UTF-8 form of `text` (a convenience for tests and literals).
    ///
    /// - Throws: ``JSONError`` when the text is not a strict JSON document or exceeds the
    ///   limits in `options`.
    public static func parse(
        _ text: String, options: JSONParseOptions = JSONParseOptions()
    ) throws(JSONError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parseResult($0, options: options) }.get()
    }

    static func parseResult(
        _ buffer: UnsafeBufferPointer<UInt8>, options: JSONParseOptions
    ) -> Result<JSONValue, JSONError> {
        guard buffer.count <= max(options.maxBytes, 0) else { return .failure(.tooLarge) }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .failure(.unexpectedEnd) }
        var parser = Parser(base: base, end: buffer.count, maxDepth: options.effectiveMaxDepth)
        do {
            return .success(try parser.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}
