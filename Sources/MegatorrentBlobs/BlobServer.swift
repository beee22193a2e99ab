import MegatorrentCrypto
import MegatorrentSecureTransport
import MegatorrentWire
import Synchronization

/// Limits a blob server applies to each peer.
public struct BlobServerLimits: Sendable {
    /// Blobs a peer may get per second (sustained); requests over it wait. Default 512 (512 MiB/s).
    public var blobsPerSecond: Double = 512
    /// Blobs a peer may get at once before the rate applies.
    public var burst: Double = 64
    /// Most connections a standalone listener serves at once; more are sent GOODBYE 5 (busy).
    public var maxConnections = 64

    /// The defaults.
    public init() {}
}

/// Serves a blob store over the wire protocol's blob messages: BLOB_QUERY is answered with BLOB_HAVE, BLOB_GET with
/// BLOB_DATA (checked against its id on every read) or BLOB_MISSING. A corrupt blob is never served: it is removed
/// from the store and reported missing. Each peer is held to `limits` (a token bucket per static key).
public final class BlobServer: BlobResponder {
    /// The store served.
    public let store: BlobStore
    /// The per-peer limits.
    public let limits: BlobServerLimits
    private let buckets = Mutex([String: TokenBucket]())
    /// Blobs served, for tests and logs.
    public var served: Int { counters.withLock { $0 } }
    private let counters = Mutex(0)

    /// A server of `store` under `limits`.
    public init(store: BlobStore, limits: BlobServerLimits = BlobServerLimits()) {
        self.store = store
        self.limits = limits
    }

    public func answer(_ request: WireMessage, peer: String) async -> WireMessage? {
        switch request {
        case let .blobQuery(ids):
            return .blobHave(ids.filter { store.contains($0) })
        case let .blobGet(id):
            guard let message = await blobData(id, peer: peer), let (_, blob) = WireCodec.blobDataParts(message) else {
                return .blobMissing(id)
            }
            return .blobData(id, Array(blob))
        default:
            return nil
        }
    }

    /// The encoded answer; a BLOB_DATA message is read from the store straight into the message's bytes.
    public func encodedAnswer(_ request: WireMessage, peer: String) async -> [UInt8]? {
        guard case let .blobGet(id) = request else {
            guard let answer = await answer(request, peer: peer) else { return nil }
            return try? WireCodec.encode(answer)
        }
        return await blobData(id, peer: peer) ?? (try? WireCodec.encode(.blobMissing(id)))
    }

    /// The encoded BLOB_DATA message of blob `id` (type, id, sealed bytes: the store reads and checks the blob in place),
    /// once `peer` may get it; nil when the store lacks it or holds it corrupt (then it is removed).
    private func blobData(_ id: BlobID, peer: String) async -> [UInt8]? {
        await admit(peer)
        let header = 1 + id.bytes.count
        var outcome: Result<Int?, BlobError> = .success(nil)
        let message = [UInt8](unsafeUninitializedCapacity: header + BlobFormat.sealedSize) { buffer, count in
            buffer[0] = WireType.blobData
            _ = UnsafeMutableBufferPointer(rebasing: buffer[1..<header]).initialize(from: id.bytes)
            outcome = Result { () throws(BlobError) in
                try store.read(id, into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[header...])))
            }
            count = header + ((try? outcome.get()) ?? 0)
        }
        switch outcome {
        case .success(nil):
            return nil
        case .success:
            counters.withLock { $0 += 1 }
            return message
        case .failure:
            store.remove(id)  // corrupt on disk: never served; a later fetch can bring it back
            return nil
        }
    }

    /// Waits until `peer` may get one more blob.
    private func admit(_ peer: String) async {
        let wait = buckets.withLock { buckets -> Duration in
            var bucket = buckets[peer] ?? TokenBucket(rate: limits.blobsPerSecond, burst: limits.burst)
            let wait = bucket.take(now: .now)
            buckets[peer] = bucket
            return wait
        }
        if wait > .zero { try? await Task.sleep(for: wait) }
    }
}

/// A token bucket: `take` returns how long to wait before the token it took is due.
struct TokenBucket {
    let rate: Double
    let burst: Double
    var tokens: Double
    var last: ContinuousClock.Instant

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
        tokens = burst
        last = .now
    }

    mutating func take(now: ContinuousClock.Instant) -> Duration {
        let elapsed = now - last
        last = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        tokens = min(burst, tokens + seconds * rate)
        tokens -= 1
        return tokens >= 0 ? .zero : .seconds(-tokens / rate)
    }
}

/// A standalone listener speaking the wire protocol for blobs only: HELLO, then blob requests answered by a
/// ``BlobResponder``; FOLLOW and GET_PEERS are accepted and answered with nothing (no manifests here).
public final class BlobListener: Sendable {
    private let listener: SecureListener
    private let task: Task<Void, Never>
    /// The port bound.
    public var port: Int { listener.port }

    private init(listener: SecureListener, task: Task<Void, Never>) {
        self.listener = listener
        self.task = task
    }

    /// Listens on `host:port` (0: any) as `localStatic` and answers with `responder`.
    public static func start(
        host: String, port: Int, localStatic: X25519.PrivateKey, responder: any BlobResponder, maxConnections: Int = 64
    ) async throws -> BlobListener {
        let listener = try await SecureListener.bind(host: host, port: port, localStatic: localStatic)
        let active = ConnectionCount()
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                for await socket in listener.connections {
                    let admitted = active.admit(limit: maxConnections)
                    group.addTask {
                        if admitted {
                            await serve(socket, responder: responder)
                            active.release()
                        } else {
                            try? await socket.send(WireCodec.encode(.goodbye(code: GoodbyeCode.busy, reason: "too many peers")))
                            await socket.close()
                        }
                    }
                }
                group.cancelAll()
            }
        }
        return BlobListener(listener: listener, task: task)
    }

    /// Stops accepting and ends the connections.
    public func close() async {
        await listener.close()
        task.cancel()
    }

    /// Runs one connection: HELLO out, HELLO first in, then blob requests until the peer leaves.
    static func serve(_ socket: SecureSocket, responder: any BlobResponder) async {
        await conversation(socket, responder: responder)
        await socket.close()
    }

    private static func conversation(_ socket: SecureSocket, responder: any BlobResponder) async {
        let peer = Hex.encode(socket.remoteStatic)
        guard (try? await socket.send(WireCodec.encode(.hello(.init())))) != nil else { return }
        var helloDone = false
        while !Task.isCancelled, let bytes = try? await socket.receive() {
            guard let message = try? WireCodec.decode(bytes) else {
                _ = try? await socket.send(WireCodec.encode(.goodbye(code: GoodbyeCode.malformed, reason: "malformed message")))
                return
            }
            if !helloDone {
                guard case let .hello(hello) = message, hello.agreedVersion(with: .init()) != nil else {
                    _ = try? await socket.send(WireCodec.encode(.goodbye(code: GoodbyeCode.malformed, reason: "HELLO must come first")))
                    return
                }
                helloDone = true
                continue
            }
            switch message {
            case .goodbye: return
            case .hello: return
            case .getPeers:
                _ = try? await socket.send(WireCodec.encode(.peers([])))
            default:
                if let out = await responder.encodedAnswer(message, peer: peer) {
                    guard (try? await socket.send(out)) != nil else { return }
                }
            }
        }
    }
}

/// Connections being served, bounded.
final class ConnectionCount: Sendable {
    private let count = Mutex(0)

    /// Counts one more connection unless `limit` are open; whether it was admitted.
    func admit(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() { count.withLock { $0 -= 1 } }
}
