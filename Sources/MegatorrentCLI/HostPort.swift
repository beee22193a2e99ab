import ArgumentParser

/// `HOST:PORT` or `[IPv6]:PORT`.
struct HostPort: Equatable {
    let host: String
    let port: Int

    init(parsing text: String, option: String) throws {
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") {
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            throw ValidationError("\(option) \(text): expected HOST:PORT")
        }
        guard !host.isEmpty, let number = Int(port), (0...65_535).contains(number) else {
            throw ValidationError("\(option) \(text): expected HOST:PORT with a port in 0...65535")
        }
        self.host = String(host)
        self.port = number
    }

    /// Whether the host is a loopback address (127.0.0.0/8, ::1, localhost).
    var isLoopback: Bool { host.hasPrefix("127.") || host == "::1" || host == "localhost" }
}
