import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentIdentity
import MegatorrentManifest
import MegatorrentState
import MegatorrentTorrent
import MegatorrentTracker

/// A failure the CLI reports as one line and an exit code.
struct CLIFailure: Error {
    /// The line printed after `megatorrent: `.
    let message: String
    /// 1 for refused input and failed operations.
    var exitCode: Int32 = 1

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    /// Our own error types, described in one line; nil for argument-parsing errors, which
    /// ArgumentParser reports itself (with usage and exit code 64).
    init?(describing error: Error) {
        switch error {
        case let error as ManifestError: self.init("invalid manifest: \(error)")
        case let error as KeyFileError: self.init(error.description)
        case let error as StateError: self.init(error.description)
        case let error as CryptoError: self.init(error.description)
        case let error as TrackerClientError: self.init("tracker: \(error)")
        case let error as TrackerServer.StartError: self.init("tracker: \(error)")
        case let error as TorrentError: self.init("libtorrent: \(error)")
        case let error as BlobError: self.init(error.description)
        default: return nil
        }
    }
}
