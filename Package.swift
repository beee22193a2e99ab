// swift-tools-version:6.1
// Megatorrent: signed, updateable BitTorrent channels. See README.md and docs/architecture.md.
import PackageDescription

/// libtorrent's ABI-relevant defines, spelled out: a systemLibrary target through pkg-config drops
/// them silently, and a mismatch with Debian's libtorrent-rasterbar is undefined behaviour.
let libtorrentDefines: [CXXSetting] = [
    "TORRENT_LINKING_SHARED", "TORRENT_USE_OPENSSL", "TORRENT_USE_LIBCRYPTO", "TORRENT_SSL_PEERS",
    "BOOST_ASIO_ENABLE_CANCELIO", "BOOST_ASIO_NO_DEPRECATED", "BOOST_ALL_NO_LIB",
].map { .define($0) }

let package = Package(
    name: "Megatorrent",
    products: [
        .executable(name: "megatorrent", targets: ["MegatorrentCLI"]),
        // libmegatorrent.so: the C ABI of include/megatorrent.h. Build it with scripts/build-lib.sh
        // (release, static Swift runtime) so it needs nothing from the toolchain at run time.
        .library(name: "megatorrent-c", type: .dynamic, targets: ["MegatorrentCABI"]),
        .executable(name: "megatorrent-bench", targets: ["MegatorrentBench"]),
        .executable(name: "megatorrent-fuzz", targets: ["MegatorrentFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Edges in C and C++: OpenSSL's libcrypto, the libtorrent shim, the C ABI's header.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "CLibtorrentShim",
            path: "cshim",
            exclude: ["tests"],
            cxxSettings: libtorrentDefines,
            linkerSettings: [.linkedLibrary("torrent-rasterbar"), .linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .target(name: "CMegatorrentABI"),
        .target(name: "CFuzzerDriver"),

        // Identity and manifests: pure code.
        .target(name: "MegatorrentCrypto", dependencies: ["COpenSSL"]),
        .target(name: "MegatorrentJSON"),
        .target(name: "MegatorrentManifest", dependencies: ["MegatorrentCrypto", "MegatorrentJSON", "MegatorrentWire"]),
        .target(name: "MegatorrentIdentity", dependencies: ["MegatorrentCrypto"]),
        .target(name: "MegatorrentBencode"),
        .target(name: "MegatorrentWire"),

        // Anonymity: the SOCKS5 client (a pure state machine and its SwiftNIO handler).
        .target(
            name: "MegatorrentProxy",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),

        // Anonymity: the I2P SAM v3.1 client (a pure reply parser and state machine, its SwiftNIO handler, sessions).
        .target(
            name: "MegatorrentI2P",
            dependencies: [
                "MegatorrentCrypto", "MegatorrentIdentity",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]),

        // Secure transport: Noise IK (pure code), then its SwiftNIO sockets.
        .target(name: "MegatorrentNoise", dependencies: ["MegatorrentCrypto"]),
        .target(
            name: "MegatorrentSecureTransport",
            dependencies: [
                "MegatorrentNoise", "MegatorrentCrypto", "MegatorrentProxy", "MegatorrentI2P",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]),

        // State and the libtorrent bridge.
        .target(
            name: "MegatorrentState",
            dependencies: ["MegatorrentManifest", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "MegatorrentTorrent", dependencies: ["CLibtorrentShim"]),
        .target(
            name: "MegatorrentTracker",
            dependencies: [
                "MegatorrentManifest", "MegatorrentState", "MegatorrentJSON", "MegatorrentBencode", "MegatorrentCrypto",
                "MegatorrentProxy",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .target(
            name: "MegatorrentDHT",
            dependencies: ["MegatorrentBencode", "MegatorrentCrypto", "MegatorrentManifest", "MegatorrentTorrent"]),

        // Control plane: every source of manifests feeds one engine.
        .target(
            name: "MegatorrentEngine",
            dependencies: ["MegatorrentCrypto", "MegatorrentManifest", "MegatorrentState"]),

        // Gossip: the wire protocol over the secure transport.
        .target(
            name: "MegatorrentGossip",
            dependencies: [
                "MegatorrentWire", "MegatorrentSecureTransport", "MegatorrentCrypto", "MegatorrentManifest", "MegatorrentProxy",
                "MegatorrentI2P", .product(name: "NIOCore", package: "swift-nio"),
            ]),

        // Encrypted blobs: the format, the store, ingest and reassembly, serving and the downloader.
        .target(
            name: "MegatorrentBlobs",
            dependencies: [
                "MegatorrentCrypto", "MegatorrentManifest", "MegatorrentWire", "MegatorrentSecureTransport", "MegatorrentProxy",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),

        // A node: the sources wired to the engine, and the duties that keep channels reachable.
        .target(
            name: "MegatorrentNode",
            dependencies: [
                "MegatorrentCrypto", "MegatorrentManifest", "MegatorrentEngine", "MegatorrentDHT", "MegatorrentTorrent",
                "MegatorrentGossip", "MegatorrentWire", "MegatorrentTracker", "MegatorrentBlobs",
            ]),

        // Bindings: the C ABI and the CLI.
        .target(
            name: "MegatorrentCABI",
            dependencies: [
                "CMegatorrentABI", "MegatorrentCrypto", "MegatorrentManifest", "MegatorrentIdentity", "MegatorrentState",
                "MegatorrentEngine", "MegatorrentNode", "MegatorrentTorrent", "MegatorrentSecureTransport", "MegatorrentBlobs",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "MegatorrentCLI",
            dependencies: [
                "MegatorrentCrypto", "MegatorrentManifest", "MegatorrentIdentity", "MegatorrentState",
                "MegatorrentTorrent", "MegatorrentEngine", "MegatorrentTracker", "CMegatorrentABI", "MegatorrentNode",
                "MegatorrentDHT", "MegatorrentGossip", "MegatorrentProxy", "MegatorrentSecureTransport", "MegatorrentBlobs",
                "MegatorrentI2P", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Quality: benchmarks and fuzz targets.
        .executableTarget(
            name: "MegatorrentBench",
            dependencies: [
                "MegatorrentLineProcess",
                "MegatorrentManifest", "MegatorrentCrypto", "MegatorrentTracker", "MegatorrentNoise", "MegatorrentSecureTransport",
                "MegatorrentTorrent", "MegatorrentDHT", "MegatorrentBencode", "MegatorrentBlobs",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/Sources"),
        .executableTarget(
            name: "MegatorrentFuzz",
            dependencies: [
                "MegatorrentManifest", "MegatorrentJSON", "MegatorrentBencode", "MegatorrentTracker", "MegatorrentNoise",
                "MegatorrentCrypto", "MegatorrentWire", "MegatorrentProxy", "MegatorrentBlobs", "MegatorrentI2P", "CFuzzerDriver",
            ],
            path: "fuzz/Sources"),

        .testTarget(name: "MegatorrentCryptoTests", dependencies: ["MegatorrentCrypto"], exclude: []),
        .testTarget(name: "MegatorrentJSONTests", dependencies: ["MegatorrentJSON"]),
        .testTarget(
            name: "MegatorrentProxyTests",
            dependencies: [
                "MegatorrentProxy", "MegatorrentSecureTransport", "MegatorrentTracker", "MegatorrentCrypto", "MegatorrentManifest",
                "MegatorrentTestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "MegatorrentI2PTests",
            dependencies: [
                "MegatorrentI2P", "MegatorrentSecureTransport", "MegatorrentCrypto", "MegatorrentIdentity", "MegatorrentTestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(name: "MegatorrentNoiseTests", dependencies: ["MegatorrentNoise", "MegatorrentCrypto"]),
        .testTarget(
            name: "MegatorrentSecureTransportTests",
            dependencies: [
                "MegatorrentSecureTransport", "MegatorrentNoise", "MegatorrentCrypto",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(name: "MegatorrentManifestTests", dependencies: ["MegatorrentManifest", "MegatorrentCrypto", "MegatorrentJSON", "MegatorrentWire"]),
        .testTarget(name: "MegatorrentIdentityTests", dependencies: ["MegatorrentIdentity", "MegatorrentCrypto"]),
        .testTarget(
            name: "MegatorrentStateTests",
            dependencies: ["MegatorrentState", "MegatorrentManifest", "MegatorrentCrypto", "MegatorrentTestSupport"]),
        .testTarget(
            name: "MegatorrentEngineTests",
            dependencies: ["MegatorrentEngine", "MegatorrentState", "MegatorrentManifest", "MegatorrentCrypto", "MegatorrentTestSupport"]),
        .testTarget(name: "MegatorrentBencodeTests", dependencies: ["MegatorrentBencode"]),
        .testTarget(name: "MegatorrentWireTests", dependencies: ["MegatorrentWire"]),
        .testTarget(
            name: "MegatorrentBlobsTests",
            dependencies: [
                "MegatorrentBlobs", "MegatorrentManifest", "MegatorrentWire", "MegatorrentCrypto", "MegatorrentSecureTransport",
                "MegatorrentTestSupport",
            ]),
        .testTarget(
            name: "MegatorrentGossipTests",
            dependencies: [
                "MegatorrentGossip", "MegatorrentNode", "MegatorrentWire", "MegatorrentSecureTransport", "MegatorrentEngine",
                "MegatorrentState", "MegatorrentManifest", "MegatorrentCrypto", "MegatorrentTestSupport",
            ]),
        .testTarget(
            name: "MegatorrentDHTTests",
            dependencies: [
                "MegatorrentDHT", "MegatorrentBencode", "MegatorrentCrypto", "MegatorrentManifest", "MegatorrentTorrent",
                "MegatorrentTestSupport",
            ]),
        .testTarget(
            name: "MegatorrentNodeTests",
            dependencies: [
                "MegatorrentNode", "MegatorrentBlobs", "MegatorrentTracker", "MegatorrentWire", "MegatorrentCrypto",
                "MegatorrentDHT", "MegatorrentTorrent", "MegatorrentTestSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "MegatorrentLineProcess", path: "Tests/LineProcess"),
        .target(
            name: "MegatorrentTestSupport",
            dependencies: [
                "MegatorrentLineProcess", "MegatorrentTorrent", "MegatorrentManifest", "MegatorrentCrypto", "MegatorrentBlobs",
                "MegatorrentWire",
            ],
            path: "Tests/Support"),
        .testTarget(name: "MegatorrentTorrentTests", dependencies: ["MegatorrentTorrent", "CLibtorrentShim", "MegatorrentTestSupport"]),
        .testTarget(name: "MegatorrentCLITests", dependencies: ["MegatorrentCrypto", "MegatorrentTestSupport"]),
        .testTarget(
            name: "MegatorrentTrackerTests",
            dependencies: [
                "MegatorrentTracker", "MegatorrentManifest", "MegatorrentState", "MegatorrentJSON", "MegatorrentBencode",
                "MegatorrentCrypto", "MegatorrentTestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
