import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A peer's IP address as raw bytes: 4 for IPv4 (IPv4-mapped IPv6 included), 16 for IPv6.
struct PeerAddress: Hashable, Sendable {
    /// The address bytes, network order.
    let bytes: [UInt8]

    /// The address of a socket address; nil for a Unix socket.
    init?(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4)?:
            var raw = v4.address.sin_addr
            bytes = withUnsafeBytes(of: &raw) { Array($0) }
        case .v6(let v6)?:
            var raw = v6.address.sin6_addr
            let all = withUnsafeBytes(of: &raw) { Array($0) }
            let mapped = all[0..<10].allSatisfy { $0 == 0 } && all[10] == 0xff && all[11] == 0xff
            bytes = mapped ? Array(all[12..<16]) : all
        default:
            return nil
        }
    }

    /// An address from raw bytes (4 or 16).
    init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16, "an IP address is 4 or 16 bytes")
        self.bytes = bytes
    }

    /// Whether this is an IPv4 address.
    var isIPv4: Bool { bytes.count == 4 }

    /// The textual form: dotted quad, or IPv6 as inet_ntop writes it.
    var text: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The name rate limits count under: the address for IPv4, its /64 prefix for IPv6 (one host
    /// usually holds a whole /64).
    var rateLimitName: String {
        if isIPv4 { return text }
        return bytes[0..<8].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "/64"
    }
}
