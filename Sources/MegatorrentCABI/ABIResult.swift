import CMegatorrentABI
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentIdentity
import MegatorrentManifest

/// Maps Swift errors to the C ABI's codes and the per-thread message.
enum ABIResult {
    /// Records `message` for mt_error_last() and returns `code`.
    static func fail(_ code: mt_error_code, _ message: String) -> Int32 {
        mt_internal_set_error(message)
        return code.rawValue
    }

    /// The code and message for any error a Swift call threw.
    static func fail(_ error: Error) -> Int32 {
        switch error {
        case let error as KeyFileError:
            switch error {
            case .notFound: return fail(MT_ENOTFOUND, error.description)
            case .insecurePermissions: return fail(MT_EPERMISSIONS, error.description)
            case .corrupt, .notARegularFile: return fail(MT_ECORRUPT, error.description)
            case .alreadyExists: return fail(MT_EEXISTS, error.description)
            case .system: return fail(MT_EOS, error.description)
            }
        case let error as ManifestError: return fail(MT_EMANIFEST, "invalid manifest: \(error)")
        case let error as CryptoError: return fail(MT_EOS, error.description)
        case let error as BlobLink.Problem: return fail(MT_EINVAL, error.description)
        case let error as BlobError:
            switch error {
            case .malformedDescriptor: return fail(MT_EINVAL, error.description)
            case let .io(_, _, message) where message.contains("No such file"): return fail(MT_ENOTFOUND, error.description)
            case .io, .fileChanged, .fileTooLarge: return fail(MT_EOS, error.description)
            case .outputExists: return fail(MT_EEXISTS, error.description)
            case .unavailable, .descriptorUnavailable, .withSourceFailures: return fail(MT_ENOTFOUND, error.description)
            case .corruptBlob, .plaintextMismatch: return fail(MT_EREFUSED, error.description)
            }
        default: return fail(MT_ERROR, "\(error)")
        }
    }

    static let ok: Int32 = MT_OK.rawValue

    /// A copy of `text` in malloc'd memory, for the caller to release with mt_string_free.
    static func allocate(_ text: String) -> UnsafeMutablePointer<CChar>? { strdup(text) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
