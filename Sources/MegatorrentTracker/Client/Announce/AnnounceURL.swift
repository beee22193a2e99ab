/// Where a tracker's HTTP announce endpoint is (BEP 3): an `http://` or `https://` announce URL taken as given, or
/// the `ws://` / `wss://` URL of one of our trackers, whose announce endpoint is `/announce` on the same port
/// (docs/tracker.md, "Endpoints").
public struct AnnounceURL: Sendable, Equatable, CustomStringConvertible {
    /// Host, port, the request path (which may carry a query, e.g. a passkey) and whether it is `https://`.
    public let endpoint: TrackerEndpoint

    /// Reads `http[s]://HOST[:PORT][/PATH]` (ports 80 and 443 by default; the path defaults to `/announce`) or
    /// `ws[s]://HOST[:PORT][/PATH]` (the path is replaced by `/announce`).
    public init(url: String) throws(AnnounceError) {
        let lowered = url.lowercased()
        var parsed: TrackerEndpoint
        do {
            if lowered.hasPrefix("http://") {
                parsed = try TrackerEndpoint(url: "ws://" + url.dropFirst(7))
            } else if lowered.hasPrefix("https://") {
                parsed = try TrackerEndpoint(url: "wss://" + url.dropFirst(8))
            } else if lowered.hasPrefix("ws://") || lowered.hasPrefix("wss://") {
                parsed = try TrackerEndpoint(url: url)
                parsed.path = "/announce"
            } else {
                throw AnnounceError.invalidURL(url)
            }
        } catch {
            throw .invalidURL(url)
        }
        if parsed.path == "/" { parsed.path = "/announce" }
        guard !parsed.path.contains("#"), parsed.path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw .invalidURL(url)
        }
        endpoint = parsed
    }

    /// The `http://` or `https://` URL.
    public var description: String {
        let shownHost = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        return "\(endpoint.isSecure ? "https" : "http")://\(shownHost):\(endpoint.port)\(endpoint.path)"
    }

    /// The request target for `query`: the path, then `?` (or `&` when the path has a query already) and the query.
    func target(_ query: AnnounceQuery) -> String {
        endpoint.path + (endpoint.path.contains("?") ? "&" : "?") + query.queryString
    }
}
