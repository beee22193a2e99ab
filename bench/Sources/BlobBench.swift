// Encrypted blobs (docs/blobs.md): ingest throughput against OpenSSL's single-core min(SHA-256, ChaCha20-Poly1305),
// a download from 3 loopback peers against one SecureSocket stream's goodput, and the peak RSS of ingesting and
// reassembling a large sparse file in a child process against the 64 MiB budget.
import Foundation
import MegatorrentBlobs
import MegatorrentCrypto

/// A scratch folder for blob benchmarks, removed by the caller.
private func blobScratch() throws -> String {
    let path = NSTemporaryDirectory() + "mt-bench-blobs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A file of `mebibytes` MiB of non-zero bytes.
private func writeBenchFile(_ path: String, mebibytes: Int) throws {
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var block = [UInt8](repeating: 0, count: 1 << 20)
    for i in 0..<block.count { block[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
    for n in 0..<mebibytes {
        block[0] = UInt8(truncatingIfNeeded: n)
        try handle.write(contentsOf: block)
    }
}

/// Seconds per MiB of the slower of OpenSSL SHA-256 and ChaCha20-Poly1305 (sealing into a caller buffer) over 1 MiB
/// buffers, one core.
private func opensslFloorSecondsPerMiB(mebibytes: Int) throws -> Double {
    let input = [UInt8](repeating: 0x5a, count: 1 << 20)
    var output = [UInt8](repeating: 0, count: (1 << 20) + 16)
    let cipher = try ChaChaPoly(key: try SecureBytes.random(count: 32))
    let nonce = [UInt8](repeating: 0, count: 12)
    let sha = measure(rounds: 3, iterations: mebibytes) { _ = Digest.hash(.sha256, input) }
    let chacha = measure(rounds: 3, iterations: mebibytes) {
        input.withUnsafeBytes { plain in
            output.withUnsafeMutableBytes { out in
                try? cipher.seal(nonce: nonce, plaintextParts: [plain], aad: UnsafeRawBufferPointer(start: nil, count: 0), into: out)
            }
        }
    }
    FileHandle.standardError.write(Data(String(format: "blob-ingest: OpenSSL SHA-256 %.0f MiB/s, ChaCha20-Poly1305 %.0f MiB/s\n", 1 / sha, 1 / chacha).utf8))
    return max(sha, chacha)
}

/// `megatorrent ingest`'s work (BlobIngest into a store) on a file in the page cache, seconds per MiB.
func blobIngestBenchmark(quick: Bool) throws -> Report {
    let mebibytes = quick ? 256 : 1024
    let folder = try blobScratch()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try writeBenchFile(folder + "/in", mebibytes: mebibytes)
    var ours: [Double] = [], baseline: [Double] = []
    for round in 0..<3 {
        let store = try BlobStore(path: folder + "/store\(round)")
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try BlobIngest.ingest(path: folder + "/in", store: store)
        ours.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(mebibytes))
        try? FileManager.default.removeItem(atPath: folder + "/store\(round)")
        baseline.append(try opensslFloorSecondsPerMiB(mebibytes: min(mebibytes, 256)))
    }
    return Report(
        name: "blob-ingest", ours: ours.sorted()[1], baseline: baseline.sorted()[1], baselineName: "openssl-min-sha256-chacha20poly1305",
        target: 0.6, unit: .mebibytesPerSecond, note: "\(mebibytes) MiB file in the page cache into a blob store")
}

/// A download of `mebibytes` MiB from 3 BlobListeners on 127.0.0.1 into an empty store, against one SecureSocket
/// stream moving the same bytes (secure-goodput's measure), seconds per MiB.
func blobDownloadBenchmark(quick: Bool) throws -> Report {
    let mebibytes = quick ? 128 : 512
    let folder = try blobScratch()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try writeBenchFile(folder + "/in", mebibytes: mebibytes)
    let source = try BlobStore(path: folder + "/source")
    let link = try BlobIngest.ingest(path: folder + "/in", store: source).link
    var ours: [Double] = [], baseline: [Double] = []
    for round in 0..<3 {
        let seconds = try runBlocking { [folder] in
            var listeners: [BlobListener] = [], peers: [BlobPeer] = []
            for _ in 0..<3 {
                let key = try X25519.PrivateKey.generate()
                let listener = try await BlobListener.start(host: "127.0.0.1", port: 0, localStatic: key, responder: BlobServer(store: source))
                listeners.append(listener)
                peers.append(BlobPeer(host: "127.0.0.1", port: listener.port, staticKey: key.publicKey))
            }
            let store = try BlobStore(path: folder + "/mine\(round)")
            let fetcher = BlobFetcher(store: store, localStatic: try X25519.PrivateKey.generate(), peers: peers)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try await fetcher.fetch(link: link, outputPath: folder + "/out\(round)")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            for listener in listeners { await listener.close() }
            return seconds
        }
        ours.append(seconds / Double(mebibytes))
        try? FileManager.default.removeItem(atPath: folder + "/mine\(round)")
        try? FileManager.default.removeItem(atPath: folder + "/out\(round)")
        baseline.append(try runBlocking { try await secureSocketGoodput(mebibytes: mebibytes) } / Double(mebibytes))
    }
    return Report(
        name: "blob-download-3-peers", ours: ours.sorted()[1], baseline: baseline.sorted()[1], baselineName: "secure-socket-single-stream",
        target: 0.8, unit: .mebibytesPerSecond, note: "\(mebibytes) MiB, 3 peers on 127.0.0.1, verify + decrypt + write + keep")
}

/// Peak RSS (KiB) of this binary run as a child doing `arguments`.
private func childPeakKiB(_ arguments: [String]) throws -> Int {
    var pid: pid_t = 0
    let path = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { (text: String) -> UnsafeMutablePointer<CChar>? in strdup(text) } + [nil]
    defer { argv.forEach { free($0) } }
    guard posix_spawn(&pid, path, nil, nil, argv, environ) == 0 else { throw BenchError("cannot spawn \(path)") }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    guard status == 0 else { throw BenchError("child \(arguments) failed with status \(status)") }
    return usage.ru_maxrss
}

/// The child side of `blob-rss`: `--blob-child ingest FILE STORE LINKFILE` or `--blob-child fetch LINKFILE STORE OUT`.
func runBlobChild(_ arguments: [String]) -> Never {
    do {
        let store = try BlobStore(path: arguments[2])
        if arguments[0] == "ingest" {
            let link = try BlobIngest.ingest(path: arguments[1], store: store).link
            try Data(link.uri.utf8).write(to: URL(fileURLWithPath: arguments[3]))
        } else {
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: arguments[1])), as: UTF8.self)
            let fetcher = BlobFetcher(store: store, localStatic: try X25519.PrivateKey.generate(), peers: [])
            let link = try BlobLink.parse(text)
            _ = try runBlocking { try await fetcher.fetch(link: link, outputPath: arguments[3]) }
        }
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("blob child: \(error)\n".utf8))
        exit(1)
    }
}

