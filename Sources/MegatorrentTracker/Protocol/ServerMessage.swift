/// A message from the tracker to a client (docs/tracker.md, "Server to client").
public enum ServerMessage: Sendable, Equatable {
    /// `{"action":"publish","key":K,"sequence":N,"status":"stored"}`: committed to the database.
    case stored(key: String, sequence: UInt64)
    /// `{"action":"subscribe","key":K,"status":"subscribed"}`.
    case subscribed(key: String)
    /// `{"action":"unsubscribe","key":K,"status":"unsubscribed"}`.
    case unsubscribed(key: String)
    /// `{"action":"manifest","key":K,"manifest":{…}}`: the manifest object's canonical JSON bytes,
    /// which the receiver verifies itself.
    case manifest(key: String, manifest: [UInt8])
    /// `{"action":A,"failure reason":"…","code":C}`.
    case failure(TrackerFailure)
}
