// megatorrent-bench: every benchmark, each reported as a ratio to a baseline measured in the same
// run and on the same bytes. Run with bench/run.sh (release build).
import Foundation
import MegatorrentCrypto
import MegatorrentManifest

/// Median seconds per operation of `body` over `rounds` rounds of `iterations` each.
func measure(rounds: Int, iterations: Int, _ body: () -> Void) -> Double {
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { body() }
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(iterations))
    }
    return samples.sorted()[samples.count / 2]
}

/// One benchmark's result line (and JSON when asked). `ours` and `baseline` are costs (seconds per
/// operation, or KiB per subscriber against a budget): the ratio is baseline / ours, so higher is
/// better, and `--check` fails any ratio below its target.
struct Report {
    /// How `ours` and `baseline` read: seconds per operation shown as a rate, seconds shown as
    /// milliseconds, or KiB per subscriber.
    enum Unit { case perSecond, milliseconds, kibPerSubscriber, mebibytesPerSecond, mebibytes }

    let name: String, ours: Double, baseline: Double, baselineName: String, target: Double
    var unit = Unit.perSecond
    /// A figure shown beside the ratio, e.g. the baseline's own memory when the ratio is to a budget.
    var note: String? = nil
    var ratio: Double { baseline / ours }

    func print(json: Bool) {
        if json {
            let figures: String
            switch unit {
            case .perSecond:
                figures = #""ours_per_second":\#(Int(1 / ours)),"baseline":"\#(baselineName)","baseline_per_second":\#(Int(1 / baseline))"#
            case .milliseconds:
                figures = #""ours_ms":\#(String(format: "%.3f", ours * 1000)),"baseline":"\#(baselineName)","baseline_ms":\#(String(format: "%.3f", baseline * 1000))"#
            case .kibPerSubscriber:
                figures = #""ours_kib_per_subscriber":\#(String(format: "%.3f", ours)),"baseline":"\#(baselineName)","baseline_kib_per_subscriber":\#(String(format: "%.3f", baseline))"#
            case .mebibytesPerSecond:
                figures = #""ours_mib_per_second":\#(String(format: "%.1f", 1 / ours)),"baseline":"\#(baselineName)","baseline_mib_per_second":\#(String(format: "%.1f", 1 / baseline))"#
            case .mebibytes:
                figures = #""ours_mib":\#(String(format: "%.1f", ours)),"baseline":"\#(baselineName)","baseline_mib":\#(String(format: "%.1f", baseline))"#
            }
            let note = self.note.map { #","note":"\#($0)""# } ?? ""
            Swift.print(#"{"benchmark":"\#(name)",\#(figures),"ratio":\#(String(format: "%.3f", ratio)),"target":\#(target)\#(note)}"#)
        } else {
            let note = self.note.map { "; \($0)" } ?? ""
            Swift.print("\(name): \(show(ours)); \(baselineName): \(show(baseline)); ratio \(String(format: "%.3f", ratio)) (target >= \(target))\(note)\(ratio >= target ? "" : "  BELOW TARGET")")
        }
    }

    private func show(_ value: Double) -> String {
        switch unit {
        case .perSecond: "\(Int(1 / value))/s"
        case .milliseconds: String(format: "%.1f ms", value * 1000)
        case .kibPerSubscriber: String(format: "%.2f KiB/subscriber", value)
        case .mebibytesPerSecond: String(format: "%.0f MiB/s", 1 / value)
        case .mebibytes: String(format: "%.1f MiB", value)
        }
    }
}

/// Verifying a 50-item manifest (parse, validate, canonicalize, strict verify) against OpenSSL's
/// raw Ed25519 verify of the same canonical bytes with the same key.
func manifestVerifyBenchmark(quick: Bool) throws -> Report {
    let key = try Ed25519.PrivateKey.generate()
    let items = (0..<50).map { n -> String in
        let hash = Hex.encode(Digest.hash(.sha256, Array("episode \(n)".utf8)).prefix(20))
        return "magnet:?xt=urn:btih:\(hash)&dn=Episode%20\(n)&tr=udp%3A%2F%2Ftracker.opentrackr.org%3A1337%2Fannounce"
    }
    let body = ManifestBody(
        publicKey: key.publicKey, sequence: 42, timestamp: 1_763_769_600_000,
        collections: [ManifestCollection(title: "Season 1", items: Array(items[0..<25])), ManifestCollection(title: "Season 2", items: Array(items[25...]))])
    let signed = try ManifestSigner.sign(body, with: key)
    let bytes = signed.jsonBytes
    let canonical = body.canonicalBytes
    let publicKey = key.publicKey.bytes, signature = signed.signature

    // Sanity: both paths accept.
    precondition((try? ManifestVerifier.verify(bytes)) != nil)
    precondition(canonical.withUnsafeBytes { Ed25519.openSSLVerify(publicKey: publicKey, signature: signature, message: $0) })

    let rounds = quick ? 5 : 15, iterations = quick ? 200 : 1000
    // Interleave so that frequency changes and noise hit both alike.
    var oursSamples: [Double] = [], baselineSamples: [Double] = []
    for _ in 0..<3 {
        oursSamples.append(measure(rounds: rounds, iterations: iterations) { _ = try? ManifestVerifier.verify(bytes) })
        baselineSamples.append(measure(rounds: rounds, iterations: iterations) {
            _ = canonical.withUnsafeBytes { Ed25519.openSSLVerify(publicKey: publicKey, signature: signature, message: $0) }
        })
    }
    let ours = oursSamples.sorted()[1], baseline = baselineSamples.sorted()[1]
    FileHandle.standardError.write(Data("manifest: \(bytes.count) bytes, canonical \(canonical.count) bytes\n".utf8))
    return Report(name: "manifest-verify-50-items", ours: ours, baseline: baseline, baselineName: "openssl-ed25519-verify", target: 0.85)
}

let arguments = Array(CommandLine.arguments.dropFirst())
// The fan-out benchmark's tracker child (ServerProcess.swift), not a benchmark.
if arguments.first == "--tracker-server", arguments.count == 2 { runTrackerServerChild(databasePath: arguments[1]) }
// The fan-out benchmark's ceiling server (RawBroadcastServer.swift), not a benchmark.
if arguments.first == "--raw-broadcast-server" { runRawBroadcastServerChild() }
// The blob-rss benchmark's child (BlobBench.swift), not a benchmark.
if arguments.first == "--blob-child", arguments.count == 5 { runBlobChild(Array(arguments.dropFirst())) }

let json = arguments.contains("--json"), quick = arguments.contains("--quick")
// --only NAME runs the benchmarks whose name contains NAME.
let only = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
let benchmarks: [(name: String, run: (Bool) throws -> [Report])] = [
    ("manifest-verify", { [try manifestVerifyBenchmark(quick: $0)] }),
    ("fanout", fanOutBenchmark),
    ("noise-handshake", { [try handshakeBenchmark(quick: $0)] }),
    ("secure-goodput", { [try goodputBenchmark(quick: $0)] }),
    ("dht-latency", dhtLatencyBenchmark),
    ("blob-ingest", { [try blobIngestBenchmark(quick: $0)] }),
    ("blob-download", { [try blobDownloadBenchmark(quick: $0)] }),
    ("blob-rss", blobRSSBenchmark),
]
var failed = false, broken = false
for benchmark in benchmarks where only.map(benchmark.name.contains) ?? true {
    do {
        for report in try benchmark.run(quick) {
            report.print(json: json)
            if report.ratio < report.target { failed = true }
        }
    } catch {
        // A benchmark that could not run fails the run, --check or not.
        FileHandle.standardError.write(Data("\(benchmark.name): could not run: \(error)\n".utf8))
        broken = true
    }
}
exit(broken || (failed && arguments.contains("--check")) ? 1 : 0)
