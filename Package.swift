// swift-tools-version: 6.1
import PackageDescription

// Core modules (Model, CodeSets, Policies, Engine) depend on Foundation and Yams only,
// so they build in seconds; heavier dependencies live in the layers above.
let package = Package(
    name: "medpolicy",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "medpolicy", targets: ["medpolicy"]),
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
    ],
    targets: [
        .target(name: "Model"),
        .target(name: "CodeSets", dependencies: ["Model"], resources: [.copy("Resources")]),
        .target(name: "Policies", dependencies: ["Model", "CodeSets", "Yams"]),
        .target(name: "Engine", dependencies: ["Model", "CodeSets", "Policies"]),
        // Reads free-text procedure and visit notes into encounter drafts (issue 21).
        .target(name: "NoteIntake", dependencies: ["Model", "CodeSets"]),
        // Interchange reads policies for DTR questionnaires (Policies, which brings CodeSets).
        .target(name: "Interchange", dependencies: ["Model", "CodeSets", "Policies"], resources: [.copy("Resources")]),
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
                "Model", "CodeSets", "Policies", "Engine", "History", "Interchange", "Workflows",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "medpolicy",
            dependencies: [
                "Model", "CodeSets", "Policies", "Engine", "History", "Interchange", "Workflows", "MedPolicyServer", "NoteIntake",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "medpolicy-bench", dependencies: ["Model", "CodeSets", "Policies", "Engine", "History"]),
        .testTarget(name: "ModelTests", dependencies: ["Model"]),
        .testTarget(name: "NoteIntakeTests", dependencies: ["NoteIntake", "CodeSets", "Model"], resources: [.copy("Corpus")]),
        .testTarget(name: "CodeSetsTests", dependencies: ["CodeSets", "Model"]),
        .testTarget(name: "PoliciesTests", dependencies: ["Policies", "CodeSets", "Model"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Policies", "CodeSets", "Model"]),
        // Workflows and Interchange: a generated 837 file adjudicated end to end against a SQLite history.
        .testTarget(name: "HistoryTests", dependencies: ["History", "Model", "Workflows", "Interchange",
                                                        .product(name: "PostgresNIO", package: "postgres-nio"),
                                                        .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CLITests", dependencies: ["medpolicy"]),
        .testTarget(name: "ServerTests", dependencies: ["medpolicy", "MedPolicyServer", "Workflows", "Interchange", "Model",
                                                        .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "InterchangeTests", dependencies: ["Interchange", "Model", "Engine", "Policies", "CodeSets"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
