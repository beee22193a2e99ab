/// One line a SAM bridge sends: `TOPIC SUBTOPIC KEY=VALUE ...` (SAM v3, "Line format").
///
/// Tokens are separated by spaces (and tabs). The first two tokens are the topic and subtopic
/// (`HELLO REPLY`, `SESSION STATUS`, `STREAM STATUS`, `NAMING REPLY`, `DEST REPLY`). Each later token
/// is `KEY=VALUE` (the value up to the next space, `=` allowed in it, e.g. Base64 padding),
/// `KEY="VALUE"` (a quoted value may hold spaces; `\"` and `\\` are escapes) or a lone `KEY` (an
/// empty value). Keys are case-sensitive (`RESULT`, `MESSAGE`, `DESTINATION`, `VALUE`, …); a
/// repeated key keeps its first value.
public struct SAMReply: Sendable, Equatable {
    /// `HELLO`, `SESSION`, `STREAM`, `NAMING`, `DEST`.
    public let topic: String
    /// `REPLY`, `STATUS`.
    public let subtopic: String
    /// The `KEY=VALUE` pairs, in order.
    public let pairs: [(key: String, value: String)]

    /// The value of `key`, nil when absent.
    public subscript(key: String) -> String? { pairs.first { $0.key == key }?.value }

    /// `RESULT=`, parsed.
    public var result: SAMResult? { self["RESULT"].map(SAMResult.init(rawValue:)) }

    /// The longest line accepted (a private destination with a large certificate fits many times).
    public static let maxLineLength = 16_384

    /// Parses one line, without its `\n` (a trailing `\r` is dropped).
    public static func parse(_ line: some Collection<UInt8>) throws(SAMError) -> SAMReply {
        var bytes = Array(line)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard bytes.count <= maxLineLength else { throw .malformedReply("line of \(bytes.count) bytes is over the limit") }
        guard !bytes.contains(where: { $0 == 0 || $0 == UInt8(ascii: "\n") }) else {
            throw .malformedReply("control byte in the line")
        }
        var tokens: [[UInt8]] = []
        var quoted: [Bool] = []
        var index = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while index < bytes.count {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count else { break }
            var token: [UInt8] = []
            var wasQuoted = false
            var inQuotes = false
            while index < bytes.count, inQuotes || !isSpace(bytes[index]) {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    // Quotes are allowed only around a whole value: right after `=`, closing at the token's end.
                    if !inQuotes {
                        guard token.last == UInt8(ascii: "="), !wasQuoted else {
                            throw .malformedReply("a quote outside a KEY=\"VALUE\" value")
                        }
                        inQuotes = true
                        wasQuoted = true
                    } else {
                        inQuotes = false
                        guard index + 1 == bytes.count || isSpace(bytes[index + 1]) else {
                            throw .malformedReply("text after a closing quote")
                        }
                    }
                } else if byte == UInt8(ascii: "\\"), inQuotes {
                    index += 1
                    guard index < bytes.count else { break }
                    token.append(bytes[index])
                } else {
                    token.append(byte)
                }
                index += 1
            }
            guard !inQuotes else { throw .malformedReply("an unterminated quoted value") }
            tokens.append(token)
            quoted.append(wasQuoted)
        }
        guard tokens.count >= 2 else { throw .malformedReply("expected TOPIC SUBTOPIC, got \(tokens.count) token(s)") }
        let topic = try word(tokens[0], what: "topic")
        let subtopic = try word(tokens[1], what: "subtopic")
        var pairs: [(key: String, value: String)] = []
        for token in tokens.dropFirst(2) {
            let key: [UInt8], value: [UInt8]
            if let equals = token.firstIndex(of: UInt8(ascii: "=")) {
                key = Array(token[..<equals])
                value = Array(token[(equals + 1)...])
            } else {
                key = token
                value = []
            }
            guard !key.isEmpty, key.allSatisfy(isKeyByte) else {
                throw .malformedReply("invalid key \"\(String(decoding: key.prefix(40), as: UTF8.self))\"")
            }
            guard let text = String(validating: value, as: UTF8.self) else { throw .malformedReply("value of \(String(decoding: key, as: UTF8.self)) is not UTF-8") }
            let name = String(decoding: key, as: UTF8.self)
            if !pairs.contains(where: { $0.key == name }) { pairs.append((name, text)) }
        }
        return SAMReply(topic: topic, subtopic: subtopic, pairs: pairs)
    }

    public static func == (lhs: SAMReply, rhs: SAMReply) -> Bool {
        lhs.topic == rhs.topic && lhs.subtopic == rhs.subtopic
            && lhs.pairs.map(\.key) == rhs.pairs.map(\.key) && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "-")
    }

    private static func word(_ token: [UInt8], what: String) throws(SAMError) -> String {
        guard token.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw .malformedReply("\(what) \"\(String(decoding: token.prefix(40), as: UTF8.self))\" is not an upper-case word")
        }
        return String(decoding: token, as: UTF8.self)
    }

    /// A reply (for tests and the fuzz target's round trip).
    public init(topic: String, subtopic: String, pairs: [(key: String, value: String)]) {
        self.topic = topic
        self.subtopic = subtopic
        self.pairs = pairs
    }
}

