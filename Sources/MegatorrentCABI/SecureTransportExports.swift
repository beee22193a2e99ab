import CMegatorrentABI
import Foundation
import MegatorrentCrypto
import MegatorrentIdentity
import MegatorrentSecureTransport
import NIOCore

// The secure transport (Noise IK) for C callers: static keys, sockets, listeners.
//
// Receive and accept take a timeout without harming the handle: the Swift calls behind them
// (`SecureSocket.receive()`, the listener's stream) cannot be abandoned half way (cancelling an
// AsyncStream's consumer ends the stream; the socket's inbox keeps its waiter), so each handle runs
// at most one such call at a time in a task and keeps its result until a C call takes it
// (`PendingOperation`). A C call that times out leaves the task running; the next call waits for
// the same result. At most one message (or connection) is held beyond the transport's own buffer,
// so its backpressure still holds.

// MARK: - Static keys

/// The object behind an `mt_static_key *`: retained while the handle lives.
final class StaticKeyHandle {
    let key: X25519.PrivateKey
    init(_ key: X25519.PrivateKey) { self.key = key }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer) -> StaticKeyHandle {
        Unmanaged<StaticKeyHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

@_cdecl("mt_static_key_generate")
public func mt_static_key_generate(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return ABIResult.fail(MT_EINVAL, "mt_static_key_generate: out is NULL") }
    do {
        out.pointee = StaticKeyHandle(try X25519.PrivateKey.generate()).opaque
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_static_key_load")
public func mt_static_key_load(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guard let out, let path else { return ABIResult.fail(MT_EINVAL, "mt_static_key_load: out and path must not be NULL") }
    do {
        let secret = try KeyFile.loadSecret(path: String(cString: path))
        out.pointee = StaticKeyHandle(try X25519.PrivateKey(rawRepresentation: secret)).opaque
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_static_key_save")
public func mt_static_key_save(_ key: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ overwrite: Int32) -> Int32 {
    guard let key, let path else { return ABIResult.fail(MT_EINVAL, "mt_static_key_save: key and path must not be NULL") }
    do {
        try KeyFile.saveSecret(StaticKeyHandle.from(key).key.rawRepresentation, path: String(cString: path), overwrite: overwrite != 0)
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_static_key_public")
public func mt_static_key_public(_ out: UnsafeMutablePointer<UInt8>?, _ key: OpaquePointer?) -> Int32 {
    guard let out, let key else { return ABIResult.fail(MT_EINVAL, "mt_static_key_public: out and key must not be NULL") }
    copyKey(StaticKeyHandle.from(key).key.publicKey, to: out)
    return ABIResult.ok
}

@_cdecl("mt_static_key_free")
public func mt_static_key_free(_ key: OpaquePointer?) {
    guard let key else { return }
    Unmanaged<StaticKeyHandle>.fromOpaque(UnsafeRawPointer(key)).release()
}

private func copyKey(_ key: [UInt8], to out: UnsafeMutablePointer<UInt8>) {
    key.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: min($0.count, X25519.keyLength)) }
}

// MARK: - Waiting with a timeout

/// One asynchronous operation at a time (a receive, an accept), whose result waits for a C thread
/// to take it. After a C thread took an element, the next operation starts at once, so a poll
/// (timeout 0) sees what has arrived; nothing is read beyond that one element. A `nil` element (the
/// end) or an error is not followed by another operation until a C thread asks again.
final class PendingOperation<Element: Sendable>: @unchecked Sendable {
    enum Outcome {
        case done(Result<Element?, any Error>)
        case timedOut
        /// Another thread is waiting already.
        case busy
    }

    private let operation: @Sendable () async throws -> Element?
    private let condition = NSCondition()
    private var running = false
    private var waiting = false
    private var ready: Result<Element?, any Error>?

    init(_ operation: @escaping @Sendable () async throws -> Element?) {
        self.operation = operation
    }

    /// Starts the operation unless one is in flight or a result waits.
    func start() {
        condition.lock()
        startLocked()
        condition.unlock()
    }

    private func startLocked() {
        guard ready == nil, !running else { return }
        running = true
        let operation = self.operation
        Task { [self] in
            let result: Result<Element?, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            finish(result)
        }
    }

    /// The operation ended: its result waits for a taker.
    private func finish(_ result: Result<Element?, any Error>) {
        condition.lock()
        ready = result
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// Takes the result of the operation in flight (starting one when needed), waiting up to
    /// `timeoutMs` (`UInt32.max`: no limit) for it.
    func take(timeoutMs: UInt32) -> Outcome {
        condition.lock()
        defer { condition.unlock() }
        guard !waiting else { return .busy }
        startLocked()
        waiting = true
        defer { waiting = false }
        let deadline = timeoutMs == UInt32.max ? nil : Date(timeIntervalSinceNow: Double(timeoutMs) / 1000)
        while ready == nil {
            if let deadline {
                if !condition.wait(until: deadline) { break }
            } else {
                condition.wait()
            }
        }
        guard let result = ready else { return .timedOut }
        ready = nil
        if case .success(.some) = result { startLocked() }
        return .done(result)
    }

    /// Waits until no operation is in flight (the caller has made it end) and returns a result
    /// nobody took.
    func drain() -> Result<Element?, any Error>? {
        condition.lock()
        defer { condition.unlock() }
        while running { condition.wait() }
        defer { ready = nil }
        return ready
    }
}

// MARK: - Errors

/// The code of a transport failure on an established socket (send, receive).
private func failSocket(_ error: any Error, _ function: String) -> Int32 {
    guard let error = error as? SecureTransportError else { return ABIResult.fail(MT_ECONNECTION, "\(function): \(error)") }
    switch error {
    case .closed: return ABIResult.fail(MT_ECLOSED, "\(function): \(error)")
    case .messageTooLarge: return ABIResult.fail(MT_EINVAL, "\(function): \(error)")
    case .concurrentReceive: return ABIResult.fail(MT_ESTATE, "\(function): \(error)")
    default: return ABIResult.fail(MT_ECONNECTION, "\(function): \(error)")
    }
}

/// The code of a failed connect: the TCP connection, its time, or the handshake.
private func failConnect(_ error: any Error) -> Int32 {
    let message = "mt_secure_connect: \(error)"
    guard let error = error as? SecureTransportError else { return ABIResult.fail(MT_ECONNECTION, message) }
    switch error {
    case .handshakeTimeout: return ABIResult.fail(MT_ETIMEDOUT, message)
    // NIO's connect timeout reaches us as text (SecureTransportError.from keeps only the description).
    case let .connectionFailed(why) where why.hasPrefix("connectTimeout"): return ABIResult.fail(MT_ETIMEDOUT, message)
    case .connectionFailed: return ABIResult.fail(MT_ECONNECTION, message)
    default: return ABIResult.fail(MT_EHANDSHAKE, message)
    }
}

// MARK: - Sockets

/// The object behind an `mt_secure_socket *`.
final class SecureSocketHandle: @unchecked Sendable {
    let socket: SecureSocket
    let receiving: PendingOperation<[UInt8]>
    private let lock = NSLock()
    private var ended = false
    private var closed = false

    init(_ socket: SecureSocket) {
        self.socket = socket
        receiving = PendingOperation { try await socket.receive() }
        receiving.start()
    }

    /// Whether the peer's clean end of stream was already reported.
    var hasEnded: Bool {
        get { lock.withLock { ended } }
        set { lock.withLock { ended = newValue } }
    }

    /// Whether this side closed the socket.
    var isClosed: Bool { lock.withLock { closed } }

    /// Sends the close record and waits for the connection to close (a no-op when closed already).
    func close() {
        lock.withLock { closed = true }
        let socket = self.socket
        try? blocking { await socket.close() }
    }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer) -> SecureSocketHandle {
        Unmanaged<SecureSocketHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

@_cdecl("mt_secure_connect")
public func mt_secure_connect(
    _ out: UnsafeMutablePointer<OpaquePointer?>?, _ host: UnsafePointer<CChar>?, _ port: UInt16, _ local: OpaquePointer?,
    _ remoteStatic: UnsafePointer<UInt8>?, _ timeoutMs: UInt32
) -> Int32 {
    guard let out, let host, let local, let remoteStatic else {
        return ABIResult.fail(MT_EINVAL, "mt_secure_connect: out, host, local and remote_static must not be NULL")
    }
    guard port != 0 else { return ABIResult.fail(MT_EINVAL, "mt_secure_connect: port 0") }
    let hostName = String(cString: host)
    let localKey = StaticKeyHandle.from(local).key
    let remoteKey = Array(UnsafeBufferPointer(start: remoteStatic, count: X25519.keyLength))
    var configuration = SecureTransportConfiguration()
    if timeoutMs != 0 { configuration.handshakeTimeout = .milliseconds(Int64(timeoutMs)) }
    let settings = configuration
    do {
        let socket = try blocking {
            try await SecureSocket.connect(
                host: hostName, port: Int(port), localStatic: localKey, remoteStatic: remoteKey, configuration: settings)
        }
        out.pointee = SecureSocketHandle(socket).opaque
        return ABIResult.ok
    } catch {
        return failConnect(error)
    }
}

@_cdecl("mt_secure_send")
public func mt_secure_send(_ sock: OpaquePointer?, _ data: UnsafeRawPointer?, _ length: Int) -> Int32 {
    guard let sock else { return ABIResult.fail(MT_EINVAL, "mt_secure_send: sock must not be NULL") }
    guard length == 0 || data != nil else { return ABIResult.fail(MT_EINVAL, "mt_secure_send: data is NULL and len is not 0") }
    guard length >= 0, length <= RecordLayerLimits.maxMessage else {
        return ABIResult.fail(MT_EINVAL, "mt_secure_send: \(UInt(bitPattern: length)) bytes is over MT_SECURE_MAX_MESSAGE (\(RecordLayerLimits.maxMessage))")
    }
    let bytes = length == 0 ? [] : Array(UnsafeRawBufferPointer(start: data, count: length))
    let socket = SecureSocketHandle.from(sock).socket
    do {
        try blocking { try await socket.send(bytes) }
        return ABIResult.ok
    } catch {
        return failSocket(error, "mt_secure_send")
    }
}

@_cdecl("mt_secure_receive")
public func mt_secure_receive(
    _ outData: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ outLength: UnsafeMutablePointer<Int>?, _ sock: OpaquePointer?,
    _ timeoutMs: UInt32
) -> Int32 {
    guard let outData, let outLength, let sock else {
        return ABIResult.fail(MT_EINVAL, "mt_secure_receive: out_data, out_len and sock must not be NULL")
    }
    let handle = SecureSocketHandle.from(sock)
    if handle.isClosed { return ABIResult.fail(MT_ECLOSED, "mt_secure_receive: the socket is closed") }
    if handle.hasEnded {
        outData.pointee = nil
        outLength.pointee = 0
        return ABIResult.ok
    }
    switch handle.receiving.take(timeoutMs: timeoutMs) {
    case .busy:
        return ABIResult.fail(MT_ESTATE, "mt_secure_receive: another thread is receiving on this socket")
    case .timedOut:
        return ABIResult.fail(MT_ETIMEDOUT, "mt_secure_receive: nothing arrived within \(timeoutMs) ms")
    case let .done(.failure(error)):
        return failSocket(error, "mt_secure_receive")
    case .done(.success(nil)):
        handle.hasEnded = true
        outData.pointee = nil
        outLength.pointee = 0
        return ABIResult.ok
    case let .done(.success(message?)):
        // At least one byte, so that an empty message is a non-NULL buffer (NULL means end of stream).
        guard let buffer = malloc(max(1, message.count)) else {
            return ABIResult.fail(MT_EOS, "mt_secure_receive: out of memory for \(message.count) bytes (the message is lost)")
        }
        message.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
        }
        outData.pointee = buffer
        outLength.pointee = message.count
        return ABIResult.ok
    }
}

@_cdecl("mt_buffer_free")
public func mt_buffer_free(_ buffer: UnsafeMutableRawPointer?) {
    free(buffer)
}

@_cdecl("mt_secure_remote_static")
public func mt_secure_remote_static(_ out: UnsafeMutablePointer<UInt8>?, _ sock: OpaquePointer?) -> Int32 {
    guard let out, let sock else { return ABIResult.fail(MT_EINVAL, "mt_secure_remote_static: out and sock must not be NULL") }
    copyKey(SecureSocketHandle.from(sock).socket.remoteStatic, to: out)
    return ABIResult.ok
}

@_cdecl("mt_secure_close")
public func mt_secure_close(_ sock: OpaquePointer?) -> Int32 {
    guard let sock else { return ABIResult.fail(MT_EINVAL, "mt_secure_close: sock must not be NULL") }
    SecureSocketHandle.from(sock).close()
    return ABIResult.ok
}

@_cdecl("mt_secure_free")
public func mt_secure_free(_ sock: OpaquePointer?) {
    guard let sock else { return }
    let handle = SecureSocketHandle.from(sock)
    handle.close()
    // Closing ended the inbox, so a receive still in flight has returned (or returns now).
    _ = handle.receiving.drain()
    Unmanaged<SecureSocketHandle>.fromOpaque(UnsafeRawPointer(sock)).release()
}

/// The message size limit of the C ABI (MT_SECURE_MAX_MESSAGE), the transport's default.
enum RecordLayerLimits {
    static let maxMessage = SecureTransportConfiguration().maxMessageSize
}

// MARK: - Listeners

/// The listener's stream of connections, used by one task at a time (`PendingOperation` ensures it).
private final class ConnectionIterator: @unchecked Sendable {
    private var iterator: AsyncStream<SecureSocket>.AsyncIterator
    init(_ stream: AsyncStream<SecureSocket>) { iterator = stream.makeAsyncIterator() }
    func next() async -> SecureSocket? { await iterator.next() }
}

/// The object behind an `mt_secure_listener *`.
final class SecureListenerHandle: @unchecked Sendable {
    let listener: SecureListener
    private let connections: ConnectionIterator
    let accepting: PendingOperation<SecureSocket>
    private let lock = NSLock()
    private var closed = false

    init(_ listener: SecureListener) {
        self.listener = listener
        let connections = ConnectionIterator(listener.connections)
        self.connections = connections
        accepting = PendingOperation { await connections.next() }
        accepting.start()
    }

    /// Whether this side closed the listener.
    var isClosed: Bool { lock.withLock { closed } }

    /// Stops listening (its stream of connections ends once drained).
    func close() {
        lock.withLock { closed = true }
        let listener = self.listener
        try? blocking { await listener.close() }
    }

    /// After `close`: closes every finished connection nobody accepted.
    func closeUnaccepted() {
        var left: [SecureSocket] = []
        if case let .success(socket?) = accepting.drain() { left.append(socket) }
        let connections = self.connections
        let rest = (try? blocking { () async -> [SecureSocket] in
            var sockets: [SecureSocket] = []
            while let socket = await connections.next() { sockets.append(socket) }
            return sockets
        }) ?? []
        left += rest
        for socket in left { try? blocking { await socket.close() } }
    }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer) -> SecureListenerHandle {
        Unmanaged<SecureListenerHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

@_cdecl("mt_secure_listen")
public func mt_secure_listen(
    _ out: UnsafeMutablePointer<OpaquePointer?>?, _ host: UnsafePointer<CChar>?, _ port: UInt16, _ local: OpaquePointer?
) -> Int32 {
    guard let out, let host, let local else { return ABIResult.fail(MT_EINVAL, "mt_secure_listen: out, host and local must not be NULL") }
    let hostName = String(cString: host)
    let localKey = StaticKeyHandle.from(local).key
    do {
        let listener = try blocking { try await SecureListener.bind(host: hostName, port: Int(port), localStatic: localKey) }
        out.pointee = SecureListenerHandle(listener).opaque
        return ABIResult.ok
    } catch {
        return ABIResult.fail(MT_EOS, "mt_secure_listen: cannot listen on \(hostName) port \(port): \(error)")
    }
}

@_cdecl("mt_secure_listener_port")
public func mt_secure_listener_port(_ outPort: UnsafeMutablePointer<UInt16>?, _ listener: OpaquePointer?) -> Int32 {
    guard let outPort, let listener else {
        return ABIResult.fail(MT_EINVAL, "mt_secure_listener_port: out_port and listener must not be NULL")
    }
    outPort.pointee = UInt16(truncatingIfNeeded: SecureListenerHandle.from(listener).listener.port)
    return ABIResult.ok
}

@_cdecl("mt_secure_accept")
public func mt_secure_accept(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ listener: OpaquePointer?, _ timeoutMs: UInt32) -> Int32 {
    guard let out, let listener else { return ABIResult.fail(MT_EINVAL, "mt_secure_accept: out and listener must not be NULL") }
    let handle = SecureListenerHandle.from(listener)
    if handle.isClosed { return ABIResult.fail(MT_ECLOSED, "mt_secure_accept: the listener is closed") }
    switch handle.accepting.take(timeoutMs: timeoutMs) {
    case .busy:
        return ABIResult.fail(MT_ESTATE, "mt_secure_accept: another thread is accepting on this listener")
    case .timedOut:
        return ABIResult.fail(MT_ETIMEDOUT, "mt_secure_accept: no connection within \(timeoutMs) ms")
    case .done(.success(nil)), .done(.failure):
        return ABIResult.fail(MT_ECLOSED, "mt_secure_accept: the listener is closed")
    case let .done(.success(socket?)):
        out.pointee = SecureSocketHandle(socket).opaque
        return ABIResult.ok
    }
}

@_cdecl("mt_secure_listener_close")
public func mt_secure_listener_close(_ listener: OpaquePointer?) -> Int32 {
    guard let listener else { return ABIResult.fail(MT_EINVAL, "mt_secure_listener_close: listener must not be NULL") }
    SecureListenerHandle.from(listener).close()
    return ABIResult.ok
}

@_cdecl("mt_secure_listener_free")
public func mt_secure_listener_free(_ listener: OpaquePointer?) {
    guard let listener else { return }
    let handle = SecureListenerHandle.from(listener)
    handle.close()
    handle.closeUnaccepted()
    Unmanaged<SecureListenerHandle>.fromOpaque(UnsafeRawPointer(listener)).release()
}