/// Peak RSS of ingesting and of reassembling a sparse file of 4 GiB (1 GiB with --quick) in a child process, against
/// the 64 MiB budget (ratio = budget / the larger peak).
func blobRSSBenchmark(quick: Bool) throws -> [Report] {
    let gibibytes = quick ? 1 : 4
    let folder = try blobScratch()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let input = folder + "/sparse"
    FileManager.default.createFile(atPath: input, contents: nil)
    guard truncate(input, off_t(gibibytes) << 30) == 0 else { throw BenchError("cannot make a sparse file") }
    let ingest = try childPeakKiB(["--blob-child", "ingest", input, folder + "/store", folder + "/link"])
    let fetch = try childPeakKiB(["--blob-child", "fetch", folder + "/link", folder + "/store", folder + "/out"])
    FileHandle.standardError.write(Data("blob-rss: \(gibibytes) GiB: ingest peak \(ingest) KiB, reassembly peak \(fetch) KiB\n".utf8))
    return [
        Report(name: "blob-ingest-peak-rss", ours: Double(ingest) / 1024, baseline: 64, baselineName: "budget-64-MiB", target: 1.0,
               unit: .mebibytes, note: "\(gibibytes) GiB sparse file, child process, wait4 ru_maxrss"),
        Report(name: "blob-fetch-peak-rss", ours: Double(fetch) / 1024, baseline: 64, baselineName: "budget-64-MiB", target: 1.0,
               unit: .mebibytes, note: "\(gibibytes) GiB reassembled from the local store, child process"),
    ]
}
