import ArgumentParser
import MegatorrentBlobs
import MegatorrentState

/// `megatorrent ingest FILE`: seals a file into the local blob store and prints its link.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Encrypt a file into the local blob store and print its link (docs/blobs.md).",
        discussion: """
            Cuts FILE into 1 MiB chunks, seals each under a fresh key and stores them in the blobs folder of the \
            state folder, with a descriptor blob. Prints the link (magnet:?xs=urn:mtblob:…&mtk=…): whoever holds it \
            can read the file, so share it as you would the file. With --json: {"link", "descriptor", "name", \
            "size", "chunks"}.
            """)

    @Argument(help: "The file to ingest.")
    var file: String

    @Option(help: "The name recorded in the descriptor (default: the file's name).")
    var name: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = try BlobStores.open(global.stateDirectory)
        let result = try BlobIngest.ingest(path: file, name: name, store: store)
        // Held: `serve --blobs --tracker` on this state folder announces it.
        try BlobHolding.record(result.link.descriptor, in: global.stateDirectory)
        if global.json {
            printJSON([
                "link": result.link.uri, "descriptor": result.link.descriptor.hex, "name": result.name, "size": result.size,
                "chunks": result.chunks,
            ])
        } else {
            printLine(result.link.uri)
        }
    }
}

/// The state folder's blob store.
enum BlobStores {
    /// `blobs/` in the state folder, made when missing.
    static func open(_ directory: StateDirectory) throws -> BlobStore {
        try directory.create()
        return try BlobStore(path: directory.path + "/blobs")
    }
}
