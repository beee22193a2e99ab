// megatorrent-fuzz TARGET [libFuzzer options | files...]
//
// Built with fuzz/run.sh (-sanitize=fuzzer,address and -DFUZZING) it runs libFuzzer on TARGET.
// Built normally it replays the given files through TARGET: a regression check for a corpus.
#if canImport(Glibc)
import Glibc
#endif

var arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    print("usage: megatorrent-fuzz {\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))} [options | files]")
    exit(2)
}
arguments.remove(at: 1)
nonisolated(unsafe) var selected = target

#if FUZZING
import CFuzzerDriver

var argc = Int32(arguments.count)
var cStrings: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
let status = cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        selected.run(UnsafeBufferPointer(start: data, count: size))
        return 0
    }
}
exit(status)
#else
var count = 0
for path in arguments.dropFirst() {
    guard let file = fopen(path, "rb") else { continue }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n == 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    fclose(file)
    bytes.withUnsafeBufferPointer { selected.run($0) }
    count += 1
}
print("replayed \(count) inputs through \(selected.rawValue)")
#endif
