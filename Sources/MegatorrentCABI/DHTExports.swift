import CMegatorrentABI
import Foundation
import MegatorrentCrypto
import MegatorrentDHT
import MegatorrentManifest
import MegatorrentNode
import MegatorrentTorrent

/// A node's attachment to a libtorrent session: the session (host mode) and the DHT duties over it.
final class DHTAttachment: Sendable {
    let session: TorrentSession
    let service: DHTService

    init(session: TorrentSession, service: DHTService) {
        self.session = session
        self.service = service
    }
}

@_cdecl("mt_node_attach_session")
public func mt_node_attach_session(
    _ node: OpaquePointer?, _ ltSession: UnsafeMutableRawPointer?, _ options: UnsafePointer<mt_dht_options>?
) -> Int32 {
    guard let node, let ltSession else {
        return ABIResult.fail(MT_EINVAL, "mt_node_attach_session: node and lt_session must not be NULL")
    }
    if let options, options.pointee.version != UInt32(MT_DHT_OPTIONS_VERSION) {
        return ABIResult.fail(MT_EINVAL, "mt_node_attach_session: unknown options version \(options.pointee.version)")
    }
    let handle = NodeHandle.from(node)
    var configuration = DHTService.Configuration()
    var storeFolder = handle.directory.path + "/channels"
    if let options = options?.pointee {
        if options.resolve_interval_s > 0 { configuration.resolveInterval = .seconds(options.resolve_interval_s) }
        if options.resolve_timeout_s > 0 { configuration.resolveTimeout = .seconds(options.resolve_timeout_s) }
        if options.republish_interval_s > 0 { configuration.republishInterval = .seconds(options.republish_interval_s) }
        if let folder = options.store_dir { storeFolder = String(cString: folder) }
    }
    do {
        let attachment = try handle.attach {
            let session = try TorrentSession(attachingTo: ltSession)
            let service = DHTService(
                session: session, engine: handle.engine, storeFolder: storeFolder, configuration: configuration)
            return DHTAttachment(session: session, service: service)
        }
        guard let attachment else {
            return ABIResult.fail(MT_ESTATE, "mt_node_attach_session: a session is attached already")
        }
        let service = attachment.service
        try blocking { await service.start() }
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_node_forward_alert")
public func mt_node_forward_alert(_ node: OpaquePointer?, _ alert: UnsafeRawPointer?) -> Int32 {
    guard let node, let alert else { return ABIResult.fail(MT_EINVAL, "mt_node_forward_alert: node and lt_alert must not be NULL") }
    guard let attachment = NodeHandle.from(node).attachment else {
        return ABIResult.fail(MT_ESTATE, "mt_node_forward_alert: no session is attached")
    }
    do {
        try attachment.session.forwardAlert(alert)
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_node_detach_session")
public func mt_node_detach_session(_ node: OpaquePointer?) -> Int32 {
    guard let node else { return ABIResult.fail(MT_EINVAL, "mt_node_detach_session: node must not be NULL") }
    NodeHandle.from(node).detach()
    return ABIResult.ok
}

@_cdecl("mt_node_publish_dht")
public func mt_node_publish_dht(
    _ outAnswers: UnsafeMutablePointer<Int32>?, _ node: OpaquePointer?, _ key: OpaquePointer?, _ json: UnsafePointer<CChar>?,
    _ length: Int
) -> Int32 {
    guard let node, let key, let json else {
        return ABIResult.fail(MT_EINVAL, "mt_node_publish_dht: node, key and json must not be NULL")
    }
    guard let attachment = NodeHandle.from(node).attachment else {
        return ABIResult.fail(MT_ESTATE, "mt_node_publish_dht: no session is attached")
    }
    guard length >= 0, length <= ManifestLimits.maxBytes else {
        return ABIResult.fail(MT_EMANIFEST, "invalid manifest: over \(ManifestLimits.maxBytes) bytes")
    }
    let privateKey = KeyHandle.from(key).key
    do {
        let manifest = try ManifestVerifier.verify(Array(UnsafeRawBufferPointer(start: json, count: length)))
        let service = attachment.service
        let publication = try blocking { try await service.publish(manifest, with: privateKey) }
        if case let .completed(count) = publication.put {
            outAnswers?.pointee = Int32(clamping: count)
        } else {
            outAnswers?.pointee = 0
        }
        return ABIResult.ok
    } catch let failure as ChannelPublisher.Failure {
        return ABIResult.fail(MT_EMANIFEST, "invalid manifest: \(failure)")
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_node_resolve_dht")
public func mt_node_resolve_dht(
    _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ node: OpaquePointer?, _ channel: UnsafePointer<CChar>?,
    _ timeoutMilliseconds: UInt32
) -> Int32 {
    guard let outJSON, let node, let channel else {
        return ABIResult.fail(MT_EINVAL, "mt_node_resolve_dht: out_json, node and channel must not be NULL")
    }
    let key: Ed25519.PublicKey
    do {
        key = try ChannelAddress.parse(String(cString: channel))
    } catch {
        return ABIResult.fail(MT_EINVAL, "mt_node_resolve_dht: channel: \(error)")
    }
    let handle = NodeHandle.from(node)
    guard let attachment = handle.attachment else {
        return ABIResult.fail(MT_ESTATE, "mt_node_resolve_dht: no session is attached")
    }
    let service = attachment.service, engine = handle.engine
    let timeout: Duration? = timeoutMilliseconds == 0 ? nil : .milliseconds(Int64(timeoutMilliseconds))
    do {
        let resolution = try blocking { try await service.resolve(key, timeout: timeout) }
        switch resolution.outcome {
        case let .resolved(manifest, _):
            outJSON.pointee = ABIResult.allocate(manifest.jsonString)
            return ABIResult.ok
        case .upToDate:
            guard let held = try blocking({ try await engine.latest(key) }) else {
                return ABIResult.fail(MT_ERROR, "channel \(key.hex) is up to date but no manifest is held")
            }
            outJSON.pointee = ABIResult.allocate(held.jsonString)
            return ABIResult.ok
        case .notFound:
            return ABIResult.fail(MT_ENOTFOUND, "no DHT node has a pointer for channel \(key.hex)")
        case .timedOut:
            return ABIResult.fail(MT_ETIMEDOUT, "channel \(key.hex) did not resolve in time")
        case let .refused(why):
            return ABIResult.fail(MT_EREFUSED, "channel \(key.hex): \(why)")
        }
    } catch {
        return ABIResult.fail(error)
    }
}
