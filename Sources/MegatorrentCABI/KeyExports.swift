import CMegatorrentABI
import MegatorrentCrypto
import MegatorrentIdentity

/// The object behind an `mt_key *`: retained while the handle lives.
final class KeyHandle {
    let key: Ed25519.PrivateKey
    init(_ key: Ed25519.PrivateKey) { self.key = key }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer) -> KeyHandle {
        Unmanaged<KeyHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

@_cdecl("mt_key_generate")
public func mt_key_generate(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let out else { return ABIResult.fail(MT_EINVAL, "mt_key_generate: out is NULL") }
    do {
        out.pointee = KeyHandle(try Ed25519.PrivateKey.generate()).opaque
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_key_load")
public func mt_key_load(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guard let out, let path else { return ABIResult.fail(MT_EINVAL, "mt_key_load: out and path must not be NULL") }
    do {
        out.pointee = KeyHandle(try KeyFile.load(path: String(cString: path))).opaque
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_key_save")
public func mt_key_save(_ key: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ overwrite: Int32) -> Int32 {
    guard let key, let path else { return ABIResult.fail(MT_EINVAL, "mt_key_save: key and path must not be NULL") }
    do {
        try KeyFile.save(KeyHandle.from(key).key, path: String(cString: path), overwrite: overwrite != 0)
        return ABIResult.ok
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_key_public_hex")
public func mt_key_public_hex(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ key: OpaquePointer?) -> Int32 {
    guard let out, let key else { return ABIResult.fail(MT_EINVAL, "mt_key_public_hex: out and key must not be NULL") }
    out.pointee = ABIResult.allocate(KeyHandle.from(key).key.publicKey.hex)
    return ABIResult.ok
}

@_cdecl("mt_key_free")
public func mt_key_free(_ key: OpaquePointer?) {
    guard let key else { return }
    Unmanaged<KeyHandle>.fromOpaque(UnsafeRawPointer(key)).release()
}
