/// Where a tracker's WebSocket endpoint is: host, port and path of a `ws://` URL.
public struct TrackerEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// The request path, `/` by default.
    public var path: String

    /// An endpoint.
    public init(host: String, port: Int, path: String = "/") {
        self.host = host
        self.port = port
        self.path = path
    }

    /// Reads `ws://host[:port][/path]` (port 80 by default; `[v6]` hosts allowed). `wss://` is not
    /// supported yet.
    public init(url: String) throws(TrackerClientError) {
        guard url.lowercased().hasPrefix("ws://") else { throw .invalidURL(url) }
        let rest = url.dropFirst(5)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        path = slash < rest.endIndex ? String(rest[slash...]) : "/"
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(url) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                port = 80
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
            port = 80
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw .invalidURL(url) }
    }

    /// The `ws://` URL.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "ws://\(shownHost):\(port)\(path)"
    }
}
