/// A message from a client to the tracker (docs/tracker.md, "Client to server").
public enum ClientMessage: Sendable, Equatable {
    /// `{"action":"publish","manifest":{…}}`: the manifest object's JSON bytes (canonical after
    /// decoding), not yet verified.
    case publish(manifest: [UInt8])
    /// `{"action":"subscribe","key":K}`: a normalized channel id.
    case subscribe(key: String)
    /// `{"action":"unsubscribe","key":K}`: a normalized channel id.
    case unsubscribe(key: String)

    /// The action's name on the wire.
    public var action: String {
        switch self {
        case .publish: "publish"
        case .subscribe: "subscribe"
        case .unsubscribe: "unsubscribe"
        }
    }
}
