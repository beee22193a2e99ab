import MegatorrentJSON
import MegatorrentManifest

/// The pure codec of tracker messages: bytes to ``ClientMessage`` / ``ServerMessage`` with typed
/// errors, and back. Decoding uses the strict JSON parser (UTF-8, no duplicate keys, bounded depth
/// and size); encoding writes RFC 8785 canonical JSON. No I/O, no state: safe to fuzz.
public enum TrackerCodec {
    /// The largest message accepted, in bytes: a 1 MiB manifest plus 16 KiB for the envelope.
    public static let maxMessageBytes = (1 << 20) + (16 << 10)

    /// The manifest sits one level below the message, so the message may nest one level deeper.
    static let parseOptions = JSONParseOptions(maxDepth: ManifestLimits.maxDepth + 1, maxBytes: maxMessageBytes)

    // MARK: Client to server

    /// The client message in `bytes`, or why it is not one.
    public static func decodeClientMessage(_ bytes: UnsafeRawBufferPointer) throws(TrackerProtocolError)
        -> ClientMessage
    {
        let members = try object(bytes)
        let action = try actionName(members)
        switch known(action, ["publish", "subscribe", "unsubscribe"]) {
        case "publish":
            guard let manifest = field(members, "manifest") else {
                throw .missingField(action: action, field: "manifest")
            }
            return .publish(manifest: CanonicalJSON.serialize(manifest))
        case "subscribe":
            return .subscribe(key: try channelKey(members, action))
        case "unsubscribe":
            return .unsubscribe(key: try channelKey(members, action))
        default:
            throw .unknownAction(action)
        }
    }

