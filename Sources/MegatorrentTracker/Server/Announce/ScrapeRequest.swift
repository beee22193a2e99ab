/// A BEP 48 scrape: the info hashes named by `info_hash` parameters of `GET /scrape`.
struct ScrapeRequest: Sendable, Equatable {
    /// The 20-byte info hashes asked for, without repeats, in request order.
    var infoHashes: [[UInt8]]

    /// The scrape in a query string; at most `limit` hashes.
    static func parse(query: Substring, limit: Int) throws(AnnounceRequest.Problem) -> ScrapeRequest {
        guard let pairs = QueryString.pairs(query) else { throw .malformedQuery }
        var hashes: [[UInt8]] = []
        for pair in pairs where pair.name == "info_hash" {
            guard pair.value.count == 20 else { throw .invalid("info_hash") }
            if !hashes.contains(pair.value) { hashes.append(pair.value) }
        }
        // A full scrape (no info_hash) is not offered: it would list every swarm.
        guard !hashes.isEmpty else { throw .missing("info_hash") }
        guard hashes.count <= limit else { throw .invalid("info_hash (more than \(limit))") }
        return ScrapeRequest(infoHashes: hashes)
    }
}
