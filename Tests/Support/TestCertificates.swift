import Foundation

/// Throwaway TLS material for tests, made with the openssl CLI (Debian's `openssl`, installed by
/// scripts/setup.sh) in a folder of its own: a test CA and a server certificate it signs for
/// 127.0.0.1, ::1 and localhost; a second, unrelated CA with a server certificate of its own (an
/// untrusted tracker); and a certificate from the first CA for another name (a wrong host).
public struct TestCertificates: Sendable {
    /// The folder holding the files.
    public let folder: String
    /// The test CA's certificate (PEM): the trust root to give clients.
    public var caFile: String { folder + "/ca.pem" }
    /// The server's certificate (PEM), signed by the test CA, for 127.0.0.1, ::1 and localhost.
    public var serverCertificate: String { folder + "/server.pem" }
    /// The server certificate's private key (PEM).
    public var serverKey: String { folder + "/server.key" }
    /// A server certificate for 127.0.0.1 and localhost signed by another CA.
    public var untrustedCertificate: String { folder + "/rogue-server.pem" }
    /// Its private key.
    public var untrustedKey: String { folder + "/rogue-server.key" }
    /// A certificate of the test CA for `elsewhere.test` only.
    public var wrongNameCertificate: String { folder + "/elsewhere.pem" }
    /// Its private key.
    public var wrongNameKey: String { folder + "/elsewhere.key" }

    /// Makes the files in `folder` (created if needed).
    public init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Self.makeCA("ca", subject: "Megatorrent Test CA", in: folder)
        try Self.makeCA("rogue-ca", subject: "Someone Else's CA", in: folder)
        let local = "IP:127.0.0.1,IP:::1,DNS:localhost"
        try Self.makeServer("server", ca: "ca", names: local, in: folder)
        try Self.makeServer("rogue-server", ca: "rogue-ca", names: local, in: folder)
        try Self.makeServer("elsewhere", ca: "ca", names: "DNS:elsewhere.test", in: folder)
    }

    private static func makeCA(_ name: String, subject: String, in folder: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(folder)/\(name).key", "-out", "\(folder)/\(name).pem", "-days", "2",
            "-subj", "/CN=\(subject)",
        ])
    }

    private static func makeServer(_ name: String, ca: String, names: String, in folder: String) throws {
        let extensions = "\(folder)/\(name).ext"
        try Data(
            """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            subjectAltName=\(names)

            """.utf8
        ).write(to: URL(fileURLWithPath: extensions))
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(folder)/\(name).key", "-out", "\(folder)/\(name).csr", "-subj", "/CN=\(name)",
        ])
        try openssl([
            "x509", "-req", "-in", "\(folder)/\(name).csr", "-CA", "\(folder)/\(ca).pem", "-CAkey",
            "\(folder)/\(ca).key", "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "2",
            "-extfile", extensions, "-out", "\(folder)/\(name).pem",
        ])
    }

    /// Runs `openssl arguments…`, throwing its stderr when it fails.
    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LineProcess.Failure(
                description: "openssl \(arguments.first ?? "") failed (is Debian's openssl installed? scripts/setup.sh): "
                    + String(decoding: message, as: UTF8.self))
        }
    }
}
