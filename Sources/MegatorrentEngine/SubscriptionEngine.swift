import Foundation
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentState

/// The one place manifests from every source (trackers, the DHT, peers) are judged: strict
/// validation, the followed channels, the last sequence persisted (the highest valid one wins),
/// equivocation kept as evidence and reported. Listeners get `EngineEvent`s.
public actor SubscriptionEngine {
    private let ledger: ChannelLedger
    private let subscriptions: SubscriptionStore
    private let manifests: ManifestStore
    private let clock: @Sendable () -> Int64
    private var listeners: [UUID: AsyncStream<EngineEvent>.Continuation] = [:]

    /// An engine over the state database; `clock` gives ms since the epoch (injectable for tests).
    public init(database: StateDatabase, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        ledger = ChannelLedger(database: database)
        subscriptions = SubscriptionStore(database: database)
        manifests = ManifestStore(database: database)
        self.clock = clock
    }

    /// Follows a channel (kept across restarts).
    public func follow(_ key: Ed25519.PublicKey) throws(StateError) {
        try subscriptions.add(channel: key.hex, at: clock())
    }

    /// Stops following a channel.
    public func unfollow(_ key: Ed25519.PublicKey) throws(StateError) {
        try subscriptions.remove(channel: key.hex)
    }

    /// The followed channels.
    public func followed() throws(StateError) -> [String] { try subscriptions.channels() }

    /// The newest manifest held for a channel.
    public func latest(_ key: Ed25519.PublicKey) throws -> SignedManifest? {
        try manifests.latest(channel: key.hex)?.manifest
    }

    /// The newest manifest held for a channel with its sidecar signature (the BEP 44 signature of its DHT pointer),
    /// when one was kept.
    public func latestRecord(_ key: Ed25519.PublicKey) throws -> ManifestStore.Record? {
        try manifests.latest(channel: key.hex)
    }

    /// Every channel's newest manifest held, with its sidecar signature when one was kept (one unreadable record
    /// is skipped).
    public func heldRecords() throws(StateError) -> [ManifestStore.Record] {
        try manifests.channels().compactMap { try? manifests.latest(channel: $0) }
    }

    /// Keeps the author's BEP 44 signature of `manifest`'s DHT pointer (its sidecar) beside the held manifest, so the
    /// node can re-put the pointer without the key. Stores `manifest` first when nothing newer is held (the author's
    /// own publication need not be followed). Returns whether anything was stored.
    @discardableResult
    public func keepSidecar(_ itemSignature: [UInt8], for manifest: SignedManifest) throws(StateError) -> Bool {
        try manifests.store(manifest, itemSignature: itemSignature, at: clock())
    }

    /// A stream of every event from now on; it ends when the caller stops iterating.
    public func events() -> AsyncStream<EngineEvent> {
        let (stream, continuation) = AsyncStream<EngineEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = UUID()
        listeners[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeListener(id) }
        }
        return stream
    }

    private func removeListener(_ id: UUID) { listeners[id] = nil }

    /// Judges manifest bytes from `source`.
    @discardableResult
    public func offer(_ bytes: [UInt8], from source: ManifestSource) throws -> OfferOutcome {
        let manifest: SignedManifest
        do {
            manifest = try ManifestVerifier.verify(bytes)
        } catch {
            publish(.refused(channel: Self.channelHint(bytes), reason: error, source: source))
            return .invalid(error)
        }
        return try offer(manifest, from: source)
    }

    /// Judges a manifest already verified (by a transport that had to parse it anyway).
    @discardableResult
    public func offer(_ manifest: SignedManifest, from source: ManifestSource) throws -> OfferOutcome {
        guard try subscriptions.contains(channel: manifest.channelID) else { return .notFollowed }
        switch try ledger.accept(manifest, at: clock()) {
        case let .accepted(previous):
            publish(.updated(manifest, previous: previous, source: source))
            return .updated
        case .duplicate:
            return .duplicate
        case let .stale(last):
            return .stale(last: last)
        case let .equivocation(held):
            publish(.equivocation(held: held, offered: manifest, source: source))
            return .equivocation
        }
    }

    private func publish(_ event: EngineEvent) {
        for continuation in listeners.values { continuation.yield(event) }
    }

    /// The `publicKey` of a refused manifest when it can be read, for reporting.
    private static func channelHint(_ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes.prefix(ManifestLimits.maxBytes), as: UTF8.self),
            let range = text.range(of: #""publicKey":\s*"([0-9a-f]{64})""#, options: .regularExpression)
        else { return nil }
        return String(text[range].suffix(65).prefix(64))
    }
}
