/// The bounds every manifest must keep. They are part of the protocol (docs/manifest.md): a
/// manifest over any of them is refused by every conforming implementation.
public enum ManifestLimits {
    /// Largest manifest, in bytes of UTF-8 JSON as received (1 MiB).
    public static let maxBytes = 1 << 20
    /// Deepest nesting of arrays and objects, unknown fields included.
    public static let maxDepth = 32
    /// Most collections in one manifest.
    public static let maxCollections = 1024
    /// Most items in one manifest, over all collections.
    public static let maxItems = 10_000
    /// Longest collection title, in UTF-8 bytes.
    public static let maxTitleBytes = 512
    /// Longest item (a magnet URI), in bytes.
    public static let maxItemBytes = 4096
    /// Largest sequence and timestamp: 2^53 - 1, exact in every JSON number model.
    public static let maxInteger: UInt64 = (1 << 53) - 1
}
