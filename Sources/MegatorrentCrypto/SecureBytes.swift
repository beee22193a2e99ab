import COpenSSL

/// Secret bytes (seeds, private keys, shared secrets, symmetric keys) kept in memory of their own
/// and wiped with `OPENSSL_cleanse` when the last reference goes away.
///
/// The storage is immutable after initialisation, so a value can be shared between tasks. It never
/// prints its contents: `description` is `<redacted>`.
public final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    private let storage: UnsafeMutableRawBufferPointer

    /// The number of secret bytes.
    public let count: Int

    /// Makes `count` bytes and lets `initializer` fill them in place, so the secret never passes
    /// through an ordinary array. Throws whatever `initializer` throws; the bytes are wiped then.
    public init<E: Error>(
        count: Int, initializingWith initializer: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        // Fill a local buffer first: on failure nothing of `self` is initialised, so the buffer is
        // wiped and freed here exactly once and `deinit` never runs.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        do {
            try initializer(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
        } catch {
            OPENSSL_cleanse(buffer.baseAddress, buffer.count)
            buffer.deallocate()
            throw error
        }
        self.storage = buffer
        self.count = count
    }

    /// Copies `bytes` into secure storage. The caller remains responsible for wiping the source.
    public convenience init(copying bytes: some Collection<UInt8>) {
        let count = bytes.count
        self.init(count: count) { (buffer: UnsafeMutableRawBufferPointer) in
            _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
        }
    }

    /// `count` bytes from OpenSSL's CSPRNG.
    public static func random(count: Int) throws(CryptoError) -> SecureBytes {
        try SecureBytes(count: count) { (buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) in
            try CryptoRandom.fill(buffer)
        }
    }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, storage.count)
        storage.deallocate()
    }

    /// Gives `body` read access to the bytes; the pointer must not escape the closure.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Constant-time equality of contents (lengths are not secret).
    public func constantTimeEquals(_ other: SecureBytes) -> Bool {
        guard count == other.count else { return false }
        return withUnsafeBytes { a in
            other.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }

    /// Always `<redacted>`: secrets are never printed.
    public var description: String { "<redacted>" }
}

/// Overwrites an ordinary byte array that held a secret (with `OPENSSL_cleanse`, which the
/// compiler cannot drop). Prefer `SecureBytes`; this is for OpenSSL outputs that arrive as arrays.
public func secureWipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
}
