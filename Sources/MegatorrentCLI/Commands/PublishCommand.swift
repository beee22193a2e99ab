import ArgumentParser
import Foundation
import MegatorrentCrypto
import MegatorrentEngine
import MegatorrentIdentity
import MegatorrentManifest
import MegatorrentNode
import MegatorrentState
import MegatorrentTracker
import Logging

/// `megatorrent publish (--tracker URL… | --dht) [--key PATH] MANIFEST`.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a manifest to trackers and/or the BitTorrent DHT.",
        discussion: """
            MANIFEST is a signed manifest, or with --key unsigned JSON with `collections` that is signed first (the \
            sequence as in `manifest sign`). --tracker (repeatable) returns once every tracker has stored it; it \
            fails when one did not. --dht (needs --key: the channel key signs the DHT pointer) seeds the manifest \
            torrent and puts its BEP 46 pointer, then stays in the foreground as the node that keeps the channel \
            reachable (seeding, re-putting hourly) until SIGINT/SIGTERM.
            """)

    @Option(name: .customLong("tracker"), help: "A tracker's WebSocket URL, e.g. ws://127.0.0.1:8080/ or wss://tracker.example/ (repeatable).")
    var trackers: [String] = []

    @Option(name: .customLong("tracker-ca"), help: "A PEM file of CA certificates trusted for wss:// trackers besides the system's.")
    var trackerCA: String?

    @Flag(help: "Publish on the BitTorrent DHT and stay running as the channel's node.")
    var dht = false

    @Option(help: "The channel's key file: signs unsigned input, and the DHT pointer.")
    var key: String?

    @Option(help: "With --key: the sequence (default: the next after the last signed here).")
    var sequence: UInt64?

    @Option(help: "Seconds to wait for each tracker.")
    var timeout: Double = 30

    @Argument(help: "The manifest (signed, or unsigned with --key), or -.")
    var manifest: String

    @OptionGroup var dhtNetwork: DHTNetworkOptions
    @OptionGroup var anonymity: AnonymityOptions

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !trackers.isEmpty || dht else { throw ValidationError("give at least one destination: --tracker URL or --dht") }
        guard !dht || key != nil else { throw ValidationError("--dht needs --key: the channel key signs the DHT pointer") }
        try anonymity.refuseDHT(dht)
    }

    func run() async throws {
        let bytes = try readInput(manifest)
        let signed: SignedManifest
        if let verified = try? ManifestVerifier.verify(bytes) {
            signed = verified
        } else if let key {
            signed = try ManifestSigning.sign(bytes, keyFile: key, sequence: sequence, stateDirectory: global.stateDirectory)
        } else {
            signed = try ManifestVerifier.verify(bytes)  // throws the reason it is not a signed manifest
        }
        var failures: [String] = []
        for tracker in trackers {
            do {
                let receipt = try await publish(signed, to: tracker)
                report(["stored": true, "channel": receipt.key, "sequence": receipt.sequence, "tracker": tracker],
                       "stored at \(tracker): channel \(receipt.key) sequence \(receipt.sequence)")
            } catch {
                failures.append("\(tracker): \(error)")
                report(["stored": false, "tracker": tracker, "error": "\(error)"], "not stored at \(tracker): \(error)")
            }
        }
        if dht, let key {
            try await publishOnDHT(signed, keyFile: key, trackerFailures: failures)
        }
        if !failures.isEmpty {
            throw CLIFailure("\(failures.count) of \(trackers.count) trackers did not store the manifest (\(failures.joined(separator: "; ")))")
        }
    }

    private func publish(_ signed: SignedManifest, to tracker: String) async throws -> PublishReceipt {
        var configuration = try anonymity.trackerConfiguration()
        configuration.requestTimeout = .milliseconds(Int64(timeout * 1000))
        configuration.connectTimeout = configuration.requestTimeout
        configuration.trustRootsFile = trackerCA
        // This command reports each tracker's failure itself: the client's warnings would say it twice.
        var logger = Logger(label: "megatorrent.tracker-client")
        logger.logLevel = max(logger.logLevel, .error)
        let client = TrackerClient(endpoint: try TrackerEndpoint(url: tracker), configuration: configuration, logger: logger)
        do {
            let receipt = try await client.publish(signed)
            await client.close()
            return receipt
        } catch {
            await client.close()
            throw error
        }
    }

    /// Seeds and puts, then runs as the channel's node until stopped.
    private func publishOnDHT(_ signed: SignedManifest, keyFile: String, trackerFailures: [String]) async throws {
        let log = Logger(label: "megatorrent.publish")
        let privateKey = try KeyFile.load(path: keyFile)
        log.debug("starting the DHT node on \(dhtNetwork.dhtListen)")
        let node = try await dhtNetwork.start(stateDirectory: global.stateDirectory)
        log.debug("DHT node running on port \((try? node.session.listenPort) ?? 0) with \((try? node.session.dht.nodeCount) ?? 0) nodes")
        let engine = SubscriptionEngine(database: try StateDatabase(directory: global.stateDirectory))
        var configuration = DHTService.Configuration()
        configuration.resolveInterval = .milliseconds(Int64(dhtNetwork.dhtInterval * 1000))
        let service = DHTService(
            session: node.session, engine: engine, storeFolder: DHTNodeSession.storeFolder(global.stateDirectory),
            configuration: configuration)
        let publication = try await service.publish(signed, with: privateKey)
        log.debug("published: \(publication.put)")
        let answered: Int
        switch publication.put {
        case let .completed(count): answered = count
        case .timedOut: answered = 0
        }
        let port = (try? node.session.listenPort) ?? 0
        report(
            ["published": true, "channel": signed.channelID, "sequence": signed.sequence, "dht": true,
             "infohash": publication.infoHash.hex, "putAnswers": answered, "port": port, "seeding": true],
            """
            published on the DHT: channel \(signed.channelID) sequence \(signed.sequence) (pointer put, \(answered) nodes answered)
            seeding manifest torrent \(publication.infoHash.hex) on port \(port) and re-putting the pointer hourly; \
            the channel stays reachable while this runs (or while a subscriber seeds it). Stop with Ctrl-C.
            """)
        await service.start()
        if trackerFailures.isEmpty { await Signals.waitForTermination() }
        await service.stop()
        node.saveState()
    }

    private func report(_ object: [String: Any], _ text: String) {
        if global.json { printJSON(object) } else { printLine(text) }
    }
}

/// Signing shared by `manifest sign` and `publish --key`: the sequence comes from the state folder
/// unless given, and is recorded there.
enum ManifestSigning {
    static func sign(_ input: [UInt8], keyFile: String, sequence: UInt64?, timestamp: UInt64? = nil, stateDirectory: StateDirectory) throws -> SignedManifest {
        let privateKey = try KeyFile.load(path: keyFile)
        let store = try SequenceStore(directory: stateDirectory)
        let channel = privateKey.publicKey.hex
        let chosen = try sequence ?? ((store.lastSigned(channel: channel) ?? 0) + 1)
        guard chosen <= ManifestLimits.maxInteger else { throw ManifestError.sequenceOutOfRange }
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let signed = try ManifestSigner.sign(unsignedJSON: input, with: privateKey, sequence: chosen, timestamp: timestamp ?? now)
        try store.recordSigned(channel: channel, sequence: chosen)
        return signed
    }
}
