// swift-tools-version: 6.1
import PackageDescription

/// Settings shared by every target.
let swiftSettings: [SwiftSetting] = [
    // SE-0335: spell out `any` for existentials.
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "breachclock",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "breachclock", targets: ["breachclock"]),
        .library(name: "BreachClockRules", targets: ["BreachClockRules"]),
        .library(name: "BreachClockCalculator", targets: ["BreachClockCalculator"]),
        .library(name: "BreachClockLoader", targets: ["BreachClockLoader"]),
        .library(name: "BreachClockJSON", targets: ["BreachClockJSON"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Pure: the rules model, its decoding from a parsed document, calendars. Foundation only.
        .target(name: "BreachClockRules", swiftSettings: swiftSettings),
        // Pure: JSON written fast (the assessment's writer, and the envelope that embeds stored JSON text
        // verbatim, which Codable cannot) and read strictly (the parser behind DocumentNode for JSON).
        // Everything else is Codable with Foundation's encoder (JSONEncoder.breachclock).
        .target(name: "BreachClockJSON", dependencies: ["BreachClockRules"], swiftSettings: swiftSettings),
        // Pure: incident facts, their validation, and the calculator. Foundation only.
        .target(name: "BreachClockCalculator", dependencies: ["BreachClockRules", "BreachClockJSON"], swiftSettings: swiftSettings),
        // Pure: the incident-response programme as data (roles, people, severities, runbooks, systems),
        // read strictly from a parsed document, and its staleness checks; tabletop exercises' scenarios,
        // logs, records and after-action reports (the runner, which needs IO, is in BreachClockServer).
        .target(name: "BreachClockProgramme", dependencies: ["BreachClockRules", "BreachClockCalculator"], swiftSettings: swiftSettings),
        // IO: reads `Jurisdictions/` and facts files (YAML or JSON) from disk.
        .target(
            name: "BreachClockLoader",
            dependencies: [
                "BreachClockRules", "BreachClockCalculator",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pure: what people read of an assessment: the terminal table, the markdown memo, the iCalendar file.
        .target(name: "BreachClockReports", dependencies: ["BreachClockRules", "BreachClockCalculator"], swiftSettings: swiftSettings),
        // IO: incidents, assessment history, notices, decisions, API keys and the audit chain in SQLite (GRDB).
        .target(
            name: "BreachClockStore",
            dependencies: [
                "BreachClockRules", "BreachClockCalculator", "BreachClockJSON", "BreachClockProgramme",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Migrations/README.md"],
            swiftSettings: swiftSettings
        ),
        // libcurl from the system (`libcurl4-openssl-dev`), with typed wrappers for its variadic calls.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // IO: webhook delivery through libcurl's multi interface: Standard Webhooks signatures, payload
        // formats, the retry decision and the SSRF guard (the last three pure).
        .target(
            name: "BreachClockWebhooks",
            dependencies: [
                "CCurl", "BreachClockRules", "BreachClockCalculator", "BreachClockJSON",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The application: what the service does with incidents (validate, compute, explain what changed,
        // plan reminders, roll out new rules), over the store; its errors are its own (ServiceError),
        // which the HTTP layer maps to problems. No HTTP here.
        .target(
            name: "BreachClockApplication",
            dependencies: [
                "BreachClockRules", "BreachClockCalculator", "BreachClockJSON", "BreachClockLoader", "BreachClockStore", "BreachClockWebhooks",
                "BreachClockProgramme",
            ],
            swiftSettings: swiftSettings
        ),
        // IO: the evidence bundle for an audit period (SOC 2 CC7.1-CC7.5): its files, their SHA-256
        // manifest anchored in the audit chain, the zip (ZIPFoundation), and its verification.
        .target(
            name: "BreachClockEvidence",
            dependencies: [
                "BreachClockRules", "BreachClockCalculator", "BreachClockJSON", "BreachClockLoader", "BreachClockStore", "BreachClockProgramme",
                "BreachClockApplication",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // IO: the HTTP API (Hummingbird 2) over the application, the store and the calculator.
        .target(
            name: "BreachClockServer",
            dependencies: [
                "BreachClockRules", "BreachClockCalculator", "BreachClockJSON", "BreachClockLoader", "BreachClockStore", "BreachClockReports",
                "BreachClockWebhooks", "BreachClockApplication", "BreachClockProgramme", "BreachClockEvidence",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // The commands and the renderers (table, markdown, ics, json).
        .target(
            name: "BreachClockCLI",
            dependencies: [
                "BreachClockRules", "BreachClockCalculator", "BreachClockJSON", "BreachClockLoader", "BreachClockStore", "BreachClockServer",
                "BreachClockReports", "BreachClockWebhooks", "BreachClockProgramme", "BreachClockApplication", "BreachClockEvidence",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "breachclock",
            dependencies: ["BreachClockCLI", .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings),
        // `swift run -c release breachclock-webhook-bench`: 10,000 reminders due at once (see README).
        .executableTarget(
            name: "breachclock-webhook-bench",
            dependencies: [
                "BreachClockServer", "BreachClockStore", "BreachClockWebhooks", "BreachClockCalculator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings),
        // `swift run -c release breachclock-store-bench`: the store as its tables grow (see README).
        .executableTarget(name: "breachclock-store-bench", dependencies: ["BreachClockStore"], swiftSettings: swiftSettings),
        // `swift run -c release breachclock-bench`: the in-process speed benchmark (see README).
        .executableTarget(
            name: "breachclock-bench", dependencies: ["BreachClockCalculator", "BreachClockLoader"], swiftSettings: swiftSettings),
        // Tests, by layer: the domain's build has no HTTP, TLS or database in it; the store's has no
        // HTTP; the service's (application, webhooks, server, CLI) has everything. Fixtures are in
        // Tests/Fixtures, shared.
        .target(
            name: "BreachClockTestSupport", dependencies: ["BreachClockRules", "BreachClockCalculator", "BreachClockLoader"],
            path: "Tests/BreachClockTestSupport", swiftSettings: swiftSettings),
        .target(
            name: "BreachClockStoreTestSupport", dependencies: ["BreachClockStore", "BreachClockTestSupport"],
            path: "Tests/BreachClockStoreTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "BreachClockDomainTests",
            dependencies: [
                "BreachClockRules", "BreachClockCalculator", "BreachClockJSON", "BreachClockLoader", "BreachClockReports", "BreachClockProgramme",
                "BreachClockTestSupport",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BreachClockStoreTests",
            dependencies: [
                "BreachClockStore", "BreachClockTestSupport", "BreachClockStoreTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BreachClockServiceTests",
            dependencies: [
                "BreachClockRules", "BreachClockCalculator", "BreachClockJSON", "BreachClockLoader", "BreachClockCLI", "BreachClockStore",
                "BreachClockServer", "BreachClockWebhooks", "BreachClockApplication", "BreachClockTestSupport", "BreachClockStoreTestSupport",
                "BreachClockProgramme", "BreachClockEvidence",
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
    ]
)
