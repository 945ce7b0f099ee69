// swift-tools-version:6.2
import PackageDescription

// Arrows point down only (see DESIGN.md):
// ratify -> RatifyNode -> {RatifyNet, RatifyStore, RatifyConsensus, RatifyLedger, RatifyPoW}
//        -> RatifyCore -> C shims. RatifySim uses Consensus, Ledger and Core only.
let package = Package(
    name: "Ratify",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ratify", targets: ["ratify"]),
        .library(name: "RatifyCore", targets: ["RatifyCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        .target(name: "RatifyCore", dependencies: ["CSodium", "COpenSSL"]),

        .target(
            name: "RatifyNet",
            dependencies: [
                "RatifyCore",
                "CSodium",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        .executableTarget(
            name: "ratify",
            dependencies: [
                "RatifyCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "RatifyCoreTests", dependencies: ["RatifyCore"]),
        .testTarget(
            name: "RatifyNetTests",
            dependencies: [
                "RatifyNet",
                "RatifyCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
    ]
)
