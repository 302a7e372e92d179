// swift-tools-version: 6.1
import PackageDescription

// Core modules (Model, CodeSets, Policies, Engine) depend on Foundation and Yams only,
// so they build in seconds; heavier dependencies live in the layers above.
let package = Package(
    name: "medpolicy",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "medpolicy", targets: ["medpolicy"]),
        // Libraries for the benchmark package (Benchmarks/), which decides encounters as the CLI does.
        .library(name: "Model", targets: ["Model"]),
        .library(name: "CodeSets", targets: ["CodeSets"]),
        .library(name: "Policies", targets: ["Policies"]),
        .library(name: "Engine", targets: ["Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The server only; swift-configuration support is not needed (options come from the command line).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The server's workbench page: HTML templates, escaped by default (issue 21).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // Imported by the server directly (HTTP field names, ByteBuffer); Hummingbird brings them.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        .target(name: "Model"),
        .target(name: "CodeSets", dependencies: ["Model"], resources: [.copy("Resources")]),
        .target(name: "Policies", dependencies: ["Model", "CodeSets", "Yams"]),
        .target(name: "Engine", dependencies: ["Model", "CodeSets", "Policies"]),
        // Reads free-text procedure and visit notes into encounter drafts (issue 21).
        .target(name: "NoteIntake", dependencies: ["Model", "CodeSets"]),
        // X12 837P reader and 835 writer. CodeSets for the CARC table: the group code (CO, OA) each
        // denial goes out under on an 835.
        .target(name: "Interchange", dependencies: ["Model", "CodeSets"], resources: [.copy("Resources")]),
        // FHIR R4 / CDS Hooks mapping (CRD, PAS, DTR); DTR questionnaires are read from policies.
        .target(name: "FHIRInterchange", dependencies: ["Model", "Policies", "Interchange"], path: "Sources/FHIR"),
        // Synthetic 837P files written against the policies (claims each policy approves or denies).
        .target(name: "SyntheticClaims", dependencies: ["Model", "CodeSets", "Policies", "Interchange"]),
        .target(
            name: "History",
            dependencies: [
                "Model",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C interface, for the dry-run probe (SQLiteClaimProbe).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // What the user interfaces share: engine setup, deciding with history, code lookups.
        .target(name: "Workflows", dependencies: ["Model", "CodeSets", "Policies", "Engine", "History", "Interchange", "Yams"]),
        .target(
            name: "MedPolicyServer",
            dependencies: [
                "Model", "CodeSets", "Policies", "Engine", "History", "Interchange", "FHIRInterchange", "Workflows", "NoteIntake",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "medpolicy",
            dependencies: [
                "Model", "CodeSets", "Policies", "Engine", "History", "Interchange", "SyntheticClaims", "Workflows",
                "MedPolicyServer", "NoteIntake",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The batch report's HTML template (issue 24).
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What each reader of outside input promises on any bytes; checked by fuzzing and by tests (issue 26).
        .target(name: "ReaderContracts", dependencies: ["Model", "Policies", "Interchange", "FHIRInterchange"]),
        // libFuzzer entry point (scripts/fuzz.sh builds it with -D FUZZING); otherwise a corpus replayer.
        .executableTarget(name: "medpolicy-fuzz", dependencies: ["ReaderContracts"]),
        .executableTarget(name: "medpolicy-bench", dependencies: ["Model", "CodeSets", "Policies", "Engine", "History",
                                                             .product(name: "PostgresNIO", package: "postgres-nio"),
                                                             .product(name: "Logging", package: "swift-log")]),
        // What several test targets share: the checkout's examples and policies. Not linked into the binary.
        .target(name: "TestSupport", dependencies: ["Model", "CodeSets", "Policies", "Engine", "SyntheticClaims"],
                path: "Tests/TestSupport"),
        .testTarget(name: "ModelTests", dependencies: ["Model"]),
        .testTarget(name: "NoteIntakeTests", dependencies: ["NoteIntake", "CodeSets", "Model"], resources: [.copy("Corpus")]),
        .testTarget(name: "CodeSetsTests", dependencies: ["CodeSets", "Model"]),
        .testTarget(name: "PoliciesTests", dependencies: ["Policies", "CodeSets", "Model"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Policies", "CodeSets", "Model", "SyntheticClaims"]),
        // Workflows and Interchange: a generated 837 file adjudicated end to end against a SQLite history.
        .testTarget(name: "HistoryTests", dependencies: ["History", "Model", "Workflows", "Interchange", "SyntheticClaims", "Policies", "TestSupport",
                                                        .product(name: "PostgresNIO", package: "postgres-nio"),
                                                        .product(name: "GRDB", package: "GRDB.swift")],
                    // A history file as medpolicy wrote it before GRDB's migrator kept its versions.
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["medpolicy"]),
        .testTarget(name: "ServerTests", dependencies: ["medpolicy", "MedPolicyServer", "Workflows", "Interchange", "FHIRInterchange",
                                                        "SyntheticClaims", "TestSupport", "Model", "History",
                                                        .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "InterchangeTests", dependencies: ["Interchange", "SyntheticClaims", "TestSupport", "Model", "Engine", "Policies", "CodeSets"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "FHIRTests", dependencies: ["FHIRInterchange", "Interchange", "TestSupport", "Model", "Engine", "Policies", "CodeSets"]),
        .testTarget(name: "ReaderContractTests", dependencies: ["ReaderContracts", "Interchange", "FHIRInterchange", "SyntheticClaims", "TestSupport", "Model", "Policies"]),
    ],
    swiftLanguageModes: [.v6]
)
