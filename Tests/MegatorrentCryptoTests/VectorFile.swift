import Foundation
import MegatorrentCrypto

/// Loads a test-vector file from Tests/Vectors (copied from shared/testvectors).
func loadVectors(_ name: String) throws -> Any {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors").appendingPathComponent(name)
    return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
}

/// Bytes of a hex string from a vector file.
func bytes(_ hex: Any?) -> [UInt8] {
    Hex.decode(hex as? String ?? "")!
}

/// Every Wycheproof test with its group, flattened.
func wycheproofTests(_ name: String) throws -> [(group: [String: Any], test: [String: Any])] {
    let root = try loadVectors(name) as! [String: Any]
    var out: [(group: [String: Any], test: [String: Any])] = []
    for group in root["testGroups"] as! [[String: Any]] {
        for test in group["tests"] as! [[String: Any]] { out.append((group, test)) }
    }
    return out
}
