// swift-tools-version: 6.3
import PackageDescription

import struct Foundation.URL

// SwiftPM names a path dependency after its folder, which differs between clones
// (ratify, main, a worktree's name), so the root package's identity is worked out here.
let rootPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

// Benchmarks live in their own package so that the root package's build, its tests and CI
// never compile the benchmark framework. Run from this folder:
//   swift package --disable-sandbox benchmark
// (docs/PERFORMANCE.md has the figures and the exact commands.)
let package = Package(
    name: "RatifyBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // Only this form resolves on our machines: the package's default traits would also
        // pull in swift-runtime-interposer, which is not available here.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "RatifyCrypto",
            dependencies: [
                .product(name: "RatifyCore", package: rootPackage),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/RatifyCrypto",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RatifyCodec",
            dependencies: [
                .product(name: "RatifyCore", package: rootPackage),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/RatifyCodec",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Named RatifyStorage, not RatifyStore: target names are unique across the package graph.
        .executableTarget(
            name: "RatifyStorage",
            dependencies: [
                .product(name: "RatifyCore", package: rootPackage),
                .product(name: "RatifyStore", package: rootPackage),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/RatifyStorage",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RatifyCheckpoints",
            dependencies: [
                .product(name: "RatifyCore", package: rootPackage),
                .product(name: "RatifyPoW", package: rootPackage),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/RatifyCheckpoints",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
