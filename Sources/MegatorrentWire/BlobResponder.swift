/// Answers the blob requests of the wire protocol (BLOB_QUERY, BLOB_GET) from a blob store; a gossip node hands them
/// to one so that a single connection carries manifests and blobs.
public protocol BlobResponder: Sendable {
    /// The answer to `request` from the peer whose static key is `peer` (hex): BLOB_HAVE, BLOB_DATA or BLOB_MISSING;
    /// nil for a message that is not a blob request.
    func answer(_ request: WireMessage, peer: String) async -> WireMessage?

    /// The same answer as ``answer(_:peer:)``, already encoded (``WireCodec/encode(_:)``), which is what a connection
    /// sends: a store can read a blob straight into the message instead of into an array that is then copied.
    func encodedAnswer(_ request: WireMessage, peer: String) async -> [UInt8]?
}

extension BlobResponder {
    /// ``answer(_:peer:)`` encoded.
    public func encodedAnswer(_ request: WireMessage, peer: String) async -> [UInt8]? {
        guard let answer = await answer(request, peer: peer) else { return nil }
        return try? WireCodec.encode(answer)
    }
}
