// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "tiktok-business",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TikTokBusiness", targets: ["TikTokBusiness"]),
        .library(name: "TikTokEmulator", targets: ["TikTokEmulator"]),
        .library(name: "TikTokConnections", targets: ["TikTokConnections"]),
        .library(name: "TikTokConnectionsSQLite", targets: ["TikTokConnectionsSQLite"]),
        .library(name: "TikTokConnectionsPostgres", targets: ["TikTokConnectionsPostgres"]),
        .library(name: "TikTokConnectionsServer", targets: ["TikTokConnectionsServer"]),
        .library(name: "TikTokBusinessService", targets: ["TikTokBusinessService"]),
        .executable(name: "tiktok-business", targets: ["tiktok-business"]),
    ],
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
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Traces over OTLP/HTTP only: no gRPC exporter to build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .target(
            name: "TikTokBusiness",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TikTokEmulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // TikTok's report catalogue as data (ReportCatalogue), compiled into the binary.
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
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TikTokConnectionsSQLite",
            dependencies: [
                "TikTokConnections",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
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
            swiftSettings: swiftSettings
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
            swiftSettings: swiftSettings
        ),
        // The service's composition root: settings, start checks (app identity, key ring), the service group.
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
                // The tracer's bootstrap (OTLP/HTTP exporter); the libraries only make spans (Tracing).
                .product(name: "OTel", package: "swift-otel"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tiktok-business",
            dependencies: [
                "TikTokBusiness",
                "TikTokEmulator",
                "TikTokConnections",
                "TikTokBusinessService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support shared by the test targets (not a product).
        .target(
            name: "TikTokTestSupport",
            dependencies: [
                "TikTokBusiness",
                "TikTokConnections",
                "TikTokConnectionsPostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/TikTokTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TikTokBusinessTests",
            dependencies: [
                "TikTokTestSupport",
                "TikTokBusiness",
                "TikTokEmulator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TikTokConnectionsTests",
            dependencies: [
                "TikTokTestSupport",
                "TikTokBusiness",
                "TikTokEmulator",
                "TikTokConnections",
                "TikTokConnectionsSQLite",
                "TikTokConnectionsPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TikTokConnectionsServerTests",
            dependencies: [
                "TikTokTestSupport",
                "TikTokBusiness",
                "TikTokEmulator",
                "TikTokConnections",
                "TikTokConnectionsSQLite",
                "TikTokConnectionsServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TikTokBusinessServiceTests",
            dependencies: [
                "TikTokTestSupport",
                "TikTokBusiness",
                "TikTokEmulator",
                "TikTokConnections",
                "TikTokConnectionsSQLite",
                "TikTokConnectionsPostgres",
                "TikTokBusinessService",
                "TikTokConnectionsServer",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TikTokEmulatorTests",
            dependencies: [
                "TikTokTestSupport",
                "TikTokEmulator",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
