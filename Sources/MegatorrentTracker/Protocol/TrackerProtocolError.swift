import MegatorrentJSON

/// Why bytes are not a valid tracker message. Every case is answered with code 100
/// (``TrackerFailureCode/malformedMessage``).
public enum TrackerProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Longer than ``TrackerCodec/maxMessageBytes``.
    case tooLarge(bytes: Int)
    /// Not strict JSON.
    case malformedJSON(JSONError)
    /// The top-level value is not an object.
    case notAnObject
    /// No `action` string.
    case missingAction
    /// An `action` this protocol does not have.
    case unknownAction(String)
    /// A required field is absent.
    case missingField(action: String, field: String)
    /// A field has the wrong type or value.
    case invalidField(action: String, field: String, expected: String)
    /// A `key` that is not a channel id (64 hex digits or a `magnet:?xs=urn:btpk:` link).
    case invalidKey(action: String)

    /// The action of the refused message, when it was read.
    public var action: String? {
        switch self {
        case .tooLarge, .malformedJSON, .notAnObject, .missingAction: nil
        case .unknownAction(let action): String(action.prefix(64))
        case .missingField(let action, _), .invalidField(let action, _, _), .invalidKey(let action): action
        }
    }

    /// The channel id concerned, when known (never for these errors; kept for symmetry).
    public var key: String? { nil }

    /// One clear line.
    public var description: String {
        switch self {
        case .tooLarge(let bytes): "message is \(bytes) bytes, over the limit of \(TrackerCodec.maxMessageBytes)"
        case .malformedJSON(let error): "malformed JSON: \(error)"
        case .notAnObject: "a message must be a JSON object"
        case .missingAction: "missing \"action\" string"
        case .unknownAction(let action): "unknown action \"\(action.prefix(64))\""
        case .missingField(let action, let field): "\(action): missing field \"\(field)\""
        case .invalidField(let action, let field, let expected): "\(action): field \"\(field)\" must be \(expected)"
        case .invalidKey(let action): "\(action): key must be a channel id (64 hex digits or magnet:?xs=urn:btpk:…)"
        }
    }
}
