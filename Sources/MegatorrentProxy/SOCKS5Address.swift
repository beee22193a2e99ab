#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A SOCKS5 address (RFC 1928 section 5): an IP address given as such, or a name the proxy resolves.
public enum SOCKS5Address: Equatable, Sendable, CustomStringConvertible {
    /// ATYP X'01': four bytes.
    case ipv4([UInt8])
    /// ATYP X'04': sixteen bytes.
    case ipv6([UInt8])
    /// ATYP X'03': a name of 1 to 255 bytes, resolved by the proxy, never here.
    case domain(String)

    /// `host` as an address: an IPv4 or IPv6 literal (`[v6]` brackets allowed) becomes an address,
    /// anything else a name for the proxy to resolve. Never consults DNS.
    public init(host: String) {
        var literal = Substring(host)
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = literal.dropFirst().dropLast() }
        if let v4 = Self.parseIPv4(literal) {
            self = .ipv4(v4)
        } else if literal.contains(":"), let v6 = Self.parseIPv6(String(literal)) {
            self = .ipv6(v6)
        } else {
            self = .domain(host)
        }
    }

    /// ATYP and the address bytes as they go on the wire; nil for a name that is empty or over 255 bytes.
    var encoded: [UInt8]? {
        switch self {
        case .ipv4(let bytes): return bytes.count == 4 ? [1] + bytes : nil
        case .ipv6(let bytes): return bytes.count == 16 ? [4] + bytes : nil
        case .domain(let name):
            let utf8 = Array(name.utf8)
            guard (1...255).contains(utf8.count) else { return nil }
            return [3, UInt8(utf8.count)] + utf8
        }
    }

    /// Dotted quad, RFC 5952-ish hex groups, or the name.
    public var description: String {
        switch self {
        case .ipv4(let bytes): return bytes.map(String.init).joined(separator: ".")
        case .ipv6(let bytes):
            return stride(from: 0, to: bytes.count - 1, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        case .domain(let name): return name
        }
    }

    /// Four decimal octets 0…255 without leading zeros (so "010.1.1.1" is a name, not octal).
    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || !part.hasPrefix("0"), let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    /// inet_pton(AF_INET6): a pure text-to-bytes conversion, no lookup.
    static func parseIPv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}

/// Where the proxy should connect: an address and a port.
public struct SOCKS5Target: Equatable, Sendable, CustomStringConvertible {
    /// The address (a name stays a name: the proxy resolves it).
    public var address: SOCKS5Address
    /// The TCP port.
    public var port: UInt16

    /// A target.
    public init(address: SOCKS5Address, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `host:port`, with `host` an IP literal or a name (see ``SOCKS5Address/init(host:)``).
    public init(host: String, port: UInt16) {
        self.init(address: SOCKS5Address(host: host), port: port)
    }

    /// `HOST:PORT` (`[v6]:PORT`).
    public var description: String {
        if case .ipv6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
    }
}

/// An RFC 1929 username and password (1 to 255 bytes each).
public struct SOCKS5Credentials: Equatable, Sendable {
    /// The username.
    public var username: String
    /// The password.
    public var password: String

    /// Credentials.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Fresh random credentials (32 hex digits each): a proxy that isolates streams by credentials
    /// (Tor's IsolateSOCKSAuth, on by default) gives each stream that uses them its own circuit.
    public static func random() -> SOCKS5Credentials {
        var generator = SystemRandomNumberGenerator()
        func hex() -> String {
            (0..<16).map { _ in
                let byte = UInt8.random(in: 0...255, using: &generator)
                return String(byte >> 4, radix: 16) + String(byte & 15, radix: 16)
            }.joined()
        }
        return SOCKS5Credentials(username: hex(), password: hex())
    }
}
