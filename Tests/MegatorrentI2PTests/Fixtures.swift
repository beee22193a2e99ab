@testable import MegatorrentI2P

/// A well-formed (not usable) destination: 256 + 128 key bytes and a key certificate (type 5, length 4:
/// signature type 7, crypto type 0); its private form adds 256 + 32 zero bytes.
enum Fixtures {
    static let publicBytes: [UInt8] = Array(0...255) + [UInt8](repeating: 0, count: 128) + [5, 0, 4, 0, 7, 0, 0]
    static let privateBytes: [UInt8] = publicBytes + [UInt8](repeating: 0, count: 288)
    /// lowercase unpadded Base32 of SHA-256(publicBytes), computed with Python's base64 and hashlib.
    static let base32Name = "gzmb6oqmro3r2rliotkadnre2bckpb4ue32iitmpb2r45n2rmerq"
    static var publicBase64: String { I2PBase64.encode(publicBytes) }
    static var privateBase64: String { I2PBase64.encode(privateBytes) }
    static let hello = "HELLO REPLY RESULT=OK VERSION=3.1\n"
}
