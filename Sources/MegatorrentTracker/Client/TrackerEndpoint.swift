/// Where a tracker's WebSocket endpoint is: host, port and path of a `ws://` or `wss://` URL.
public struct TrackerEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// The request path, `/` by default.
    public var path: String
    /// Whether the WebSocket runs over TLS (`wss://`).
    public var isSecure: Bool

    /// An endpoint (`wss://` when `isSecure`).
    public init(host: String, port: Int, path: String = "/", isSecure: Bool = false) {
        self.host = host
        self.port = port
        self.path = path
        self.isSecure = isSecure
    }

    /// Reads `ws://host[:port][/path]` (port 80 by default) or `wss://host[:port][/path]` (port 443
    /// by default); `[v6]` hosts allowed.
    public init(url: String) throws(TrackerClientError) {
        let lowered = url.lowercased()
        let rest: Substring
        if lowered.hasPrefix("ws://") {
            isSecure = false
            rest = url.dropFirst(5)
        } else if lowered.hasPrefix("wss://") {
            isSecure = true
            rest = url.dropFirst(6)
        } else {
            throw .invalidURL(url)
        }
        let defaultPort = isSecure ? 443 : 80
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        path = slash < rest.endIndex ? String(rest[slash...]) : "/"
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(url) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                port = defaultPort
            } else {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()) else { throw .invalidURL(url) }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]) else { throw .invalidURL(url) }
            port = p
        } else {
            host = String(authority)
            port = defaultPort
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw .invalidURL(url) }
    }

    /// The `ws://` or `wss://` URL.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(isSecure ? "wss" : "ws")://\(shownHost):\(port)\(path)"
    }

    /// Whether `host` is an IPv4 or IPv6 address (not sent as SNI; checked against the certificate's IP names).
    var hostIsIPAddress: Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in UInt8(part) != nil }
    }
}
