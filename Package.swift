// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Integrator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "integrator", targets: ["integrator"]),
        .library(name: "IntegratorModel", targets: ["IntegratorModel"]),
        .library(name: "IntegratorStore", targets: ["IntegratorStore"]),
        .library(name: "IntegratorPostgres", targets: ["IntegratorPostgres"]),
        .library(name: "IntegratorServer", targets: ["IntegratorServer"]),
        .library(name: "EndpointKit", targets: ["EndpointKit"]),
        .library(name: "SpreeStore", targets: ["SpreeStore"]),
        .executable(name: "spree-store", targets: ["spree-store"]),
        .library(name: "SpreeEndpoint", targets: ["SpreeEndpoint"]),
        .executable(name: "spree-endpoint", targets: ["spree-endpoint"]),
    ],
    dependencies: [
        // HTTP server for the push and admin APIs.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // HTTP client for deliveries.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // SQLite, the embedded default store.
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // Command line of the `integrator` executable.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // YAML for `--config` and `apply -f`.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph through Hummingbird: the HTTP request and response parts the
        // connection guard sees.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // PostgreSQL, the store for several hub processes.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // SHA-256 for stored tokens, HMAC for signed deliveries.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // Metrics API and its Prometheus exporter for `/metrics`.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Server-rendered, escaped HTML for the admin console.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "IntegratorModel",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "IntegratorStore",
            dependencies: [
                "IntegratorModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for binding the hot statements' values (SQLiteBinding.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "IntegratorPostgres",
            dependencies: [
                "IntegratorModel",
                "IntegratorStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "IntegratorServer",
            dependencies: [
                "IntegratorModel",
                "IntegratorStore",
                "IntegratorPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "IntegratorTestSupport",
            dependencies: [
                "IntegratorModel",
                "IntegratorStore",
                "IntegratorPostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EndpointKit",
            dependencies: [
                "IntegratorModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SpreeStore",
            dependencies: [
                "IntegratorModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "spree-store",
            dependencies: [
                "SpreeStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/spree-store",
            swiftSettings: strict
        ),
        .target(
            name: "SpreeEndpoint",
            dependencies: [
                "EndpointKit",
                "IntegratorModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "spree-endpoint",
            dependencies: [
                "SpreeEndpoint",
                "EndpointKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/spree-endpoint",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "integrator",
            dependencies: [
                "IntegratorServer",
                "IntegratorStore",
                "IntegratorModel",
                // `integrator demo` runs the Spree endpoint and store simulator in-process.
                "SpreeStore",
                "SpreeEndpoint",
                "EndpointKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "integrator-bench",
            dependencies: [
                "IntegratorModel",
                // The event loop executor, for the receiver's connections.
                "IntegratorPostgres",
                "IntegratorTestSupport",
                "SpreeStore",
                "SpreeEndpoint",
                "EndpointKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/integrator-bench",
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegratorModelTests",
            dependencies: ["IntegratorModel"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndpointKitTests",
            dependencies: ["EndpointKit", "IntegratorModel", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SpreeStoreTests",
            dependencies: [
                "SpreeStore", "spree-store", "IntegratorModel", "IntegratorTestSupport", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SpreeEndpointTests",
            dependencies: [
                "SpreeEndpoint", "SpreeStore", "EndpointKit", "IntegratorModel", "IntegratorTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegratorStoreTests",
            dependencies: [
                "IntegratorStore", "IntegratorModel", "IntegratorPostgres", "IntegratorTestSupport",
                // To make a database file as an older version of the hub left it.
                .product(name: "GRDB", package: "GRDB.swift"),
                // A secret key to seal and reseal with.
                .product(name: "Crypto", package: "swift-crypto"),
                // To run one PostgreSQL group transaction by hand.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegratorServerTests",
            dependencies: [
                "IntegratorServer",
                "integrator",
                "spree-store",
                "spree-endpoint",
                "IntegratorModel",
                "IntegratorTestSupport",
                "SpreeEndpoint",
                "SpreeStore",
                "EndpointKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                "IntegratorStore",
            ],
            swiftSettings: strict
        ),
    ]
)
