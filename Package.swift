// swift-tools-version:6.2
import PackageDescription

// Arrows point down only (docs/ARCHITECTURE.md):
// ratify -> {RatifyBench, RatifyOps, RatifyClient, RatifyRPC} -> RatifyNode
//        -> {RatifyGossip -> RatifyNet, RatifyStore, RatifyConsensus, RatifyLedger, RatifyPoW} -> RatifyCore -> C shims.
// RatifyBench uses RatifyClient and RatifyOps; RatifyClient needs only RatifyCore and the
// ledger's pure rules (RatifyLedger), never the node; RatifyRPC serves a node through
// RatifyNode's NodeQueries. RatifySim uses Consensus, Ledger and Core only.
let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "Metrics", package: "swift-metrics"),
]

let package = Package(
    name: "Ratify",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ratify", targets: ["ratify"]),
        .library(name: "RatifyCore", targets: ["RatifyCore"]),
        // For Benchmarks/ (the RatifyStorage suite), which depends on this package by path.
        .library(name: "RatifyStore", targets: ["RatifyStore"]),
        // For Benchmarks/ (the RatifyCheckpoints suite).
        .library(name: "RatifyPoW", targets: ["RatifyPoW"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // config.toml. Tried first as the brief asked: resolves from the package mirror and its
        // first debug build (toml++ C++ included) took 7.7 s on this 2-core machine, so it is
        // used instead of a hand-written TOML subset.
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        // Sockets, RPC and the metrics endpoint: SwiftNIO (NIOHTTP1 directly, no Hummingbird,
        // keeps builds short).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // `--node https://...`: the CLI's RPC client speaks TLS through a proxy in front of the
        // node's RPC (docs/DEPLOY.md); the node itself serves plain HTTP.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // `ratify bench finality`: latency percentiles (HdrHistogram, as the issue asks).
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        .target(name: "RatifyCore", dependencies: ["CSodium", "COpenSSL"]),
        .target(name: "RatifyConsensus", dependencies: ["RatifyCore"]),
        .target(name: "RatifyLedger", dependencies: ["RatifyCore"]),
        .target(name: "RatifySim", dependencies: ["RatifyConsensus", "RatifyCore"]),
        .target(name: "RatifyStore", dependencies: ["RatifyCore", "CLMDB"]),
        // Two-way interleaved SHA-NI sha256d for the PoW hashing core (docs/PERFORMANCE.md,
        // "Proof of work", has the measurement that justifies it next to OpenSSL's).
        .target(name: "CSHA256D"),
        .target(name: "RatifyPoW", dependencies: ["RatifyCore", "COpenSSL", "CSHA256D"]),
        .target(name: "RatifyNet", dependencies: ["RatifyCore", "CSodium"] + nio),
        // The consensus gossip (vote store, what each peer holds, resends) on top of RatifyNet.
        .target(name: "RatifyGossip", dependencies: ["RatifyNet", "RatifyCore", .product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "RatifyNode",
            dependencies: [
                "RatifyCore", "RatifyConsensus", "RatifyLedger", "RatifyStore", "RatifyNet", "RatifyGossip", "RatifyPoW",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ] + nio
        ),
        // The HTTP server, the RPC routes and the metrics endpoint, over a node's NodeQueries.
        .target(
            name: "RatifyRPC",
            dependencies: [
                "RatifyCore", "RatifyLedger", "RatifyPoW", "RatifyNode",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ] + nio
        ),
        // What talks to a node from outside: the RPC client, the keyring, transaction builders.
        .target(
            name: "RatifyClient",
            dependencies: [
                "RatifyCore", "RatifyLedger",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // Testnet and home generation, the localnet runner, the history and store checks.
        .target(name: "RatifyOps", dependencies: ["RatifyCore", "RatifyLedger", "RatifyStore", "RatifyNode"]),
        // `ratify bench finality`: a localnet or running nodes under an open-loop load of
        // signed transfers, with latency histograms and a JSON report.
        .target(
            name: "RatifyBench",
            dependencies: [
                "RatifyCore", "RatifyNode", "RatifyStore", "RatifyOps", "RatifyClient",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ] + nio
        ),
        .executableTarget(
            name: "ratify",
            dependencies: [
                "RatifyCore", "RatifyNode", "RatifyRPC", "RatifyClient", "RatifyOps", "RatifySim", "RatifyBench", "RatifyPoW",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A child process for RatifyStoreTests only (crash and lock tests): never shipped.
        .executableTarget(name: "RatifyStoreCrashWorker", dependencies: ["RatifyStore", "RatifyCore"]),

        .testTarget(name: "RatifyCoreTests", dependencies: ["RatifyCore"]),
        .testTarget(name: "RatifyConsensusTests", dependencies: ["RatifyConsensus", "RatifyCore"]),
        .testTarget(name: "RatifyLedgerTests", dependencies: ["RatifyLedger", "RatifyCore"]),
        .testTarget(name: "RatifySimTests", dependencies: ["RatifySim", "RatifyConsensus", "RatifyCore"]),
        .testTarget(name: "RatifyPoWTests", dependencies: ["RatifyPoW", "RatifyCore"]),
        .testTarget(name: "RatifyStoreTests", dependencies: ["RatifyStore", "RatifyCore"]),
        .testTarget(
            name: "RatifyNetTests",
            // RatifyGossip too: the gossip tests run it on real sessions.
            dependencies: ["RatifyNet", "RatifyGossip", "RatifyCore", .product(name: "NIOEmbedded", package: "swift-nio")] + nio
        ),
        // Fixtures shared by the node, RPC, client and ops tests (a small signed chain, temporary directories).
        .target(name: "RatifyTestSupport", dependencies: ["RatifyNode", "RatifyLedger", "RatifyCore"], path: "Tests/RatifyTestSupport"),
        .testTarget(name: "RatifyNodeTests",
                    dependencies: ["RatifyNode", "RatifyTestSupport", "RatifyOps", "RatifyStore", "RatifyLedger", "RatifyPoW", "RatifyCore"] + nio),
        .testTarget(name: "RatifyRPCTests",
                    dependencies: ["RatifyRPC", "RatifyClient", "RatifyNode", "RatifyNet", "RatifyTestSupport", "RatifyLedger", "RatifyPoW", "RatifyCore",
                                   .product(name: "Prometheus", package: "swift-prometheus")] + nio),
        // The TLS tests serve HTTPS on loopback with NIOSSL, as a proxy in front of a node would.
        .testTarget(name: "RatifyClientTests",
                    dependencies: ["RatifyClient", "RatifyTestSupport", "RatifyLedger", "RatifyCore",
                                   .product(name: "NIOSSL", package: "swift-nio-ssl"),
                                   .product(name: "NIOHTTP1", package: "swift-nio")] + nio),
        .testTarget(name: "RatifyOpsTests", dependencies: ["RatifyOps", "RatifyNode", "RatifyTestSupport", "RatifyStore", "RatifyLedger", "RatifyCore"]),
        // Real `ratify start` processes on loopback; needs the `ratify` product built beside it.
        .testTarget(name: "RatifyBenchTests", dependencies: ["RatifyBench", "RatifyOps", "RatifyCore"] + nio),
        .testTarget(name: "RatifyIntegrationTests",
                    dependencies: ["RatifyNode", "RatifyNet", "RatifyOps", "RatifyClient", "RatifyStore", "RatifyCore", "RatifyBench"]),
    ]
)
