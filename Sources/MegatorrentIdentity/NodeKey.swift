import MegatorrentCrypto

/// A node's Noise static key (X25519), kept as `node.key` in the state folder under the key-file rules (0600, 32
/// bytes). Peers name a node by its public half: `HOST:PORT:KEY`.
public enum NodeKey {
    /// The file name in the state folder.
    public static let fileName = "node.key"

    /// Loads the node key from `folder`, making and saving a new one the first time.
    public static func loadOrCreate(folder: String) throws -> X25519.PrivateKey {
        let path = folder + "/" + fileName
        do {
            return try X25519.PrivateKey(rawRepresentation: try KeyFile.loadSecret(path: path))
        } catch KeyFileError.notFound {
            let key = try X25519.PrivateKey.generate()
            do {
                try KeyFile.saveSecret(key.rawRepresentation, path: path)
                return key
            } catch KeyFileError.alreadyExists {
                // Another process of this state folder made one first: use it.
                return try X25519.PrivateKey(rawRepresentation: try KeyFile.loadSecret(path: path))
            }
        }
    }
}
