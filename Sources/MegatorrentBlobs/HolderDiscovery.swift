import MegatorrentCrypto
import MegatorrentWire

/// Finds more holders of blobs through the peers a fetcher knows: one hop of peer exchange (docs/blobs.md, "Finding
/// holders"). Each known peer is asked GET_PEERS; each node its PEERS answer names (and that is not known already) is
/// asked BLOB_QUERY with the wanted ids; those whose BLOB_HAVE is not empty hold some of them.
enum HolderDiscovery {
    /// How long a peer has to answer GET_PEERS or BLOB_QUERY.
    static let answerTimeout: Duration = .seconds(5)
    /// At most this many candidates are asked.
    static let maxCandidates = 64

    /// The nodes that hold at least one of `ids` (at most `WireLimits.maxBlobIds` are asked about), among those the
    /// `known` peers name; `known` themselves are not asked again.
    static func holders(of ids: [BlobID], through known: [BlobPeer], dialer: BlobDialer) async -> [BlobPeer] {
        let wanted = Array(ids.prefix(WireLimits.maxBlobIds))
        guard !wanted.isEmpty else { return [] }
        let named = await candidates(through: known, dialer: dialer)
        return await withTaskGroup(of: BlobPeer?.self) { group in
            for candidate in named {
                group.addTask { await holds(candidate, any: wanted, dialer: dialer) ? candidate : nil }
            }
            var found: [BlobPeer] = []
            for await holder in group { if let holder { found.append(holder) } }
            // In the order the peers named them, so the result does not depend on which answered first.
            return named.filter { found.contains($0) }
        }
    }

    /// The distinct records the `known` peers give, minus the known peers and this node itself.
    static func candidates(through known: [BlobPeer], dialer: BlobDialer) async -> [BlobPeer] {
        let lists = await withTaskGroup(of: (Int, [PeerRecord]).self) { group in
            for (number, peer) in known.enumerated() {
                group.addTask { (number, await records(from: peer, dialer: dialer)) }
            }
            var lists = [[PeerRecord]](repeating: [], count: known.count)
            for await (number, records) in group { lists[number] = records }
            return lists
        }
        var seen = Set(known.map(\.staticKey) + [dialer.localStatic.publicKey])
        var result: [BlobPeer] = []
        for record in lists.joined() where result.count < maxCandidates && seen.insert(record.staticKey).inserted {
            result.append(BlobPeer(host: record.host, port: Int(record.port), staticKey: record.staticKey))
        }
        return result
    }

    /// `peer`'s answer to GET_PEERS; empty when it cannot be reached or does not answer in time.
    static func records(from peer: BlobPeer, dialer: BlobDialer) async -> [PeerRecord] {
        await exchange(with: peer, dialer: dialer, request: .getPeers) { message in
            if case let .peers(records) = message { return records }
            return nil
        } ?? []
    }

    /// Whether `peer` answers BLOB_QUERY for `ids` with a BLOB_HAVE naming at least one of them.
    static func holds(_ peer: BlobPeer, any ids: [BlobID], dialer: BlobDialer) async -> Bool {
        await exchange(with: peer, dialer: dialer, request: .blobQuery(ids)) { message in
            if case let .blobHave(held) = message { return held.contains { ids.contains($0) } }
            return nil
        } ?? false
    }

    /// Connects to `peer`, sends `request` and returns the first answer `match` recognises (other messages, such as a
    /// gossip node's HELLO and FOLLOW, are skipped); nil when unreachable, closed or not answered in time.
    private static func exchange<Answer: Sendable>(
        with peer: BlobPeer, dialer: BlobDialer, request: WireMessage,
        match: @escaping @Sendable (WireMessage) -> Answer?
    ) async -> Answer? {
        guard let connection = try? await dialer.open(peer) else { return nil }
        let answer = await withTaskGroup(of: Answer?.self) { group in
            group.addTask {
                guard (try? await connection.send(request)) != nil else { return nil }
                while let message = try? await connection.receive() {
                    if let answer = match(message) { return answer }
                    if case .goodbye = message { return nil }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: answerTimeout)
                return nil
            }
            let first = await group.next() ?? nil
            await connection.close()  // ends a receive still waiting
            group.cancelAll()
            return first
        }
        return answer
    }
}