    /// The client message in an array's bytes.
    public static func decodeClientMessage(_ bytes: [UInt8]) throws(TrackerProtocolError) -> ClientMessage {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(TrackerProtocolError) in try decodeClientMessage(buffer) }
        }
        return try result.get()
    }

    /// The wire form of a client message. A publish carries the manifest bytes as they are, so they
    /// must be one JSON value (``SignedManifest/jsonBytes`` is).
    public static func encode(_ message: ClientMessage) -> [UInt8] {
        switch message {
        case .publish(let manifest):
            return splice(prefix: #"{"action":"publish","manifest":"#, manifest)
        case .subscribe(let key), .unsubscribe(let key):
            return CanonicalJSON.serialize(
                .object([member("action", .string(message.action)), member("key", .string(key))]))
        }
    }

    // MARK: Server to client

    /// The server message in `bytes`, or why it is not one.
    public static func decodeServerMessage(_ bytes: UnsafeRawBufferPointer) throws(TrackerProtocolError)
        -> ServerMessage
    {
        let members = try object(bytes)
        if let reason = field(members, "failure reason") {
            guard case .string(let text) = reason else {
                throw .invalidField(action: "failure", field: "failure reason", expected: "a string")
            }
            var failure = TrackerFailure(code: 0, reason: text)
            if case .string(let action)? = field(members, "action") { failure.action = action }
            if case .string(let key)? = field(members, "key") { failure.key = key }
            if let code = field(members, "code") {
                guard let value = integer(code), value <= UInt64(Int32.max) else {
                    throw .invalidField(action: failure.action ?? "failure", field: "code", expected: "an integer")
                }
                failure.code = Int(value)
            }
            return .failure(failure)
        }
        let action = try actionName(members)
        switch known(action, ["publish", "subscribe", "unsubscribe", "manifest"]) {
        case "publish":
            try expectStatus(members, action, "stored")
            guard let value = field(members, "sequence") else { throw .missingField(action: action, field: "sequence") }
            guard let sequence = integer(value) else {
                throw .invalidField(action: action, field: "sequence", expected: "an integer from 0 to 2^53-1")
            }
            return .stored(key: try channelKey(members, action), sequence: sequence)
        case "subscribe":
            try expectStatus(members, action, "subscribed")
            return .subscribed(key: try channelKey(members, action))
        case "unsubscribe":
            try expectStatus(members, action, "unsubscribed")
            return .unsubscribed(key: try channelKey(members, action))
        case "manifest":
            let key = try channelKey(members, action)
            guard let manifest = field(members, "manifest") else {
                throw .missingField(action: action, field: "manifest")
            }
            guard case .object = manifest else {
                throw .invalidField(action: action, field: "manifest", expected: "an object")
            }
            return .manifest(key: key, manifest: CanonicalJSON.serialize(manifest))
        default:
            throw .unknownAction(action)
        }
    }

    /// The server message in an array's bytes.
    public static func decodeServerMessage(_ bytes: [UInt8]) throws(TrackerProtocolError) -> ServerMessage {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(TrackerProtocolError) in try decodeServerMessage(buffer) }
        }
        return try result.get()
    }

    /// The wire form of a server message (canonical JSON). A manifest message carries the manifest
    /// bytes as they are: pass canonical JSON (``SignedManifest/jsonBytes``) and the whole message
    /// is canonical too.
    public static func encode(_ message: ServerMessage) -> [UInt8] {
        switch message {
        case .stored(let key, let sequence):
            return CanonicalJSON.serialize(
                .object([
                    member("action", .string("publish")), member("key", .string(key)),
                    member("sequence", .number(Double(sequence))), member("status", .string("stored")),
                ]))
        case .subscribed(let key):
            return status("subscribe", key, "subscribed")
        case .unsubscribed(let key):
            return status("unsubscribe", key, "unsubscribed")
        case .manifest(let key, let manifest):
            let prefix =
                #"{"action":"manifest","key":"# + String(decoding: CanonicalJSON.serialize(.string(key)), as: UTF8.self)
                + #","manifest":"#
            return splice(prefix: prefix, manifest)
        case .failure(let failure):
            var members = [
                member("code", .number(Double(failure.code))), member("failure reason", .string(failure.reason)),
            ]
            if let action = failure.action { members.append(member("action", .string(action))) }
            if let key = failure.key { members.append(member("key", .string(key))) }
            return CanonicalJSON.serialize(.object(members))
        }
    }

    // MARK: Helpers

    private static func object(_ bytes: UnsafeRawBufferPointer) throws(TrackerProtocolError) -> [JSONMember] {
        guard bytes.count <= maxMessageBytes else { throw .tooLarge(bytes: bytes.count) }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, options: parseOptions)
        } catch {
            throw .malformedJSON(error)
        }
        guard case .object(let members) = value else { throw .notAnObject }
        return members
    }

    private static func field(_ members: [JSONMember], _ name: String) -> JSONValue? {
        JSONValue.object(members)[name]
    }

    private static func actionName(_ members: [JSONMember]) throws(TrackerProtocolError) -> String {
        guard case .string(let action)? = field(members, "action") else { throw .missingAction }
        return action
    }

    /// The name in `names` with exactly the UTF-8 bytes of `action` (Swift's `==` would also match
    /// canonically equivalent strings).
    private static func known(_ action: String, _ names: [String]) -> String? {
        names.first { $0.utf8.elementsEqual(action.utf8) }
    }

    private static func channelKey(_ members: [JSONMember], _ action: String) throws(TrackerProtocolError) -> String {
        guard let value = field(members, "key") else { throw .missingField(action: action, field: "key") }
        guard case .string(let text) = value, let key = ChannelID.normalize(text) else {
            throw .invalidKey(action: action)
        }
        return key
    }

    private static func expectStatus(_ members: [JSONMember], _ action: String, _ expected: String)
        throws(TrackerProtocolError)
    {
        guard case .string(let status)? = field(members, "status"), status.utf8.elementsEqual(expected.utf8) else {
            throw .invalidField(action: action, field: "status", expected: "\"\(expected)\"")
        }
    }

    /// An integer in 0…2^53-1, exact.
    private static func integer(_ value: JSONValue) -> UInt64? {
        guard case .number(let number) = value, number >= 0, number <= Double(ManifestLimits.maxInteger),
            number.rounded(.towardZero) == number
        else { return nil }
        return UInt64(number)
    }

    private static func member(_ key: String, _ value: JSONValue) -> JSONMember { JSONMember(key: key, value: value) }

    private static func status(_ action: String, _ key: String, _ status: String) -> [UInt8] {
        CanonicalJSON.serialize(
            .object([
                member("action", .string(action)), member("key", .string(key)), member("status", .string(status)),
            ]))
    }

    private static func splice(prefix: String, _ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(prefix.utf8.count + body.count + 1)
        out.append(contentsOf: prefix.utf8)
        out.append(contentsOf: body)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
