import NIOCore
import NIOSSL

/// TLS for `wss://` trackers: a client context that verifies the tracker's certificate against the
/// system trust store plus the configured extra roots, and one-line reasons for TLS failures.
enum ClientTLS {
    /// The context for `configuration`, or the reason it cannot be made (an unreadable CA file).
    static func makeContext(_ configuration: TrackerClientConfiguration) -> Result<NIOSSLContext, TrackerClientError> {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        tls.trustRoots = .default
        tls.minimumTLSVersion = .tlsv12
        if let file = configuration.trustRootsFile {
            do {
                let roots = try NIOSSLCertificate.fromPEMFile(file)
                guard !roots.isEmpty else { return .failure(.tls("no certificate in the trust roots file \(file)")) }
                tls.additionalTrustRoots = [.certificates(roots)]
            } catch {
                return .failure(.tls("cannot read the trust roots file \(file): \(describe(error))"))
            }
        }
        do {
            return .success(try NIOSSLContext(configuration: tls))
        } catch {
            return .failure(.tls("cannot set up TLS: \(describe(error))"))
        }
    }

    /// The handler that runs TLS for `endpoint`: SNI is the host name (none for an IP address,
    /// which is then checked against the certificate's IP names).
    static func makeHandler(_ context: NIOSSLContext, for endpoint: TrackerEndpoint) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: endpoint.hostIsIPAddress ? nil : endpoint.host)
    }

    /// The reason of a TLS failure while connecting to `endpoint`, in one line; nil for errors
    /// that are not about TLS.
    static func failure(_ error: any Error, endpoint: TrackerEndpoint, trustRootsFile: String?) -> String? {
        let trusted = trustRootsFile.map { "the system trust store or \($0)" } ?? "the system trust store"
        switch error {
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return "the tracker's certificate is not valid for \(endpoint.host) (none of its names matches)"
        case let error as NIOSSLExtraError:
            return "\(error)"
        case NIOSSLError.handshakeFailed(let inner):
            let reasons = reasonCodes(inner)
            if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
                return "the tracker's certificate failed verification: it is not signed by a CA trusted here "
                    + "(\(trusted)), or it is expired or not yet valid"
            }
            if reasons.contains("WRONG_VERSION_NUMBER") || reasons.contains("PACKET_LENGTH_TOO_LONG") {
                return "the tracker does not answer TLS on port \(endpoint.port) (a plain ws:// tracker?)"
            }
            let alerts = reasons.filter { $0.hasPrefix("TLSV1_ALERT_") || $0.hasPrefix("SSLV3_ALERT_") }
            if !alerts.isEmpty {
                return "the tracker refused the TLS handshake (\(alerts.joined(separator: ", ")))"
            }
            return "TLS handshake failed (\(reasons.isEmpty ? "\(inner)" : reasons.joined(separator: ", ")))"
        case NIOSSLError.uncleanShutdown:
            return "the tracker closed the connection during the TLS handshake"
        case let error as NIOSSLError:
            return "\(error)"
        case let error as BoringSSLError:
            return "TLS failed (\(reasonCodes(error).joined(separator: ", ")))"
        default:
            return nil
        }
    }

    /// BoringSSL's reason codes in an error, e.g. `CERTIFICATE_VERIFY_FAILED`.
    static func reasonCodes(_ error: BoringSSLError) -> [String] {
        let stack: NIOBoringSSLErrorStack
        switch error {
        case .sslError(let errors), .unknownError(let errors), .invalidSNIName(let errors), .failedToSetALPN(let errors):
            stack = errors
        default:
            return ["\(error)"]
        }
        // Each reads "Error: CODE error:HEX:LIBRARY:FUNCTION:REASON at FILE:LINE".
        return stack.map { entry in
            let text = "\(entry)"
            let message = text.components(separatedBy: " at ").first ?? text
            return message.split(separator: ":").last.map(String.init) ?? message
        }
    }

    /// An error in one line.
    private static func describe(_ error: any Error) -> String {
        switch error {
        case NIOSSLError.failedToLoadCertificate: "not a PEM certificate file"
        case NIOSSLError.failedToLoadPrivateKey: "not a PEM private key file"
        case NIOSSLError.noSuchFilesystemObject: "no such file"
        default: "\(error)".split(separator: "\n").joined(separator: " ")
        }
    }

    /// Exposed to the server, which loads its files the same way.
    static func describeLoadError(_ error: any Error) -> String { describe(error) }
}
