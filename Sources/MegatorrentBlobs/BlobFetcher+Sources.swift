import MegatorrentWire

extension BlobFetcher {
    /// Asks every source at once (the first time only) which nodes hold the file; returns the new holders (not
    /// given peers, not this node, each record once, at most ``maxSourcedHolders``) and adds them to the
    /// candidates. A source that fails adds its reason to the search's failures.
    func askSources(_ descriptor: BlobID, _ search: inout HolderSearch) async -> [BlobPeer] {
        guard !search.askedSources, !sources.isEmpty else { return [] }
        search.askedSources = true
        let answers = await withTaskGroup(of: (Int, Swift.Result<[BlobPeer], any Error>).self) { group in
            for (number, source) in sources.enumerated() {
                group.addTask {
                    do { return (number, .success(try await source.holders(of: descriptor))) } catch { return (number, .failure(error)) }
                }
            }
            var answers = [Swift.Result<[BlobPeer], any Error>](repeating: .success([]), count: sources.count)
            for await (number, answer) in group { answers[number] = answer }
            return answers
        }
        // One candidate per record (address, port and key): a DHT source may pair one key with several addresses.
        var seen = Set(search.candidates)
        let me = dialer.localStatic.publicKey
        var added: [BlobPeer] = []
        for (source, answer) in zip(sources, answers) {
            switch answer {
            case let .success(holders):
                for holder in holders where added.count < Self.maxSourcedHolders && holder.staticKey != me && seen.insert(holder).inserted {
                    added.append(holder)
                }
            case let .failure(error):
                let reason = "\(error)"
                search.sourceFailures.append(reason.contains(source.label) ? reason : "\(source.label): \(reason)")
            }
        }
        search.candidates += added
        return added
    }
}

/// Where one download looks for holders: the given peers, the holders the sources named (asked once), those peer
/// exchange found (asked once), and why sources failed.
struct HolderSearch {
    /// The given peers, then the holders the sources named.
    var candidates: [BlobPeer]
    var askedSources = false
    var sourceFailures: [String] = []
    /// The holders peer exchange found, once it ran.
    var discovered: [BlobPeer]?

    init(given: [BlobPeer]) { candidates = given }
}
