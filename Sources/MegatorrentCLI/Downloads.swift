import Foundation
import MegatorrentBlobs
import MegatorrentManifest
import MegatorrentTorrent
import MegatorrentWire

/// `subscribe --download DIR`: every BitTorrent magnet of every new version goes to libtorrent with DIR as its save
/// path, every blob link to the blob fetcher (the file lands in DIR under its descriptor's name); each download
/// reports when it is complete.
actor Downloads {
    private let session: TorrentSession
    private let blobs: BlobFetcher
    private let folder: String
    private let json: Bool
    private var started: [InfoHash: Task<FinishResult, Never>] = [:]
    private var startedBlobs: [BlobID: Task<FinishResult, Never>] = [:]
    /// The results of the blob fetches that ended.
    private var blobResults: [BlobID: FinishResult] = [:]
    /// Told of each file fetched whole through a blob link (its descriptor id).
    private let onBlobFetched: @Sendable (BlobID) -> Void

    /// Downloads into `folder`: torrents through `session`, blob links through `blobs` (`onBlobFetched` hears of
    /// each file fetched).
    init(
        session: TorrentSession, blobs: BlobFetcher, folder: String, json: Bool,
        onBlobFetched: @escaping @Sendable (BlobID) -> Void = { _ in }
    ) {
        self.session = session
        self.blobs = blobs
        self.folder = folder
        self.json = json
        self.onBlobFetched = onBlobFetched
    }

    /// Starts the downloads of `manifest`'s items not started yet.
    func start(_ manifest: SignedManifest) async {
        for item in manifest.body.collections.flatMap(\.items) {
            // A valid item is a blob link exactly when the blob-link parser takes it (a BitTorrent magnet has an xt).
            if let link = try? BlobLink.parse(item) {
                startBlob(link)
                continue
            }
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
        // Blob fetches record their results here; a fetch is not cancellable either, so poll until the deadline.
        while blobResults.count < startedBlobs.count {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return blobResults.values.allSatisfy { $0 == .finished }
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

    private func startBlob(_ link: BlobLink) {
        guard startedBlobs[link.descriptor] == nil else { return }
        let folder = self.folder, blobs = self.blobs
        startedBlobs[link.descriptor] = Task<FinishResult, Never> {
            let result = await self.fetch(link, blobs: blobs, folder: folder)
            self.blobResults[link.descriptor] = result
            return result
        }
    }

    private func fetch(_ link: BlobLink, blobs: BlobFetcher, folder: String) async -> FinishResult {
        do {
            let result = try await blobs.fetch(link: link, intoFolder: folder)
            onBlobFetched(link.descriptor)
            let name = (result.path as NSString).lastPathComponent
            self.report(
                ["downloaded": name, "blob": link.descriptor.hex, "bytes": result.size, "folder": folder],
                "downloaded \(name) (\(result.size) bytes) into \(folder)")
            return .finished
        } catch let BlobError.outputExists(path) {
            self.report(
                ["downloaded": (path as NSString).lastPathComponent, "blob": link.descriptor.hex, "folder": folder, "existing": true],
                "\(path) is already there; not fetched again")
            return .finished
        } catch {
            self.report(["download": link.description, "error": "\(error)"], "download of \(link) failed: \(error)")
            return .failed("\(error)")
        }
    }

    private func report(_ object: [String: Any], _ line: String) {
        if json { printJSON(object) } else { printLine(line) }
    }
}
