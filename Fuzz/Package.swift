// swift-tools-version: 6.1
// libFuzzer harnesses for breachclock's parsers and decoders; see README.md here and `scripts/fuzz`.
// A package of its own so that the main build never sees the sanitizer flags. Build (Linux):
//   swift build -c release --package-path Fuzz --scratch-path Fuzz/.build --sanitize fuzzer \
//     -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address
import PackageDescription

let package = Package(
    name: "breachclock-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "breachclock", path: "..")
    ],
    targets: [
        // What every harness checks of a parsed document: the stated limits, no duplicate key, no NUL.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "BreachClockRules", package: "breachclock"),
                .product(name: "BreachClockCalculator", package: "breachclock"),
                .product(name: "BreachClockLoader", package: "breachclock"),
                .product(name: "BreachClockJSON", package: "breachclock"),
            ]),
        // `JSONDocumentParser.parse` (API bodies), with a write-and-reparse round trip.
        .executableTarget(
            name: "fuzz-json", dependencies: ["FuzzSupport", .product(name: "BreachClockJSON", package: "breachclock")]),
        // `DocumentParser.parse(format: .yaml)` (facts and rule files through libyaml's events).
        .executableTarget(name: "fuzz-yaml", dependencies: ["FuzzSupport"]),
        // Facts files and bodies: parse, `FactsDecoder`, then assess against the real rulebook.
        .executableTarget(
            name: "fuzz-facts", dependencies: ["FuzzSupport", .product(name: "BreachClockJSON", package: "breachclock")]),
        // Rule files: YAML, then `RuleDecoder`; a rule that decodes is assessed for a few fixed incidents.
        .executableTarget(name: "fuzz-rules", dependencies: ["FuzzSupport"]),
    ]
)
