/// A SOCKS5 proxy that every outgoing TCP connection goes through, read from
/// `socks5://[USER:PASS@]HOST:PORT[?isolate=1]`.
///
/// Names given as connection targets are sent to the proxy (SOCKS5 DOMAINNAME) and never resolved
/// here. `socks5h://` is accepted as a synonym (curl's spelling for the same behaviour).
public struct ProxyConfiguration: Equatable, Sendable, CustomStringConvertible {
    /// The proxy's host: an IP literal, or a name (the only name this side ever resolves).
    public var host: String
    /// The proxy's TCP port.
    public var port: Int
    /// RFC 1929 credentials, when the proxy wants them.
    public var credentials: SOCKS5Credentials?
    /// Give every connection its own random username and password (when no credentials are set),
    /// so a proxy that isolates by credentials (Tor) uses a separate circuit for each.
    public var isolateStreams: Bool

    /// A proxy.
    public init(host: String, port: Int, credentials: SOCKS5Credentials? = nil, isolateStreams: Bool = false) {
        self.host = host
        self.port = port
        self.credentials = credentials
        self.isolateStreams = isolateStreams
    }

    /// Reads `socks5://[USER:PASS@]HOST:PORT[?isolate=1]`. USER and PASS may be percent-encoded
    /// (`%40` for `@`, `%3A` for `:`); HOST may be `[v6]`; the port is required.
    public init(url: String) throws(ProxyConfigurationError) {
        let lower = url.lowercased()
        let scheme = ["socks5://", "socks5h://"].first { lower.hasPrefix($0) }
        guard let scheme else { throw .init("a SOCKS5 proxy URL starts with socks5://: \(Self.redacted(url))") }
        var rest = Substring(url.dropFirst(scheme.count))
        var isolate = false
        if let question = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: question)...]
            rest = rest[..<question]
            for item in query.split(separator: "&") {
                switch item.lowercased() {
                case "isolate", "isolate=1", "isolate=true": isolate = true
                case "isolate=0", "isolate=false": isolate = false
                default: throw .init("unknown option \(item.prefix(40)) in the proxy URL (known: isolate=1)")
                }
            }
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/") else { throw .init("a SOCKS5 proxy URL has no path: \(Self.redacted(url))") }
        var credentials: SOCKS5Credentials?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = userinfo.firstIndex(of: ":") else {
                throw .init("the proxy URL's credentials must be USER:PASS")
            }
            guard let user = Self.percentDecoded(userinfo[..<colon]),
                let password = Self.percentDecoded(userinfo[userinfo.index(after: colon)...])
            else { throw .init("bad percent-encoding in the proxy URL's credentials") }
            guard (1...255).contains(user.utf8.count), (1...255).contains(password.utf8.count) else {
                throw .init("the proxy's username and password must be 1 to 255 bytes each")
            }
            credentials = SOCKS5Credentials(username: user, password: password)
        }
        let host: String, portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                throw .init("the proxy URL needs [IPv6]:PORT: \(Self.redacted(url))")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            portText = rest[rest.index(close, offsetBy: 2)...]
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw .init("the proxy URL needs a port: \(Self.redacted(url))") }
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .init("the proxy URL has no host: \(Self.redacted(url))") }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .init("the proxy URL's port must be 1 to 65535: \(Self.redacted(url))")
        }
        self.init(host: host, port: port, credentials: credentials, isolateStreams: isolate)
    }

    /// The credentials for one new connection: the configured ones, or fresh random ones when
    /// streams are isolated, or none.
    public func credentialsForNewStream() -> SOCKS5Credentials? {
        if let credentials { return credentials }
        return isolateStreams ? .random() : nil
    }

    /// The URL with the password hidden: `socks5://alice:***@127.0.0.1:1080`.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let user = credentials.map { "\(Self.percentEncoded($0.username)):***@" } ?? ""
        return "socks5://\(user)\(shownHost):\(port)" + (isolateStreams ? "?isolate=1" : "")
    }

    /// `url` without what sits between `://` and `@` (for error messages).
    private static func redacted(_ url: String) -> String {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://"), let at = url.lastIndex(of: "@"),
            at > colon
        else { return String(url.prefix(200)) }
        let afterScheme = url.index(colon, offsetBy: 3)
        return String((url[..<afterScheme] + "***" + url[at...]).prefix(200))
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.next().flatMap(Self.hexValue), let low = utf8.next().flatMap(Self.hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) || "-._~".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

/// A proxy URL that cannot be used, with the reason.
public struct ProxyConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Why (the password never appears in it).
    public let description: String

    init(_ description: String) { self.description = description }
}
