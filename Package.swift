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

    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // OpenSSL's libcrypto, reached only through MegatorrentCrypto.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "MegatorrentCrypto", dependencies: ["COpenSSL"]),
        .testTarget(name: "MegatorrentCryptoTests", dependencies: ["MegatorrentCrypto"]),
    ],
    swiftLanguageModes: [.v6]
)
