import ArgumentParser
import Foundation
import MegatorrentCrypto
import MegatorrentEngine
import MegatorrentManifest
import MegatorrentState
import MegatorrentTorrent
import MegatorrentTracker

/// `megatorrent subscribe KEY --tracker URL [--once] [--timeout SECONDS] [--json]`.
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Follow a channel: print each new valid version as it arrives.",
        discussion: """
            Every manifest, from every tracker, goes through the subscription engine: strict verification, \
            the last sequence kept in the state folder (replays and rollbacks are refused, also after a \
            restart), equivocation reported. With --once, print the newest valid manifest and exit 0, or \
            exit 1 when none arrived within --timeout. Without --once, run until SIGINT/SIGTERM or until \
            --timeout seconds have passed.
            """)

    @Argument(help: "The channel: 64 hex digits or magnet:?xs=urn:btpk:...")
    var key: String

    @Option(name: .customLong("tracker"), help: "A tracker's WebSocket URL (repeatable).")
    var trackers: [String] = []

    @Flag(help: "Print the newest valid manifest and exit.")
    var once = false

    @Option(help: "Seconds to wait (with --once, default 30; otherwise run until stopped).")
    var timeout: Double?

    @Option(help: "Download every magnet of each new version into this folder through libtorrent (with --once: wait until done).")
    var download: String?

    @OptionGroup var network: TorrentNetworkOptions

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !trackers.isEmpty else { throw ValidationError("give at least one source: --tracker URL") }
    }

    private enum Signal: Sendable {
        case event(EngineEvent)
        case received
        case stop
    }

    func run() async throws {
        let channel = try ChannelAddress.parse(key)
        let engine = SubscriptionEngine(database: try StateDatabase(directory: global.stateDirectory))
        try await engine.follow(channel)
        let endpoints = try trackers.map { url throws -> (String, TrackerEndpoint) in (url, try TrackerEndpoint(url: url)) }
        let clients = endpoints.map { ($0.0, TrackerClient(endpoint: $0.1)) }
        let downloads = try download.map { folder -> Downloads in
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return Downloads(session: try network.makeSession(), folder: folder, json: global.json)
        }
        let started = ContinuousClock.now
        let (signals, continuation) = AsyncStream<Signal>.makeStream()
        let events = await engine.events()

        let tasks: [Task<Void, Never>] = [
            Task { for await event in events { continuation.yield(.event(event)) } },
            Task {
                if let seconds = timeout ?? (once ? 30 : nil) {
                    try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                    continuation.yield(.stop)
                }
            },
            Task {
                await Signals.waitForTermination()
                continuation.yield(.stop)
            },
        ] + (try clients.map { url, client in
            let stream = try client.subscribe(to: channel.hex)
            return Task {
                for await manifest in stream {
                    _ = try? await engine.offer(manifest, from: .tracker(url))
                    continuation.yield(.received)
                }
            }
        })

        var failure: CLIFailure?
        loop: for await signal in signals {
            switch signal {
            case let .event(.updated(manifest, _, source)) where !once && manifest.channelID == channel.hex:
                report(manifest, source: source)
                await downloads?.start(manifest)
            case let .event(.equivocation(held, offered, source)):
                warn("equivocation on channel \(held.channelID) sequence \(held.sequence) from \(source): kept the first, the other is evidence (\(offered.body.collections.count) collections)")
            case let .event(.refused(_, reason, source)):
                warn("refused a manifest from \(source): \(reason)")
            case .received where once:
                if let latest = try await engine.latest(channel) {
                    report(latest, source: nil)
                    if let downloads {
                        await downloads.start(latest)
                        let budget = Duration.milliseconds(Int((timeout ?? 30) * 1000)) - (ContinuousClock.now - started)
                        if await !downloads.waitForAll(timeout: budget) {
                            failure = CLIFailure("downloads of channel \(channel.hex) did not complete within \(Int(timeout ?? 30)) s")
                        }
                    }
                    break loop
                }
            case .stop:
                if once { failure = CLIFailure("no manifest for channel \(channel.hex) arrived within \(Int(timeout ?? 30)) s") }
                break loop
            default:
                continue
            }
        }
        for task in tasks { task.cancel() }
        for (_, client) in clients { await client.close() }
        if let failure { throw failure }
    }

    private func report(_ manifest: SignedManifest, source: ManifestSource?) {
        if global.json {
            printLine(manifest.jsonString)
            return
        }
        let items = manifest.body.collections.reduce(0) { $0 + $1.items.count }
        printLine("channel \(manifest.channelID) sequence \(manifest.sequence)\(source.map { " from \($0)" } ?? ""): \(items) items in \(manifest.body.collections.count) collections")
        for collection in manifest.body.collections {
            printLine("  \(collection.title)")
            for item in collection.items { printLine("    \(item)") }
        }
    }

    private func warn(_ text: String) {
        FileHandle.standardError.write(Data("megatorrent: \(text)\n".utf8))
    }
}
