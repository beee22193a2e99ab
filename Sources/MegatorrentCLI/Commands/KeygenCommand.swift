import ArgumentParser
import MegatorrentCrypto
import MegatorrentIdentity

/// `megatorrent keygen --out PATH`: a new channel key.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a new channel key; print its channel id (64 hex digits) as the last line.")

    @Option(help: "Where to write the key file (32-byte seed, mode 0600).")
    var out: String

    @Flag(help: "Replace an existing file.")
    var force = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let key = try Ed25519.PrivateKey.generate()
        try KeyFile.save(key, path: out, overwrite: force)
        if global.json {
            printJSON(["channel": key.publicKey.hex, "keyFile": out])
        } else {
            printLine("wrote key to \(out)")
            printLine(key.publicKey.hex)
        }
    }
}
