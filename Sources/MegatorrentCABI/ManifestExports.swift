import CMegatorrentABI
import MegatorrentCrypto
import MegatorrentManifest

#if canImport(Glibc)
import Glibc
#endif

@_cdecl("mt_manifest_sign")
public func mt_manifest_sign(
    _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ outStatus: UnsafeMutablePointer<mt_manifest_status>?,
    _ key: OpaquePointer?,
    _ unsignedJSON: UnsafePointer<CChar>?,
    _ length: Int,
    _ options: UnsafePointer<mt_sign_options>?
) -> Int32 {
    guard let outJSON, let key, let unsignedJSON, let options else {
        return ABIResult.fail(MT_EINVAL, "mt_manifest_sign: out_json, key, unsigned_json and options must not be NULL")
    }
    guard options.pointee.version == UInt32(MT_SIGN_OPTIONS_VERSION) else {
        return ABIResult.fail(MT_EINVAL, "mt_manifest_sign: unknown options version \(options.pointee.version)")
    }
    guard length >= 0, length <= ManifestLimits.maxBytes else {
        outStatus?.pointee = MT_MANIFEST_TOO_LARGE
        return ABIResult.fail(ManifestError.tooLarge(bytes: length))
    }
    let bytes = Array(UnsafeRawBufferPointer(start: unsignedJSON, count: length))
    let timestamp = options.pointee.timestamp_ms != 0 ? options.pointee.timestamp_ms : UInt64(currentMilliseconds())
    do {
        let signed = try ManifestSigner.sign(
            unsignedJSON: bytes, with: KeyHandle.from(key).key, sequence: options.pointee.sequence, timestamp: timestamp)
        outJSON.pointee = ABIResult.allocate(signed.jsonString)
        outStatus?.pointee = MT_MANIFEST_VALID
        return ABIResult.ok
    } catch let error as ManifestError {
        outStatus?.pointee = mt_manifest_status(UInt32(error.code))
        return ABIResult.fail(error)
    } catch {
        return ABIResult.fail(error)
    }
}

@_cdecl("mt_manifest_verify")
public func mt_manifest_verify(
    _ outStatus: UnsafeMutablePointer<mt_manifest_status>?,
    _ outInfo: UnsafeMutablePointer<mt_manifest_info>?,
    _ json: UnsafePointer<CChar>?,
    _ length: Int,
    _ expectedChannel: UnsafePointer<CChar>?
) -> Int32 {
    guard let outStatus, let json else {
        return ABIResult.fail(MT_EINVAL, "mt_manifest_verify: out_status and json must not be NULL")
    }
    if let outInfo, outInfo.pointee.version != UInt32(MT_MANIFEST_INFO_VERSION) {
        return ABIResult.fail(MT_EINVAL, "mt_manifest_verify: unknown info version \(outInfo.pointee.version)")
    }
    guard length >= 0, length <= ManifestLimits.maxBytes else {
        outStatus.pointee = MT_MANIFEST_TOO_LARGE
        return ABIResult.fail(ManifestError.tooLarge(bytes: length))
    }
    let expected: Ed25519.PublicKey?
    do {
        expected = try expectedChannel.map { try ChannelAddress.parse(String(cString: $0)) }
    } catch {
        return ABIResult.fail(MT_EINVAL, "mt_manifest_verify: expected_channel: \(error)")
    }
    do {
        let manifest = try ManifestVerifier.verify(UnsafeRawBufferPointer(start: json, count: length), expectedKey: expected)
        outStatus.pointee = MT_MANIFEST_VALID
        if let outInfo { fill(outInfo, with: manifest) }
        return ABIResult.ok
    } catch {
        outStatus.pointee = mt_manifest_status(UInt32(error.code))
        return ABIResult.fail(error)
    }
}

private func fill(_ info: UnsafeMutablePointer<mt_manifest_info>, with manifest: SignedManifest) {
    let hex = Array(manifest.channelID.utf8)
    withUnsafeMutableBytes(of: &info.pointee.channel) { buffer in
        buffer.copyBytes(from: hex)
        buffer[hex.count] = 0
    }
    info.pointee.sequence = manifest.sequence
    info.pointee.timestamp_ms = manifest.body.timestamp
    info.pointee.collections = UInt32(manifest.body.collections.count)
    info.pointee.items = UInt32(manifest.body.collections.reduce(0) { $0 + $1.items.count })
}

private func currentMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
