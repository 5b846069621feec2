// swift-tools-version:6.2
import PackageDescription

// The libFuzzer targets of tiktok-business (scripts/fuzz.sh runs them; README.md, "Fuzzing").
//
// Its own package, so that only the project's code is compiled with the sanitizer's coverage: the folders in
// `Sources/` are links to the parent package's modules, built here under the same names with `-sanitize=fuzzer`, while
// the dependencies below are the parent's (same addresses, same versions), whose build products in a shared build
// folder (`swift build --package-path Fuzz --scratch-path .build`) are reused as they are. This package does not
// depend on the parent package: its modules would clash with the links.
//
// `tiktok-business-fuzz TARGET [libFuzzer options] [corpus folders or inputs]` runs one target; see
// `Harness/FuzzTargets.swift` for the list.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
/// The coverage that guides libFuzzer: on the project's modules and the harness, never on the dependencies.
let fuzzed: [SwiftSetting] = swiftSettings + [.unsafeFlags(["-sanitize=fuzzer"])]

let package = Package(
    name: "tiktok-business-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // The parent package's modules (links to ../Sources), as its Package.swift declares them.
        .target(
            name: "TikTokBusiness",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: fuzzed
        ),
        // Linked by the service's composition root only; no harness reaches it, so it is not instrumented.
        .target(
            name: "TikTokEmulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Resources/report-catalogue.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TikTokConnections",
            dependencies: [
                "TikTokBusiness",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: fuzzed
        ),
        .target(
            name: "TikTokConnectionsSQLite",
            dependencies: [
                "TikTokConnections",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: fuzzed
        ),
        .target(
            name: "TikTokConnectionsPostgres",
            dependencies: [
                "TikTokConnections",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: fuzzed
        ),
        .target(
            name: "TikTokConnectionsServer",
            dependencies: [
                "TikTokBusiness",
                "TikTokConnections",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            // The OpenAPI document and the page templates as data, compiled into the binary.
            resources: [
                .embedInCode("Resources/openapi.json"),
                .embedInCode("Resources/templates/layout.mustache"),
                .embedInCode("Resources/templates/result.mustache"),
                .embedInCode("Resources/templates/admin-layout.mustache"),
                .embedInCode("Resources/templates/admin-signin.mustache"),
                .embedInCode("Resources/templates/admin-connections.mustache"),
                .embedInCode("Resources/templates/admin-connection.mustache"),
                .embedInCode("Resources/templates/admin-link.mustache"),
                .embedInCode("Resources/templates/admin-confirm.mustache"),
                .embedInCode("Resources/templates/admin-message.mustache"),
                .embedInCode("Resources/templates/admin-proxy-token.mustache"),
            ],
            swiftSettings: fuzzed
        ),
        .target(
            name: "TikTokBusinessService",
            dependencies: [
                "TikTokBusiness",
                "TikTokEmulator",
                "TikTokConnections",
                "TikTokConnectionsSQLite",
                "TikTokConnectionsPostgres",
                "TikTokConnectionsServer",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            swiftSettings: fuzzed
        ),

        // libFuzzer's driver, called by the harness's `main` once it has picked the target.
        .target(name: "CFuzzerDriver", path: "CFuzzerDriver"),
        .executableTarget(
            name: "tiktok-business-fuzz",
            dependencies: [
                "CFuzzerDriver",
                "TikTokBusiness",
                "TikTokConnections",
                "TikTokConnectionsSQLite",
                "TikTokConnectionsServer",
                "TikTokBusinessService",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Harness",
            swiftSettings: fuzzed,
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer", "-use-ld=lld"])]
        ),
    ]
)
