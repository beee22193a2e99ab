import MegatorrentBlobs
import MegatorrentWire

/// A blob holder that serves every blob with one byte flipped: what a fetcher must detect and drop.
public struct LyingResponder: BlobResponder {
    /// The server whose answers are spoiled.
    public let honest: BlobServer

    /// A liar in front of `honest`.
    public init(honest: BlobServer) { self.honest = honest }

    public func answer(_ request: WireMessage, peer: String) async -> WireMessage? {
        guard case let .blobData(id, bytes)? = await honest.answer(request, peer: peer) else { return await honest.answer(request, peer: peer) }
        var bad = bytes
        bad[bad.count / 2] ^= 1
        return .blobData(id, bad)
    }
}
