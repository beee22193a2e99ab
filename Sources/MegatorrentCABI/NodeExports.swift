import CMegatorrentABI
import Foundation
import MegatorrentCrypto
import MegatorrentEngine
import MegatorrentManifest
import MegatorrentState

/// The object behind an `mt_node *`.
final class NodeHandle: @unchecked Sendable {
    let engine: SubscriptionEngine
    let directory: StateDirectory
    let dispatcher = EventDispatcher()
    private var listener: Task<Void, Never>?
    private let attachmentLock = NSLock()
    private var attached: DHTAttachment?

    init(directory: StateDirectory) throws {
        self.directory = directory
        try directory.create()
        engine = SubscriptionEngine(database: try StateDatabase(directory: directory))
        let engine = self.engine, dispatcher = self.dispatcher
        // The stream is made before init returns, so no event after mt_node_new is missed.
        let events = try blocking { await engine.events() }
        listener = Task.detached {
            for await event in events { dispatcher.enqueue(event) }
        }
    }

    func close() {
        detach()
        listener?.cancel()
        dispatcher.stop()
    }

    /// The libtorrent session attached, if any.
    var attachment: DHTAttachment? {
        attachmentLock.withLock { attached }
    }

    /// Attaches what `make` returns, unless something is attached already (then `nil`, and `make` is not called).
    func attach(_ make: () throws -> DHTAttachment) throws -> DHTAttachment? {
        try attachmentLock.withLock {
            guard attached == nil else { return nil }
            let made = try make()
            attached = made
            return made
        }
    }

