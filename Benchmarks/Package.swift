// swift-tools-version: 6.1
import PackageDescription

// The engine's speed guard (issue 24), kept out of the main package so that its build stays as it
// is: ordo-one/benchmark and its dependencies are built only here. Run from the repository root:
//   swift package --package-path Benchmarks benchmark
//   swift package --package-path Benchmarks benchmark baseline check engine   (what .ci/run does)
let package = Package(
    name: "medpolicy-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "medpolicy", path: ".."),
        // MallocInterposer only: the default traits add a Swift runtime interposer for ARC counts on
        // Linux, which is not among the packages this project can use (and counts nothing we check).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The engine and the encounters the benchmarks decide.
        .target(
            name: "EngineWorkload",
            dependencies: [
                .product(name: "Engine", package: "medpolicy"),
                .product(name: "Policies", package: "medpolicy"),
                .product(name: "CodeSets", package: "medpolicy"),
                .product(name: "Model", package: "medpolicy"),
            ]
        ),
        // Instructions per decision, under valgrind (this machine has no hardware counter).
        .executableTarget(name: "count-decision-instructions", dependencies: ["EngineWorkload", .product(name: "Engine", package: "medpolicy")]),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                "EngineWorkload",
                .product(name: "Engine", package: "medpolicy"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
