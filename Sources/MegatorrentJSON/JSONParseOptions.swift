/// Limits applied while parsing.
public struct JSONParseOptions: Sendable, Equatable {
    /// The highest accepted nesting of arrays and objects: a scalar has depth 0, `[]` depth 1,
    /// `[[]]` depth 2. Deeper input fails with ``JSONError/tooDeep``. Negative means 0; values
    /// above ``depthCeiling`` are lowered to it. Default 64.
    public var maxDepth: Int
    /// The largest accepted input, in bytes; longer input fails with ``JSONError/tooLarge``
    /// before any parsing. Default 1 MiB.
    public var maxBytes: Int

    /// The hard upper bound on ``maxDepth``. Parsing and comparing use no recursion, but
    /// releasing and serializing a ``JSONValue`` recurse once per level, so nesting stays
    /// bounded to keep those safe on small thread stacks (at this depth they need about
    /// 128 KiB of stack in optimized builds and 512 KiB in debug builds).
    public static let depthCeiling = 512

    /// Creates options; the defaults suit signed manifests.
    public init(maxDepth: Int = 64, maxBytes: Int = 1 << 20) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    /// The depth limit actually enforced.
    var effectiveMaxDepth: Int { min(max(maxDepth, 0), Self.depthCeiling) }
}
