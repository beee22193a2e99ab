import ArgumentParser
import MegatorrentCrypto
import MegatorrentGossip
import MegatorrentI2P
import MegatorrentState

/// `--i2p-sam HOST:PORT`, `--i2p-option KEY=VALUE`, `--i2p-transient` (docs/anonymity.md, "I2P SAM"): peers reached and
/// accepted over I2P through a SAM v3.1 bridge. Part of ``AnonymityOptions``.
struct I2POptions: ParsableArguments {
    @Option(
        name: .customLong("i2p-sam"),
        help: "An I2P SAM v3.1 bridge (i2pd, Java I2P), HOST:PORT (usually 127.0.0.1:7656): peers written NAME.b32.i2p:KEY are reached through it, and --peer-listen i2p accepts peers on this node's I2P destination. Turns safe mode on.")
    var samAddress: String?

    @Option(
        name: .customLong("i2p-option"),
        help: "A SESSION CREATE option for the I2P session, KEY=VALUE (repeatable), e.g. inbound.length=1.")
    var sessionOptions: [String] = []

    @Flag(
        name: .customLong("i2p-transient"),
        help: "Use a new I2P destination for this run instead of the one kept in the state folder (i2p-destination.key).")
    var transient = false

    func validate() throws {
        if let samAddress { _ = try HostPort(parsing: samAddress, option: "--i2p-sam") }
        for option in sessionOptions {
            do { _ = try SAMOption(parsing: option) } catch { throw ValidationError("--i2p-option: \(error)") }
        }
    }

    /// The bridge `--i2p-sam` names, nil without it.
    var bridge: SAMBridge? {
        get throws {
            guard let samAddress else { return nil }
            let address = try HostPort(parsing: samAddress, option: "--i2p-sam")
            return SAMBridge(host: address.host, port: address.port)
        }
    }

    /// A SAM session for the gossip node: the destination kept in the state folder (made with DEST GENERATE the
    /// first time), or a transient one with --i2p-transient.
    func makeSession(_ stateDirectory: StateDirectory) async throws -> SAMSession {
        guard let bridge = try bridge else { throw ValidationError("I2P peers need --i2p-sam HOST:PORT") }
        let options = try sessionOptions.map { try SAMOption(parsing: $0) }
        let destination: SAMSessionDestination
        if transient {
            destination = .transient
        } else {
            try stateDirectory.create()
            destination = .kept(try await I2PKeyFile.loadOrCreate(path: stateDirectory.path + "/" + I2PKeyFile.fileName, bridge: bridge))
        }
        do {
            return try await bridge.createSession(destination: destination, options: options)
        } catch {
            throw CLIFailure("\(error)")
        }
    }
}

/// A `--peer`: `HOST:PORT:KEY` over TCP, or `NAME.b32.i2p:KEY` / `DESTINATION:KEY` over I2P.
enum PeerTarget: Equatable {
    case tcp(PeerAddress)
    case i2p(I2PPeerAddress, staticKey: [UInt8])

    init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":") else { throw ValidationError("--peer \(text): expected HOST:PORT:KEY or NAME.b32.i2p:KEY") }
        let address = String(text[..<colon])
        // I2P: a .b32.i2p name, or a whole Base64 destination (at least 516 characters, no colon); else HOST:PORT:KEY.
        guard address.lowercased().hasSuffix(".b32.i2p") || (address.count >= 516 && !address.contains(":")) else {
            self = .tcp(try PeerAddress(parsing: text))
            return
        }
        guard let key = Hex.decode(String(text[text.index(after: colon)...])), key.count == 32 else {
            throw ValidationError("--peer \(text): expected NAME.b32.i2p:KEY with the node's 64-hex static key")
        }
        do { self = .i2p(try I2PPeerAddress(parsing: address), staticKey: key) } catch {
            throw ValidationError("--peer \(text): \(error)")
        }
    }

    var staticKey: [UInt8] {
        switch self {
        case let .tcp(peer): peer.staticKey
        case let .i2p(_, key): key
        }
    }

    var label: String {
        switch self {
        case let .tcp(peer): "\(peer.address.host):\(peer.address.port)"
        case let .i2p(address, _): address.b32Address
        }
    }

    var isI2P: Bool { if case .i2p = self { true } else { false } }
}
