import MegatorrentCrypto
import MegatorrentIdentity

/// A kept I2P destination: its binary private destination in a key file (mode 0600, written
/// atomically, refused when others can read it: the rules of ``KeyFile``), so a node keeps the same
/// `.b32.i2p` address across restarts.
public enum I2PKeyFile {
    /// The file name in the state folder.
    public static let fileName = "i2p-destination.key"

    /// Reads the private destination at `path`.
    public static func load(path: String) throws -> I2PPrivateDestination {
        try I2PPrivateDestination(secret: try KeyFile.loadSecret(path: path, sizes: 400...4096))
    }

    /// Writes `key` to `path` (refusing to replace a file unless `overwrite`).
    public static func save(_ key: I2PPrivateDestination, path: String, overwrite: Bool = false) throws {
        try KeyFile.saveSecret(key.secret, path: path, overwrite: overwrite)
    }

    /// The destination kept at `path`, or a new one from `bridge` (`DEST GENERATE`) saved there first.
    public static func loadOrCreate(path: String, bridge: SAMBridge) async throws -> I2PPrivateDestination {
        do {
            return try load(path: path)
        } catch KeyFileError.notFound {
            let key = try await bridge.generateDestination()
            do {
                try save(key, path: path)
                return key
            } catch KeyFileError.alreadyExists {
                return try load(path: path)
            }
        }
    }
}
