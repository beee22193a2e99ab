import NIOConcurrencyHelpers
import NIOCore

/// The in-memory swarms of the HTTP tracker: peers per info hash, each dropped when it has not
/// announced for ``TrackerConfiguration/peerLifetime``. Shared by every event loop; bounded in
/// swarms and in peers per swarm.
final class SwarmTable: Sendable {
    /// A peer's address and port: what identifies it in a swarm.
    struct Endpoint: Hashable, Sendable {
        let address: PeerAddress
        let port: UInt16
    }

    /// One peer in a swarm.
    struct Peer: Sendable {
        let endpoint: Endpoint
        let peerID: [UInt8]
        /// The Noise static key it gave (`mtkey`), if any.
        var staticKey: [UInt8]? = nil
        let isSeed: Bool
        let expires: NIODeadline
    }

    /// Counts for a swarm (BEP 48's names).
    struct Stats: Sendable, Equatable {
        var complete = 0
        var incomplete = 0
        var downloaded = 0
    }

    /// The answer to an announce.
    struct Reply: Sendable {
        let stats: Stats
        let peers: [Peer]
    }

    /// Why an announce was not taken.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case tooManySwarms, swarmFull

        var description: String {
            switch self {
            case .tooManySwarms: "tracker full: too many torrents"
            case .swarmFull: "tracker full: too many peers in this torrent"
            }
        }
    }

    private struct Swarm {
        var peers: [Endpoint: Peer] = [:]
        var seeds = 0
        var downloaded = 0

        var stats: Stats { Stats(complete: seeds, incomplete: peers.count - seeds, downloaded: downloaded) }

        mutating func remove(_ endpoint: Endpoint) -> Bool {
            guard let old = peers.removeValue(forKey: endpoint) else { return false }
            if old.isSeed { seeds -= 1 }
            return true
        }
    }

    private struct State {
        var swarms: [[UInt8]: Swarm] = [:]
        var peerCount = 0
    }

    private let state = NIOLockedValueBox(State())
    private let configuration: TrackerConfiguration

    init(configuration: TrackerConfiguration) { self.configuration = configuration }

    /// Records an announce from `address` and picks peers for it: others than itself, not
    /// expired, and only leechers for a seed.
    func announce(_ request: AnnounceRequest, from address: PeerAddress, now: NIODeadline) -> Result<Reply, Refusal> {
        let endpoint = Endpoint(address: address, port: request.port)
        let configuration = self.configuration
        let wanted = min(max(request.numwant ?? configuration.defaultPeersPerReply, 0), configuration.maxPeersPerReply)
        return state.withLockedValue { state -> Result<Reply, Refusal> in
            if request.event == .stopped {
                guard var swarm = state.swarms[request.infoHash] else {
                    return .success(Reply(stats: Stats(), peers: []))
                }
                if swarm.remove(endpoint) { state.peerCount -= 1 }
                state.swarms[request.infoHash] = swarm.peers.isEmpty ? nil : swarm
                return .success(Reply(stats: swarm.stats, peers: []))
            }
            if state.swarms[request.infoHash] == nil, state.swarms.count >= configuration.maxSwarms {
                return .failure(.tooManySwarms)
            }
            var swarm = state.swarms.removeValue(forKey: request.infoHash) ?? Swarm()
            defer { state.swarms[request.infoHash] = swarm }
            if !swarm.remove(endpoint) {
                guard swarm.peers.count < configuration.maxPeersPerSwarm else { return .failure(.swarmFull) }
                state.peerCount += 1
            }
            let isSeed = request.left == 0
            swarm.peers[endpoint] = Peer(
                endpoint: endpoint, peerID: request.peerID, staticKey: request.staticKey, isSeed: isSeed,
                expires: now + configuration.peerLifetime)
            if isSeed { swarm.seeds += 1 }
            if request.event == .completed { swarm.downloaded += 1 }

            var candidates = swarm.peers.values.filter {
                $0.endpoint != endpoint && $0.expires > now && !(isSeed && $0.isSeed)
            }
            if candidates.count > wanted {
                candidates.shuffle()
                candidates.removeSubrange(wanted...)
            }
            return .success(Reply(stats: swarm.stats, peers: candidates))
        }
    }

    /// The counts of each asked swarm (zeros for an unknown one), in the order asked.
    func scrape(_ infoHashes: [[UInt8]]) -> [(infoHash: [UInt8], stats: Stats)] {
        state.withLockedValue { state in infoHashes.map { ($0, state.swarms[$0]?.stats ?? Stats()) } }
    }

    /// Drops the peers whose time ran out, and swarms left empty.
    func expire(now: NIODeadline) {
        state.withLockedValue { state in
            for hash in Array(state.swarms.keys) {
                guard var swarm = state.swarms[hash] else { continue }
                let expired = swarm.peers.values.filter { $0.expires <= now }.map(\.endpoint)
                guard !expired.isEmpty else { continue }
                for endpoint in expired where swarm.remove(endpoint) { state.peerCount -= 1 }
                state.swarms[hash] = swarm.peers.isEmpty ? nil : swarm
            }
        }
    }

    /// Swarms and peers held.
    var counts: (swarms: Int, peers: Int) { state.withLockedValue { ($0.swarms.count, $0.peerCount) } }
}
