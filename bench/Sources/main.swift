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

/// One benchmark's result line (and JSON when asked).
struct Report {
    let name: String, ours: Double, baseline: Double, baselineName: String, target: Double
    var ratio: Double { baseline / ours }

    func print(json: Bool) {
        if json {
            Swift.print(#"{"benchmark":"\#(name)","ours_per_second":\#(Int(1 / ours)),"baseline":"\#(baselineName)","baseline_per_second":\#(Int(1 / baseline)),"ratio":\#(String(format: "%.3f", ratio)),"target":\#(target)}"#)
        } else {
            Swift.print("\(name): \(Int(1 / ours))/s; \(baselineName): \(Int(1 / baseline))/s; ratio \(String(format: "%.3f", ratio)) (target >= \(target))\(ratio >= target ? "" : "  BELOW TARGET")")
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

let arguments = CommandLine.arguments.dropFirst()
let json = arguments.contains("--json"), quick = arguments.contains("--quick")
var failed = false
for benchmark in [manifestVerifyBenchmark] {
    let report = try benchmark(quick)
    report.print(json: json)
    if report.ratio < report.target { failed = true }
}
exit(failed && arguments.contains("--check") ? 1 : 0)

