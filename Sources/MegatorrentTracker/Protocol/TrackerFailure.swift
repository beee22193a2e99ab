import MegatorrentManifest

/// A refusal as the server sends it: `{"action":A,"failure reason":"…","code":C}`, with `action`
/// and `key` when known.
public struct TrackerFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The numeric code: a manifest error code (1…17) or one of ``TrackerFailureCode``.
    public var code: Int
    /// One line saying why.
    public var reason: String
    /// The action refused, when the server could tell which.
    public var action: String?
    /// The channel id concerned, when known.
    public var key: String?

    /// A failure.
    public init(code: Int, reason: String, action: String? = nil, key: String? = nil) {
        self.code = code
        self.reason = reason
        self.action = action
        self.key = key
    }

    /// The refusal of a manifest, with the manifest error's own code.
    public init(_ error: ManifestError, key: String? = nil) {
        self.init(code: Int(error.code), reason: error.description, action: "publish", key: key)
    }

    /// The refusal of a message that could not be decoded (code 100).
    public init(_ error: TrackerProtocolError) {
        self.init(
            code: TrackerFailureCode.malformedMessage, reason: error.description, action: error.action, key: error.key)
    }

    /// `code: reason`.
    public var description: String { "\(code): \(reason)" }
}

/// The codes of refusals that are not about a manifest's content (docs/tracker.md).
public enum TrackerFailureCode {
    /// Not a JSON object, unknown action, missing or invalid field.
    public static let malformedMessage = 100
    /// Too many publishes for this key or from this address.
    public static let rateLimited = 101
    /// Too many subscriptions on this socket.
    public static let tooManySubscriptions = 102
    /// The server cannot take this work now (too many connections or publishes in flight, storage).
    public static let serverBusy = 103
    /// A manifest whose sequence is not above the held one (`ManifestError.staleSequence`).
    public static let staleSequence = 17
}
