// Encrypted blobs (docs/blobs.md): ingest throughput against OpenSSL's single-core min(SHA-256, ChaCha20-Poly1305),
// a download from 3 loopback peers against one SecureSocket stream's goodput, and the peak RSS of ingesting and
// reassembling a large sparse file in a child process against the 64 MiB budget.
import Foundation
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentManifest

/// A scratch folder for blob benchmarks, removed by the caller: in $MT_BENCH_BLOB_DIR, else /dev/shm (tmpfs, so the
/// figures measure our pipeline and not this machine's disk; a store on a disk is bound by its write rate, about
/// 150 MB/s here), else the temporary folder.
private func blobScratch() throws -> String {
    let environment = ProcessInfo.processInfo.environment["MT_BENCH_BLOB_DIR"]
    let base = environment ?? (FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory())
    let path = (base.hasSuffix("/") ? base : base + "/") + "mt-bench-blobs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
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

/// Runs `body` and returns its wall seconds and the CPU seconds this process spent meanwhile.
private func timed<T>(_ body: () throws -> T) rethrows -> (value: T, wall: Double, cpu: Double) {
    let cpu = processCPUSeconds(), start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, processCPUSeconds() - cpu)
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
        let run = try timed { try BlobIngest.ingest(path: folder + "/in", store: store) }
        ours.append(run.wall / Double(mebibytes))
        FileHandle.standardError.write(Data(String(
            format: "blob-ingest: %.0f MiB/s, CPU %.2f ms/MiB (%.2f cores busy)\n", Double(mebibytes) / run.wall,
            run.cpu * 1000 / Double(mebibytes), run.cpu / run.wall).utf8))
        try? FileManager.default.removeItem(atPath: folder + "/store\(round)")
        baseline.append(try opensslFloorSecondsPerMiB(mebibytes: min(mebibytes, 256)))
    }
    return Report(
        name: "blob-ingest", ours: ours.sorted()[1], baseline: baseline.sorted()[1], baselineName: "openssl-min-sha256-chacha20poly1305",
        target: 0.6, unit: .mebibytesPerSecond, note: "\(mebibytes) MiB file in the page cache into a blob store")
}

/// (MT_BENCH_BLOB_WINDOW sets the requests in flight per peer, default 4: 1 to 16 give the same figure here.)
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
        let run = try runBlocking { [folder] in
            var listeners: [BlobListener] = [], peers: [BlobPeer] = []
            for _ in 0..<3 {
                let key = try X25519.PrivateKey.generate()
                let listener = try await BlobListener.start(host: "127.0.0.1", port: 0, localStatic: key, responder: BlobServer(store: source))
                listeners.append(listener)
                peers.append(BlobPeer(host: "127.0.0.1", port: listener.port, staticKey: key.publicKey))
            }
            let store = try BlobStore(path: folder + "/mine\(round)")
            let fetcher = BlobFetcher(store: store, localStatic: try X25519.PrivateKey.generate(), peers: peers, window: Int(ProcessInfo.processInfo.environment["MT_BENCH_BLOB_WINDOW"] ?? "4") ?? 4)
            let cpu = processCPUSeconds(), start = DispatchTime.now().uptimeNanoseconds
            _ = try await fetcher.fetch(link: link, outputPath: folder + "/out\(round)")
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let used = processCPUSeconds() - cpu
            for listener in listeners { await listener.close() }
            return (wall: seconds, cpu: used)
        }
        ours.append(run.wall / Double(mebibytes))
        try? FileManager.default.removeItem(atPath: folder + "/mine\(round)")
        try? FileManager.default.removeItem(atPath: folder + "/out\(round)")
        let stream = try timed { try runBlocking { try await secureSocketGoodput(mebibytes: mebibytes) } }
        baseline.append(stream.value / Double(mebibytes))
        // The CPU each MiB costs (all threads: the peers and the downloader, or both ends of the stream): on 2 cores
        // the ratio of the figures cannot beat the inverse ratio of these.
        FileHandle.standardError.write(Data(String(
            format: "blob-download: %.0f MiB/s, CPU %.2f ms/MiB (%.2f cores busy); single stream %.0f MiB/s, CPU %.2f ms/MiB (%.2f cores busy)\n",
            Double(mebibytes) / run.wall, run.cpu * 1000 / Double(mebibytes), run.cpu / run.wall,
            Double(mebibytes) / stream.value, stream.cpu * 1000 / Double(mebibytes), stream.cpu / stream.wall).utf8))
    }
    return Report(
        name: "blob-download-3-peers", ours: ours.sorted()[1], baseline: baseline.sorted()[1], baselineName: "secure-socket-single-stream",
        target: 0.8, unit: .mebibytesPerSecond, note: "\(mebibytes) MiB, 3 peers on 127.0.0.1, verify + decrypt + write + keep")
}

/// Peak RSS (KiB) of this binary run as a child doing `arguments`: the child prints its own VmHWM (its address
/// space's high-water mark; a child's rusage would include this parent's, which Linux carries across fork and exec).
private func childPeakKiB(_ arguments: [String]) throws -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0, let peak = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw BenchError("child \(arguments) failed: \(text)")
    }
    return peak
}

/// This process's VmHWM in KiB (from /proc/self/status).
private func ownPeakKiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
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
        print(ownPeakKiB())
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
               unit: .mebibytes, note: "\(gibibytes) GiB sparse file, child process, its VmHWM"),
        Report(name: "blob-fetch-peak-rss", ours: Double(fetch) / 1024, baseline: 64, baselineName: "budget-64-MiB", target: 1.0,
               unit: .mebibytes, note: "\(gibibytes) GiB reassembled from the local store, child process"),
    ]
}
