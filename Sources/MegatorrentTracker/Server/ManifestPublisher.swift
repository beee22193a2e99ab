import Foundation
import Logging
import MegatorrentManifest
import MegatorrentState
import NIOConcurrencyHelpers
import NIOCore

/// What became of a publish.
enum PublishOutcome: Sendable {
    /// Verified and committed; `held` is the manifest message to broadcast.
    case stored(key: String, sequence: UInt64, held: SubscriptionRegistry.Held)
    /// Refused, with the failure to send back.
    case refused(TrackerFailure)
}

/// Verifies, rate-limits and commits published manifests, and reads held ones back. Its methods
/// block (signature checks, SQLite with synchronous=FULL): call them on worker threads only.
final class ManifestPublisher: Sendable {
    private let store: ManifestStore
    private let keyLimiter: RateLimiter
    private let clock: @Sendable () -> NIODeadline
    private let logger: Logger
    /// The highest sequence known to be committed per key, so a replay of an old manifest is
    /// refused without touching the database or the key's token bucket (a replay flood cannot
    /// starve the author).
    private let committed = NIOLockedValueBox<[String: UInt64]>([:])
    private static let maxRemembered = 200_000
    private let onStored: @Sendable (SignedManifest) -> Void

    init(
        store: ManifestStore, keyLimit: RateLimit, clock: @escaping @Sendable () -> NIODeadline, logger: Logger,
        onStored: @escaping @Sendable (SignedManifest) -> Void = { _ in }
    ) {
        self.store = store
        self.onStored = onStored
        self.keyLimiter = RateLimiter(limit: keyLimit)
        self.clock = clock
        self.logger = logger
    }

    /// Verifies the manifest in `bytes`, checks it is newer than the held one and within the key's
    /// rate, and commits it. Returns only after the commit (or the refusal).
    func publish(_ bytes: [UInt8]) -> PublishOutcome {
        let manifest: SignedManifest
        do {
            manifest = try ManifestVerifier.verify(bytes)
        } catch {
            return .refused(TrackerFailure(error))
        }
        let key = manifest.channelID
        let sequence = manifest.sequence
        if let last = committed.withLockedValue({ $0[key] }), last >= sequence {
            return .refused(TrackerFailure(.staleSequence(last: last, got: sequence), key: key))
        }
        guard keyLimiter.take(key, now: clock()) else {
            return .refused(
                TrackerFailure(
                    code: TrackerFailureCode.rateLimited, reason: "rate limited: too many publishes for this channel",
                    action: "publish", key: key))
        }
        do {
            guard try store.store(manifest, at: Self.milliseconds()) else {
                let last = (try? store.latest(channel: key))?.manifest.sequence ?? sequence
                remember(key, last)
                return .refused(TrackerFailure(.staleSequence(last: last, got: sequence), key: key))
            }
        } catch {
            logger.error("cannot store manifest", metadata: ["key": "\(key)", "error": "\(error)"])
            return .refused(
                TrackerFailure(
                    code: TrackerFailureCode.serverBusy, reason: "server busy: the manifest could not be stored",
                    action: "publish", key: key))
        }
        remember(key, sequence)
        onStored(manifest)
        return .stored(key: key, sequence: sequence, held: Self.held(manifest))
    }

    /// The newest manifest held for `key` (verified again on the way out of the database).
    func latestManifest(_ key: String) -> SignedManifest? {
        (try? store.latest(channel: key))?.manifest
    }

    /// The manifest message of the newest manifest held for `key`, verified again on the way out
    /// of the database; nil when there is none (or it cannot be read).
    func held(_ key: String) -> SubscriptionRegistry.Held? {
        do {
            guard let record = try store.latest(channel: key) else { return nil }
            remember(key, record.manifest.sequence)
            return Self.held(record.manifest)
        } catch {
            logger.error("cannot read held manifest", metadata: ["key": "\(key)", "error": "\(error)"])
            return nil
        }
    }

    /// The manifest message for `manifest`, encoded and framed once.
    static func held(_ manifest: SignedManifest) -> SubscriptionRegistry.Held {
        let bytes = TrackerCodec.encode(.manifest(key: manifest.channelID, manifest: manifest.jsonBytes))
        return SubscriptionRegistry.Held(sequence: manifest.sequence, message: bytes)
    }

    private func remember(_ key: String, _ sequence: UInt64) {
        committed.withLockedValue { committed in
            if committed.count >= Self.maxRemembered { committed.removeAll() }
            committed[key] = max(committed[key] ?? 0, sequence)
        }
    }

    private static func milliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
