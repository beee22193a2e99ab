/// Runs `body` over the bytes of `bytes`, keeping `body`'s typed error (Array's own
/// `withUnsafeBytes` only rethrows untyped errors).
func withBytes<R, E: Error>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    let result: Result<R, E> = bytes.withUnsafeBytes { buffer in Result { () throws(E) -> R in try body(buffer) } }
    return try result.get()
}

/// Runs `body` over the mutable bytes of `bytes`, keeping `body`'s typed error.
func withMutableBytes<R, E: Error>(_ bytes: inout [UInt8], _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
    let result: Result<R, E> = bytes.withUnsafeMutableBytes { buffer in Result { () throws(E) -> R in try body(buffer) } }
    return try result.get()
}
