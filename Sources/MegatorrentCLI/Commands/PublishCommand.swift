import ArgumentParser
import Foundation
import MegatorrentCrypto
import MegatorrentIdentity
import MegatorrentManifest
import MegatorrentState
import MegatorrentTracker

/// `megatorrent publish --tracker URL MANIFEST`.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a manifest to a tracker; returns once the tracker has stored it.",
        discussion: "MANIFEST is a signed manifest, or with --key unsigned JSON with `collections` that is signed first (the sequence as in `manifest sign`).")

    @Option(help: "The tracker's WebSocket URL, e.g. ws://127.0.0.1:8080/.")
    var tracker: String

    @Option(help: "Sign unsigned input with this key file first.")
    var key: String?

    @Option(help: "With --key: the sequence (default: the next after the last signed here).")
    var sequence: UInt64?

    @Option(help: "Seconds to wait for the tracker.")
    var timeout: Double = 30

    @Argument(help: "The manifest (signed, or unsigned with --key), or -.")
    var manifest: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let bytes = try readInput(manifest)
        let signed: SignedManifest
        if let key {
            signed = try ManifestSigning.sign(bytes, keyFile: key, sequence: sequence, stateDirectory: global.stateDirectory)
        } else {
            signed = try ManifestVerifier.verify(bytes)
        }
        var configuration = TrackerClientConfiguration()
        configuration.requestTimeout = .milliseconds(Int64(timeout * 1000))
        configuration.connectTimeout = configuration.requestTimeout
        let client = TrackerClient(endpoint: try TrackerEndpoint(url: tracker), configuration: configuration)
        let receipt: PublishReceipt
        do {
            receipt = try await client.publish(signed)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        if global.json {
            printJSON(["stored": true, "channel": receipt.key, "sequence": receipt.sequence, "tracker": tracker])
        } else {
            printLine("stored at \(tracker): channel \(receipt.key) sequence \(receipt.sequence)")
        }
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
