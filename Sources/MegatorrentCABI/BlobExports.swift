import CMegatorrentABI
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentManifest
import Synchronization

/// Calls a C progress callback, one call at a time (fetch workers report from several threads).
final class ProgressForwarder: @unchecked Sendable {
    private let callback: mt_blob_progress_cb?
    private let payload: UnsafeMutableRawPointer?
    private let lock = Mutex(())

    init(_ callback: mt_blob_progress_cb?, _ payload: UnsafeMutableRawPointer?) {
        self.callback = callback
        self.payload = payload
    }

    func report(_ done: UInt64, _ total: UInt64) {
        guard let callback else { return }
        lock.withLock { _ in callback(done, total, payload) }
    }
}

@_cdecl("mt_blob_ingest")
public func mt_blob_ingest(
    _ outLink: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ storeDir: UnsafePointer<CChar>?, _ path: UnsafePointer<CChar>?,
    _ progress: mt_blob_progress_cb?, _ payload: UnsafeMutableRawPointer?
) -> Int32 {
    guard let outLink, let storeDir, let path else {
        return ABIResult.fail(MT_EINVAL, "mt_blob_ingest: out_link, store_dir and path must not be NULL")
    }
    let forwarder = ProgressForwarder(progress, payload)
    do {
        let store = try BlobStore(path: String(cString: storeDir))
        let result = try BlobIngest.ingest(path: String(cString: path), store: store) { forwarder.report($0, $1) }
        outLink.pointee = ABIResult.allocate(result.link.uri)
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_blob_fetch")
public func mt_blob_fetch(
    _ outFile: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ storeDir: UnsafePointer<CChar>?, _ link: UnsafePointer<CChar>?,
    _ outPath: UnsafePointer<CChar>?, _ peers: UnsafePointer<UnsafePointer<CChar>?>?, _ peerCount: Int,
    _ progress: mt_blob_progress_cb?, _ payload: UnsafeMutableRawPointer?
) -> Int32 {
    guard let storeDir, let link else { return ABIResult.fail(MT_EINVAL, "mt_blob_fetch: store_dir and link must not be NULL") }
    guard peerCount == 0 || peers != nil, peerCount >= 0 else {
        return ABIResult.fail(MT_EINVAL, "mt_blob_fetch: peers is NULL with a peer_count above 0")
    }
    var targets: [BlobPeer] = []
    for i in 0..<peerCount {
        guard let text = peers![i].map({ String(cString: $0) }), let peer = parsePeer(text) else {
            return ABIResult.fail(MT_EINVAL, "mt_blob_fetch: peer \(i) is not HOST:PORT:KEY")
        }
        targets.append(peer)
    }
    let forwarder = ProgressForwarder(progress, payload)
    let output = outPath.map { String(cString: $0) }
    do {
        let parsed = try BlobLink.parse(String(cString: link))
        let store = try BlobStore(path: String(cString: storeDir))
        // A fetch is a client: an ephemeral static key will do (peers do not need to know it).
        let fetcher = BlobFetcher(store: store, localStatic: try X25519.PrivateKey.generate(), peers: targets)
        let result = try blocking {
            try await fetcher.fetch(link: parsed, outputPath: output) { forwarder.report($0.bytes, $0.size) }
        }
        outFile?.pointee = ABIResult.allocate(result.path)
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

/// `HOST:PORT:KEY` (KEY: 64 hex digits), nil otherwise.
private func parsePeer(_ text: String) -> BlobPeer? {
    guard let keyColon = text.lastIndex(of: ":"), let key = Hex.decode(text[text.index(after: keyColon)...]), key.count == 32 else {
        return nil
    }
    let address = text[..<keyColon]
    guard let portColon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: portColon)...]),
        (1...65_535).contains(port)
    else { return nil }
    var host = String(address[..<portColon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { return nil }
    return BlobPeer(host: host, port: port, staticKey: key)
}
