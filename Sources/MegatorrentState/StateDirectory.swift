import Foundation

/// The one folder that holds a node's state: `state.sqlite` (last sequences, later subscriptions,
/// manifests and the blob index) and, by convention, key files.
///
/// Chosen in this order: an explicit path (`--state-dir`), the `MEGATORRENT_HOME` environment
/// variable, `$XDG_DATA_HOME/megatorrent`, `~/.local/share/megatorrent`.
public struct StateDirectory: Sendable, Equatable {
    /// The folder's path.
    public let path: String

    /// The state folder for this explicit path or environment. Nothing is created yet.
    public init(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let explicit, !explicit.isEmpty {
            path = explicit
        } else if let home = environment["MEGATORRENT_HOME"], !home.isEmpty {
            path = home
        } else if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            path = xdg + "/megatorrent"
        } else {
            path = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share/megatorrent"
        }
    }

    /// The SQLite database file inside the folder.
    public var databasePath: String { path + "/state.sqlite" }

    /// Creates the folder (mode 0700) and its parents when missing.
    public func create() throws(StateError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotCreateDirectory(path: path, message: error.localizedDescription)
        }
    }
}

/// Why the state folder or database could not be used.
public enum StateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The state folder could not be made.
    case cannotCreateDirectory(path: String, message: String)
    /// SQLite refused (the database path, SQLite's message).
    case database(path: String, message: String)

    /// One clear line.
    public var description: String {
        switch self {
        case let .cannotCreateDirectory(path, message): "cannot create state folder \(path): \(message)"
        case let .database(path, message): "state database \(path): \(message)"
        }
    }
}
