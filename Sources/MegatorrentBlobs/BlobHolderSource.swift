import MegatorrentCrypto
import MegatorrentWire

/// Somewhere that names nodes holding a file (docs/blobs.md, "Finding holders"): a tracker's swarm of the file's
/// holders' info-hash, for example. What it names are only candidates: every blob they send is checked against its
/// id, and a node that sends a bad one is dropped.
public protocol BlobHolderSource: Sendable {
    /// For messages: where the holders come from (a tracker's URL).
    var label: String { get }

    /// Nodes that may hold the blobs of the file whose descriptor is `descriptor` (without this node itself). Throws
    /// when the source cannot be asked (unreachable, a bad reply); the error's description is one line.
    func holders(of descriptor: BlobID) async throws -> [BlobPeer]
}

/// The swarm every holder of a file joins, on trackers and on the DHT.
public enum BlobHolders {
    /// The holders' info-hash of the file whose descriptor is `descriptor`:
    /// SHA-256(`megatorrent blob holders v1` ‖ descriptor id)[:20]. It names the file's swarm without naming the
    /// descriptor (nobody can go from it back to the descriptor id, and so to the blobs).
    public static func infoHash(of descriptor: BlobID) -> [UInt8] {
        let input = Array("megatorrent blob holders v1".utf8) + descriptor.bytes
        return Array(input.withUnsafeBytes { Digest.hash(.sha256, $0) }.prefix(20))
    }
}
