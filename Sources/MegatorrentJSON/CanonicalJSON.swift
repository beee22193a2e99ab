/// RFC 8785 JSON Canonicalization Scheme (JCS) serialization.
///
/// Output has no whitespace; object members are sorted by their keys' UTF-16 code units
/// (recursively, arrays keep their order); strings escape only `"`, `\` and control characters
/// (`\b \f \n \r \t`, others as `\u00xx` in lowercase hex) and carry everything else, `/` and
/// U+2028 included, as raw UTF-8; numbers use ECMAScript's Number::toString
/// (``ECMAScriptNumber``).
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    ///
    /// Total on every value: a NaN or infinite number (which the parser never produces) is
    /// written as `null`, as ECMAScript's `JSON.stringify` does, and an object built with two
    /// byte-identical keys keeps both, in their original relative order. Use
    /// ``serializeStrict(_:)`` to refuse such values instead. Recursion depth equals the
    /// value's nesting depth.
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var writer = CanonicalWriter(capacity: 1024)
        writer.write(value)
        return writer.bytes()
    }

    /// The canonical UTF-8 bytes of `value`, refusing what RFC 8785 cannot represent.
    ///
    /// - Throws: ``JSONError/nonFiniteNumber`` for a NaN or infinite number,
    ///   ``JSONError/duplicateKey(_:)`` for an object with two byte-identical keys.
    public static func serializeStrict(_ value: JSONValue) throws(JSONError) -> [UInt8] {
        var writer = CanonicalWriter(capacity: 1024)
        writer.write(value)
        if writer.sawNonFinite { throw .nonFiniteNumber }
        if let key = writer.duplicateKey { throw .duplicateKey(key) }
        return writer.bytes()
    }

    /// Parses `bytes` strictly (``JSONParser``) and returns their canonical form.
    ///
    /// - Throws: any ``JSONError`` from parsing.
    public static func canonicalize<Bytes: Collection>(
        _ bytes: Bytes, options: JSONParseOptions = JSONParseOptions()
    ) throws(JSONError) -> [UInt8] where Bytes.Element == UInt8 {
        let value = try JSONParser.parse(bytes, options: options)
        var writer = CanonicalWriter(capacity: bytes.underestimatedCount)
        writer.write(value)
        return writer.bytes()
    }
}
