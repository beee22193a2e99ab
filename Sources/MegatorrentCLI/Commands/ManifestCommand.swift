import ArgumentParser
import Foundation
import MegatorrentCrypto
import MegatorrentIdentity
import MegatorrentManifest
import MegatorrentState

/// `megatorrent manifest sign|verify`.
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Sign and verify channel manifests.",
        subcommands: [Sign.self, Verify.self])

    /// `manifest sign --key PATH [--sequence N] INPUT`.
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign JSON with `collections`; print the signed manifest.",
            discussion: """
                Without --sequence the next sequence after the last this key signed (recorded in the \
                state folder) is used, starting at 1. INPUT may be - for standard input.
                """)

        @Option(help: "The channel's key file.")
        var key: String

        @Option(help: "Sequence number (0 to 2^53-1).")
        var sequence: UInt64?

        @Option(help: "Timestamp in milliseconds since the epoch (default: now).")
        var timestamp: UInt64?

        @Argument(help: "Unsigned manifest JSON (an object with `collections`), or -.")
        var input: String

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let signed = try ManifestSigning.sign(
                readInput(input), keyFile: key, sequence: sequence, timestamp: timestamp, stateDirectory: global.stateDirectory)
            printLine(signed.jsonString)
        }
    }

    /// `manifest verify PATH`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a signed manifest: exit 0 when valid, else one line saying why.")

        @Argument(help: "Signed manifest JSON, or -.")
        var path: String

        @Option(name: .customLong("key"), help: "Also require this channel id (64 hex digits or magnet:?xs=urn:btpk:...).")
        var expectedKey: String?

        @Flag(help: "Also refuse a sequence not above the last accepted for this key in the state folder, and record this one.")
        var record = false

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let bytes = try readInput(path)
            let expected = try expectedKey.map { try ChannelAddress.parse($0) }
            do {
                let manifest = try ManifestVerifier.verify(bytes, expectedKey: expected)
                if record { try SequenceStore(directory: global.stateDirectory).accept(manifest) }
                let items = manifest.body.collections.reduce(0) { $0 + $1.items.count }
                if global.json {
                    printJSON(["valid": true, "channel": manifest.channelID, "sequence": manifest.sequence,
                               "timestamp": manifest.body.timestamp, "collections": manifest.body.collections.count, "items": items])
                } else {
                    printLine("valid: channel \(manifest.channelID) sequence \(manifest.sequence), \(items) items in \(manifest.body.collections.count) collections")
                }
            } catch let error as ManifestError {
                if global.json { printJSON(["valid": false, "code": Int(error.code), "reason": error.description]) }
                throw error
            }
        }
    }
}
