import MegatorrentCrypto

/// What one SAM connection is for. Each connection says HELLO first, then sends exactly one of these.
public enum SAMRequest: Sendable {
    /// `DEST GENERATE SIGNATURE_TYPE=7`: a new destination (Ed25519), not published anywhere.
    case generateDestination
    /// `SESSION CREATE STYLE=STREAM ID=… DESTINATION=…`: a session lives as long as this connection.
    case createSession(id: String, destination: SAMSessionDestination, options: [SAMOption])
    /// `NAMING LOOKUP NAME=…`: a name (`ME`, `NAME.b32.i2p`, an address-book name) to a destination.
    case lookup(name: String)
    /// `STREAM CONNECT ID=… DESTINATION=… SILENT=false`: after `RESULT=OK` the connection is the stream.
    case connect(sessionID: String, destination: I2PDestination)
    /// `STREAM ACCEPT ID=… SILENT=false`: after `RESULT=OK`, a line with the peer's destination, then the stream.
    case accept(sessionID: String)

    /// The request's name in errors.
    public var step: String {
        switch self {
        case .generateDestination: "DEST GENERATE"
        case .createSession: "SESSION CREATE"
        case .lookup: "NAMING LOOKUP"
        case .connect: "STREAM CONNECT"
        case .accept: "STREAM ACCEPT"
        }
    }

    /// The signature type asked for new destinations: 7, EdDSA_SHA512_Ed25519.
    public static let signatureType = 7

    /// The line to send (ending in `\n`). Contains the private destination for a kept session: wipe it after use.
    func line() throws(SAMError) -> [UInt8] {
        switch self {
        case .generateDestination:
            return Array("DEST GENERATE SIGNATURE_TYPE=\(Self.signatureType)\n".utf8)
        case let .createSession(id, destination, options):
            try Self.check(id, what: "session id")
            var line = Array("SESSION CREATE STYLE=STREAM ID=\(id) DESTINATION=".utf8)
            switch destination {
            case .transient: line += Array("TRANSIENT SIGNATURE_TYPE=\(Self.signatureType)".utf8)
            case let .kept(key):
                var text = key.base64Bytes()
                line += text
                secureWipe(&text)
            }
            for option in options {
                try Self.check(option.key, what: "option key")
                try Self.check(option.value, what: "option \(option.key)")
                line += Array(" \(option.key)=\(option.value)".utf8)
            }
            return line + [UInt8(ascii: "\n")]
        case let .lookup(name):
            try Self.check(name, what: "name")
            return Array("NAMING LOOKUP NAME=\(name)\n".utf8)
        case let .connect(sessionID, destination):
            try Self.check(sessionID, what: "session id")
            return Array("STREAM CONNECT ID=\(sessionID) DESTINATION=\(destination.base64) SILENT=false\n".utf8)
        case let .accept(sessionID):
            try Self.check(sessionID, what: "session id")
            return Array("STREAM ACCEPT ID=\(sessionID) SILENT=false\n".utf8)
        }
    }

    /// A value sent unquoted: non-empty printable ASCII without spaces, quotes or `=` in keys.
    private static func check(_ value: String, what: String) throws(SAMError) {
        guard !value.isEmpty, value.utf8.count <= 1024,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        else { throw .invalidRequest("\(what) \"\(value.prefix(40))\" must be printable ASCII without spaces or quotes") }
        if what == "session id" || what == "option key", value.contains("=") {
            throw .invalidRequest("\(what) \"\(value.prefix(40))\" must not contain =")
        }
    }
}

/// The destination of a new session.
public enum SAMSessionDestination: Sendable {
    /// `DESTINATION=TRANSIENT SIGNATURE_TYPE=7`: a fresh one the bridge makes, gone with the session.
    case transient
    /// A kept destination (its private keys): the same `.b32.i2p` address every time.
    case kept(I2PPrivateDestination)
}

/// One `KEY=VALUE` of `SESSION CREATE` (I2CP and tunnel options such as `inbound.length=1`).
public struct SAMOption: Sendable, Equatable {
    public let key: String
    public let value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// `KEY=VALUE`.
    public init(parsing text: String) throws(SAMError) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw .invalidRequest("option \"\(text)\": expected KEY=VALUE")
        }
        self.init(key: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }
}

/// What a finished request gave.
public enum SAMOutcome: Sendable {
    /// `DEST GENERATE`: the new private destination.
    case destinationGenerated(I2PPrivateDestination)
    /// `SESSION CREATE`: the session's private destination (its public part is the session's address).
    case sessionCreated(I2PPrivateDestination)
    /// `NAMING LOOKUP`: the destination of the name.
    case lookedUp(I2PDestination)
    /// `STREAM CONNECT`: the connection is now the stream.
    case streamConnected
    /// `STREAM ACCEPT`: a peer connected; the connection is now its stream.
    case streamAccepted(peer: I2PDestination)
}
