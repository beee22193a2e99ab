import ArgumentParser
import Foundation
import MegatorrentManifest
import MegatorrentState

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "State folder (else $MEGATORRENT_HOME, else the XDG data folder).")
    var stateDir: String?

    @Flag(help: "Machine-readable JSON output.")
    var json = false

    /// The state folder these options name.
    var stateDirectory: StateDirectory { StateDirectory(explicit: stateDir) }
}

/// Reads a file (or standard input for "-"), refusing more than `limit` bytes without reading
/// them all.
func readInput(_ path: String, limit: Int = ManifestLimits.maxBytes) throws -> [UInt8] {
    let handle: FileHandle
    if path == "-" {
        handle = .standardInput
    } else {
        guard let opened = FileHandle(forReadingAtPath: path) else {
            throw CLIFailure("cannot read \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
        }
        handle = opened
    }
    var bytes: [UInt8] = []
    while bytes.count <= limit {
        let chunk: Data
        do {
            chunk = try handle.read(upToCount: 65_536) ?? Data()
        } catch {
            throw CLIFailure("cannot read \(path): \(error.localizedDescription)")
        }
        if chunk.isEmpty { return bytes }
        bytes.append(contentsOf: chunk)
    }
    throw CLIFailure("\(path) is over \(limit) bytes, the manifest size limit")
}

/// Writes one line to standard output.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// One JSON object on one line (keys sorted), for `--json` output.
func printJSON(_ object: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}