/// A SAM `RESULT=` code (SAM v3 specification).
public enum SAMResult: Sendable, Hashable, CustomStringConvertible {
    case ok
    case cantReachPeer
    case duplicatedDestination
    case duplicatedID
    case i2pError
    case invalidID
    case invalidKey
    case keyNotFound
    case peerNotFound
    case timeout
    case noVersion
    case alreadyAccepting
    /// A code this client does not know (kept as sent).
    case other(String)

    /// From the wire.
    public init(rawValue: String) {
        switch rawValue {
        case "OK": self = .ok
        case "CANT_REACH_PEER": self = .cantReachPeer
        case "DUPLICATED_DEST": self = .duplicatedDestination
        case "DUPLICATED_ID": self = .duplicatedID
        case "I2P_ERROR": self = .i2pError
        case "INVALID_ID": self = .invalidID
        case "INVALID_KEY": self = .invalidKey
        case "KEY_NOT_FOUND": self = .keyNotFound
        case "PEER_NOT_FOUND": self = .peerNotFound
        case "TIMEOUT": self = .timeout
        case "NOVERSION": self = .noVersion
        case "ALREADY_ACCEPTING": self = .alreadyAccepting
        default: self = .other(rawValue)
        }
    }

    /// The code as sent.
    public var rawValue: String {
        switch self {
        case .ok: "OK"
        case .cantReachPeer: "CANT_REACH_PEER"
        case .duplicatedDestination: "DUPLICATED_DEST"
        case .duplicatedID: "DUPLICATED_ID"
        case .i2pError: "I2P_ERROR"
        case .invalidID: "INVALID_ID"
        case .invalidKey: "INVALID_KEY"
        case .keyNotFound: "KEY_NOT_FOUND"
        case .peerNotFound: "PEER_NOT_FOUND"
        case .timeout: "TIMEOUT"
        case .noVersion: "NOVERSION"
        case .alreadyAccepting: "ALREADY_ACCEPTING"
        case let .other(code): code
        }
    }

    /// What the code means, in words.
    public var meaning: String {
        switch self {
        case .ok: "success"
        case .cantReachPeer: "the peer exists but cannot be reached"
        case .duplicatedDestination: "the destination is already in use by another session"
        case .duplicatedID: "the session id is already in use"
        case .i2pError: "a generic I2P error"
        case .invalidID: "no session has this id"
        case .invalidKey: "the destination or key is not valid"
        case .keyNotFound: "the name is not known"
        case .peerNotFound: "the peer cannot be found on the network"
        case .timeout: "timed out"
        case .noVersion: "no SAM version in common"
        case .alreadyAccepting: "the session is already accepting a stream"
        case .other: "an unknown result"
        }
    }

    public var description: String { rawValue }
}
