import ArgumentParser
import Foundation

/// `megatorrent`: the command-line interface. See README.md for the contract.
@main
struct Megatorrent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megatorrent",
        abstract: "Signed, updateable BitTorrent channels.",
        version: MegatorrentVersion.string,
        subcommands: [KeygenCommand.self, ManifestCommand.self, InfoCommand.self])

    /// Runs the command; every failure becomes one line on stderr and a non-zero exit, never a
    /// stack trace.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
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
