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
    ],
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        .target(name: "RatifyCore", dependencies: ["CSodium", "COpenSSL"]),
        .target(name: "RatifyConsensus", dependencies: ["RatifyCore"]),
        .target(name: "RatifySim", dependencies: ["RatifyConsensus", "RatifyCore"]),

        .executableTarget(
            name: "ratify",
            dependencies: [
                "RatifyCore",
                "RatifySim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "RatifyCoreTests", dependencies: ["RatifyCore"]),
        .testTarget(name: "RatifyConsensusTests", dependencies: ["RatifyConsensus", "RatifyCore"]),
        .testTarget(name: "RatifySimTests", dependencies: ["RatifySim", "RatifyConsensus", "RatifyCore"]),
    ]
)
