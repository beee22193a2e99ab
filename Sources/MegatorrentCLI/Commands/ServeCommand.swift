import ArgumentParser
import MegatorrentState
import MegatorrentTracker

/// `megatorrent serve --listen HOST:PORT --db PATH`: the tracker.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a tracker: WebSocket publish/subscribe and HTTP announce/scrape (docs/tracker.md).",
        discussion: "Prints `listening on HOST:PORT` once it accepts connections; stops cleanly on SIGINT or SIGTERM.")

    @Option(help: "Address to listen on (port 0 picks a free one).")
    var listen = "127.0.0.1:8080"

    @Option(help: "The tracker's SQLite database (default: tracker.sqlite in the state folder).")
    var db: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let address = try HostPort(parsing: listen, option: "--listen")
        let (host, port) = (address.host, address.port)
        let path: String
        if let db {
            path = db
        } else {
            try global.stateDirectory.create()
            path = global.stateDirectory.path + "/tracker.sqlite"
        }
        let server = TrackerServer()
        try await server.start(host: host, port: port, databasePath: path)
        let bound = server.port ?? port
        if global.json {
            printJSON(["listening": "\(host):\(bound)", "db": path])
        } else {
            printLine("listening on \(host):\(bound) (database \(path))")
        }
        await Signals.waitForTermination()
        try await server.shutdown()
    }
}
