import Foundation

/// Writes a file of `size` pseudo-random bytes (a fixed xorshift sequence) at `path`.
func writeFile(_ path: String, size: Int) throws {
    var bytes = [UInt8](repeating: 0, count: size)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in 0..<size {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        bytes[i] = UInt8(truncatingIfNeeded: state)
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
