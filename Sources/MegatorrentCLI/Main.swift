import ArgumentParser
import Foundation
import Logging

/// `megatorrent`: the command-line interface. See README.md for the contract.
@main
struct Megatorrent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megatorrent",
        abstract: "Signed, updateable BitTorrent channels.",
        version: MegatorrentVersion.string,
        subcommands: [
            KeygenCommand.self, ManifestCommand.self, PublishCommand.self, SubscribeCommand.self, ServeCommand.self, SeedCommand.self,
            NodeKeyCommand.self, InfoCommand.self, IngestCommand.self, FetchCommand.self,
        ])

    /// Runs the command; every failure becomes one line on stderr and a non-zero exit, never a
    /// stack trace.
    static func main() async {
        // Libraries log through swift-log; a person sees warnings and errors only, unless
        // MEGATORRENT_LOG_LEVEL (trace, debug, info, notice, warning, error) says otherwise.
        let level = ProcessInfo.processInfo.environment["MEGATORRENT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIFailure {
            FileHandle.standardError.write(Data("megatorrent: \(error.message)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch {
            if let described = CLIFailure(describing: error) {
                FileHandle.standardError.write(Data("megatorrent: \(described.message)\n".utf8))
                Foundation.exit(described.exitCode)
            }
            exit(withError: error)
        }
    }
}
