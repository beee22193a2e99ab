import ArgumentParser
import MegatorrentCrypto
import MegatorrentTorrent

/// `megatorrent info`: versions of the parts and where state lives.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the versions of Megatorrent, libtorrent and OpenSSL, and the state folder.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let values: [(String, String)] = [
            ("megatorrent", MegatorrentVersion.string),
            ("libtorrent", Libtorrent.version),
            ("openssl", OpenSSLVersion.text),
            ("stateDir", global.stateDirectory.path),
        ]
        if global.json {
            printJSON(Dictionary(uniqueKeysWithValues: values))
        } else {
            for (name, value) in values { printLine("\(name): \(value)") }
        }
    }
}
