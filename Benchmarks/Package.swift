// swift-tools-version:6.2
import PackageDescription

import struct Foundation.URL

// SwiftPM names a path dependency after its folder: the clone's name, whatever it is.
let parentPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

// The benchmarks of tiktok-business: its own package, so that users of the library never build package-benchmark.
//
// - `swift package benchmark` (from this folder) runs the micro-benchmarks in `Benchmarks/`, on release builds.
// - `relay` is the bare Hummingbird → AsyncHTTPClient hop the proxy is measured against (scripts/bench/proxy.sh).
// - `tiktok-business` (the parent package's executable) is built from here too, so that the scripts in
//   scripts/bench/ need one release build of the dependencies, not two.
let package = Package(
    name: "tiktok-business-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "relay",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Sources/relay"
        ),
        .executableTarget(
            name: "sdk-load",
            dependencies: [.product(name: "TikTokBusiness", package: parentPackage)],
            path: "Sources/sdk-load"
        ),
        .executableTarget(
            name: "SDKBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TikTokBusiness", package: parentPackage),
            ],
            path: "Benchmarks/SDKBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "VaultBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TikTokBusiness", package: parentPackage),
                .product(name: "TikTokConnections", package: parentPackage),
                .product(name: "TikTokConnectionsSQLite", package: parentPackage),
            ],
            path: "Benchmarks/VaultBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
