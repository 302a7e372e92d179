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
    ],
    targets: [
        .target(name: "Model"),
        .target(name: "CodeSets", dependencies: ["Model"], resources: [.copy("Resources")]),
        .target(name: "Policies", dependencies: ["Model", "CodeSets", "Yams"]),
        .target(name: "Engine", dependencies: ["Model", "CodeSets", "Policies"]),
        // Interchange reads policies for DTR questionnaires (Policies, which brings CodeSets).
        .target(name: "Interchange", dependencies: ["Model", "Policies"], resources: [.copy("Resources")]),
        .target(
            name: "History",
            dependencies: [
                "Model",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .executableTarget(
            name: "medpolicy",
            dependencies: [
                "Model", "CodeSets", "Policies", "Engine", "History", "Interchange",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "medpolicy-bench", dependencies: ["Model", "CodeSets", "Policies", "Engine", "History"]),
        .testTarget(name: "ModelTests", dependencies: ["Model"]),
        .testTarget(name: "CodeSetsTests", dependencies: ["CodeSets", "Model"]),
        .testTarget(name: "PoliciesTests", dependencies: ["Policies", "CodeSets", "Model"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Policies", "CodeSets", "Model"]),
        .testTarget(name: "HistoryTests", dependencies: ["History", "Model", .product(name: "PostgresNIO", package: "postgres-nio")]),
        .testTarget(name: "CLITests", dependencies: ["medpolicy"]),
        .testTarget(name: "InterchangeTests", dependencies: ["Interchange", "Model", "Engine", "Policies", "CodeSets"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
