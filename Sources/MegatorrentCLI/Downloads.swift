import Foundation
import MegatorrentManifest
import MegatorrentTorrent

/// `subscribe --download DIR`: every magnet of every new version goes to libtorrent with DIR as
/// its save path; each download reports when it is complete.
actor Downloads {
    private let session: TorrentSession
    private let folder: String
    private let json: Bool
    private var started: [InfoHash: Task<FinishResult, Never>] = [:]

    init(session: TorrentSession, folder: String, json: Bool) {
        self.session = session
        self.folder = folder
        self.json = json
    }

    /// Starts the downloads of `manifest`'s items not started yet.
    func start(_ manifest: SignedManifest) async {
        for item in manifest.body.collections.flatMap(\.items) {
            do {
                let infoHash = try await session.torrents.add(magnet: item, savePath: folder)
                guard started[infoHash] == nil else { continue }
                started[infoHash] = track(infoHash)
            } catch let error where error.code == .duplicateTorrent {
                continue
            } catch {
                report(["download": item, "error": "\(error)"], "could not download \(item): \(error)")
            }
        }
    }

    /// Waits (at most `timeout`) until every download started so far is complete; true if they are. Each wait
    /// ends at the deadline by itself (awaiting the reporting tasks instead would outlast it: their waits are
    /// not cancellable from here).
    func waitForAll(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        for infoHash in started.keys {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            guard await session.torrents.waitUntilFinished(infoHash, timeout: left) == .finished else { return false }
        }
        return true
    }

    private func track(_ infoHash: InfoHash) -> Task<FinishResult, Never> {
        let torrents = session.torrents, folder = self.folder
        return Task {
            let result = await torrents.waitUntilFinished(infoHash, timeout: .seconds(7 * 24 * 3600))
            let status = try? torrents.status(infoHash)
            let name = status?.name ?? infoHash.hex
            switch result {
            case .finished:
                self.report(
                    ["downloaded": name, "infoHash": infoHash.hex, "bytes": status?.bytesDone ?? 0, "folder": folder],
                    "downloaded \(name) (\(status?.bytesDone ?? 0) bytes) into \(folder)")
            case let .failed(message):
                self.report(["download": name, "error": message], "download of \(name) failed: \(message)")
            case .timedOut:
                break
            }
            return result
        }
    }

    private func report(_ object: [String: Any], _ line: String) {
        if json { printJSON(object) } else { printLine(line) }
    }
}