    /// Stops the DHT duties and lets go of the session (waiting for a call in progress to end).
    func detach() {
        guard let attachment = attachmentLock.withLock({ () -> DHTAttachment? in
            defer { attached = nil }
            return attached
        }) else { return }
        let service = attachment.service
        try? blocking { await service.stop() }
    }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer) -> NodeHandle {
        Unmanaged<NodeHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

@_cdecl("mt_node_new")
public func mt_node_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ options: UnsafePointer<mt_node_options>?) -> Int32 {
    guard let out, let options else { return ABIResult.fail(MT_EINVAL, "mt_node_new: out and options must not be NULL") }
    guard options.pointee.version == UInt32(MT_NODE_OPTIONS_VERSION) else {
        return ABIResult.fail(MT_EINVAL, "mt_node_new: unknown options version \(options.pointee.version)")
    }
    let directory = StateDirectory(explicit: options.pointee.state_dir.map { String(cString: $0) })
    do {
        out.pointee = try NodeHandle(directory: directory).opaque
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_node_free")
public func mt_node_free(_ node: OpaquePointer?) {
    guard let node else { return }
    NodeHandle.from(node).close()
    Unmanaged<NodeHandle>.fromOpaque(UnsafeRawPointer(node)).release()
}

/// A bad argument, with the message for mt_error_last().
private struct ArgumentProblem: Error {
    let message: String
}

/// Parses a channel argument, or says why it cannot be.
private func channelKey(_ text: UnsafePointer<CChar>?, _ function: String) -> Result<Ed25519.PublicKey, ArgumentProblem> {
    guard let text else { return .failure(ArgumentProblem(message: "\(function): channel must not be NULL")) }
    do {
        return .success(try ChannelAddress.parse(String(cString: text)))
    } catch {
        return .failure(ArgumentProblem(message: "\(function): channel: \(error)"))
    }
}

@_cdecl("mt_node_subscribe")
public func mt_node_subscribe(_ node: OpaquePointer?, _ channel: UnsafePointer<CChar>?) -> Int32 {
    guard let node else { return ABIResult.fail(MT_EINVAL, "mt_node_subscribe: node must not be NULL") }
    switch channelKey(channel, "mt_node_subscribe") {
    case let .failure(problem): return ABIResult.fail(MT_EINVAL, problem.message)
    case let .success(key):
        let engine = NodeHandle.from(node).engine
        do {
            try blocking { try await engine.follow(key) }
            return ABIResult.ok
        } catch {
            return ABIResult.fail(error)
        }
    }
}

@_cdecl("mt_node_unsubscribe")
public func mt_node_unsubscribe(_ node: OpaquePointer?, _ channel: UnsafePointer<CChar>?) -> Int32 {
    guard let node else { return ABIResult.fail(MT_EINVAL, "mt_node_unsubscribe: node must not be NULL") }
    switch channelKey(channel, "mt_node_unsubscribe") {
    case let .failure(problem): return ABIResult.fail(MT_EINVAL, problem.message)
    case let .success(key):
        let engine = NodeHandle.from(node).engine
        do {
            try blocking { try await engine.unfollow(key) }
            return ABIResult.ok
        } catch {
            return ABIResult.fail(error)
        }
    }
}

@_cdecl("mt_node_subscriptions")
public func mt_node_subscriptions(
    _ outChannels: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?,
    _ outCount: UnsafeMutablePointer<Int>?, _ node: OpaquePointer?
) -> Int32 {
    guard let outChannels, let outCount, let node else {
        return ABIResult.fail(MT_EINVAL, "mt_node_subscriptions: arguments must not be NULL")
    }
    let engine = NodeHandle.from(node).engine
    do {
        let channels = try blocking { try await engine.followed() }
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: max(channels.count, 1))
        for (i, channel) in channels.enumerated() { array[i] = ABIResult.allocate(channel) }
        outChannels.pointee = array
        outCount.pointee = channels.count
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_string_array_free")
public func mt_string_array_free(_ strings: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ count: Int) {
    guard let strings else { return }
    for i in 0..<max(count, 0) { free(strings[i]) }
    strings.deallocate()
}

@_cdecl("mt_node_latest_manifest")
public func mt_node_latest_manifest(
    _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ node: OpaquePointer?, _ channel: UnsafePointer<CChar>?
) -> Int32 {
    guard let outJSON, let node else { return ABIResult.fail(MT_EINVAL, "mt_node_latest_manifest: arguments must not be NULL") }
    switch channelKey(channel, "mt_node_latest_manifest") {
    case let .failure(problem): return ABIResult.fail(MT_EINVAL, problem.message)
    case let .success(key):
        let engine = NodeHandle.from(node).engine
        do {
            guard let manifest = try blocking({ try await engine.latest(key) }) else {
                return ABIResult.fail(MT_ENOTFOUND, "no manifest held for channel \(key.hex)")
            }
            outJSON.pointee = ABIResult.allocate(manifest.jsonString)
            return ABIResult.ok
        } catch {
            return ABIResult.fail(error)
        }
    }
}

@_cdecl("mt_node_offer_manifest")
public func mt_node_offer_manifest(
    _ outOutcome: UnsafeMutablePointer<mt_offer_outcome>?, _ node: OpaquePointer?, _ json: UnsafePointer<CChar>?,
    _ length: Int, _ source: UnsafePointer<CChar>?
) -> Int32 {
    guard let outOutcome, let node, let json else {
        return ABIResult.fail(MT_EINVAL, "mt_node_offer_manifest: out_outcome, node and json must not be NULL")
    }
    guard length >= 0, length <= ManifestLimits.maxBytes else {
        outOutcome.pointee = MT_OFFER_INVALID
        return ABIResult.ok
    }
    let bytes = Array(UnsafeRawBufferPointer(start: json, count: length))
    let label = source.map { String(cString: $0) }
    let origin: ManifestSource = label.map { $0 == "dht" ? .dht : $0 == "local" ? .local : .peer($0) } ?? .local
    let engine = NodeHandle.from(node).engine
    do {
        let outcome = try blocking { try await engine.offer(bytes, from: origin) }
        switch outcome {
        case .updated: outOutcome.pointee = MT_OFFER_UPDATED
        case .duplicate: outOutcome.pointee = MT_OFFER_DUPLICATE
        case .stale: outOutcome.pointee = MT_OFFER_STALE
        case .notFollowed: outOutcome.pointee = MT_OFFER_NOT_FOLLOWED
        case .invalid: outOutcome.pointee = MT_OFFER_INVALID
        case .equivocation: outOutcome.pointee = MT_OFFER_EQUIVOCATION
        }
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_node_set_event_callback")
public func mt_node_set_event_callback(_ node: OpaquePointer?, _ callback: mt_event_cb?, _ payload: UnsafeMutableRawPointer?) -> Int32 {
    guard let node else { return ABIResult.fail(MT_EINVAL, "mt_node_set_event_callback: node must not be NULL") }
    NodeHandle.from(node).dispatcher.setCallback(callback, payload: payload)
    return ABIResult.ok
}
