import ArgumentParser
import MegatorrentCrypto

/// `megatorrent node-key`: the node's Noise static public key, which peers need to connect to it.
struct NodeKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node-key",
        abstract: "Print this node's static key (made on first use, kept as node.key in the state folder).",
        discussion: "Peers follow channels through this node with --peer HOST:PORT:KEY, KEY being this line.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let key = try PeerNetworkOptions.nodeKey(global.stateDirectory)
        if global.json {
            printJSON(["staticKey": Hex.encode(key.publicKey), "file": global.stateDirectory.path + "/node.key"])
        } else {
            printLine(Hex.encode(key.publicKey))
        }
    }
}
