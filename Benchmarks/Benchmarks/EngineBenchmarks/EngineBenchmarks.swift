import Benchmark
import CodeSets
import Engine
import Foundation
import Model
import Policies

/// The engine's decisions, measured by ordo-one/benchmark: a typical two-line encounter under
/// Florida Blue and Harvard Pilgrim, the all-payers view, and encounters of 1,000 and 10,000
/// procedure lines (cost must grow linearly with the lines, issue 27.7).
///
/// Guarded metrics: mallocs (exact on every machine) and wall clock. Instruction counts need a
/// hardware performance counter, which this project's machines do not expose (perf_event_open of
/// PERF_COUNT_HW_INSTRUCTIONS answers ENOENT: the virtual machine has no PMU); count them with
/// `valgrind --tool=callgrind` instead (docs/benchmarks.md).
let benchmarks: @Sendable () -> Void = {
    guard let evaluator = try? engine() else {
        fatalError("cannot load the bundled code sets and Policies/ for the benchmarks")
    }
    // Thresholds that catch a 2× regression and let the noise of a shared machine pass: the median
    // and 90th percentile may grow by up to 100% (mallocs are exact, so any growth past that is real).
    let twice = BenchmarkThresholds(relative: [.p50: 100.0, .p90: 100.0])
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 2_000,
        thresholds: [.wallClock: twice, .mallocCountTotal: twice]
    )

    let floridaBlue = typicalEncounter(payer: "florida-blue", diagnosis: "M62.838")
    let harvardPilgrim = typicalEncounter(payer: "harvard-pilgrim", diagnosis: "M79.18")
    // 100 decisions per measured iteration: one decision is a few microseconds, near the clock's overhead.
    Benchmark("Florida Blue decision", configuration: .init(scalingFactor: .hundred)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(evaluator.evaluate(floridaBlue)) }
    }
    Benchmark("Harvard Pilgrim decision", configuration: .init(scalingFactor: .hundred)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(evaluator.evaluate(harvardPilgrim)) }
    }
    Benchmark("All payers decision", configuration: .init(scalingFactor: .hundred)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(evaluator.evaluateAllPayers(floridaBlue)) }
    }
    for count in [1_000, 10_000] {
        let large = largeEncounter(lines: count)
        Benchmark("Florida Blue decision, \(count) lines", configuration: .init(warmupIterations: 1, maxIterations: 20)) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(evaluator.evaluate(large)) }
        }
        Benchmark("All payers decision, \(count) lines", configuration: .init(warmupIterations: 1, maxIterations: 10)) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(evaluator.evaluateAllPayers(large)) }
        }
    }
}

/// The bundled code sets and the repository's Policies/ (this file is Benchmarks/Benchmarks/EngineBenchmarks/…).
private func engine() throws -> Evaluator {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let library = try PolicyLibrary.load(directory: root.appendingPathComponent("Policies").path).library
    let context = EvaluationContext(library: library, icd: try ICD10CM.loadBundled(), tables: try CodeTables.loadBundled(),
                                    muscles: try MuscleCatalog.loadBundled())
    return Evaluator(context: context)
}

/// A typical claim with its record: 20552 on two muscles and an E/M visit with 25, every criterion documented.
private func typicalEncounter(payer: String, diagnosis: String) -> Encounter {
    Encounter(
        id: "BENCH-1", member: Member(id: "M-1"), coverage: Coverage(payer: payer, lineOfBusiness: .commercial),
        dateOfService: LocalDate("2025-08-20")!, placeOfService: "11", diagnoses: [diagnosis],
        lines: [ServiceLine(code: "20552", units: 1, diagnosisPointers: [1], charge: 150),
                ServiceLine(code: "99213", modifiers: ["25"], diagnosisPointers: [1])],
        procedure: Procedure(sites: [InjectionSite(muscle: "trapezius", laterality: .right),
                                     InjectionSite(muscle: "levator scapulae", laterality: .right)],
                             injectate: ["lidocaine"], imagingGuidance: ImagingGuidance.none),
        clinical: Clinical(
            painOnset: LocalDate("2025-06-01"),
            findings: Findings(regionalPainInReferralPattern: true, tautBand: true, spotTenderness: true, restrictedRangeOfMotion: true),
            conservativeTherapy: [ConservativeTherapy(type: .physicalTherapy, start: LocalDate("2025-06-05"), end: LocalDate("2025-07-25"), outcome: .failed),
                                  ConservativeTherapy(type: .activeExercise, start: LocalDate("2025-06-05"), end: LocalDate("2025-07-25"), outcome: .failed)],
            pharmacotherapy: [Pharmacotherapy(drugClass: .nsaid, start: LocalDate("2025-06-02"))],
            treatmentPlan: [.physicalTherapy],
            documentation: [.historyAndPhysical, .procedureNote, .reasonForTherapy, .injectionFrequencyPlan, .priorTreatmentResults]))
}

/// The typical claim with `lines` procedure lines (20552 and 20553 alternating, every other one
/// with modifier 59, and an E/M visit without 25 every tenth): every coding edit has lines to name.
private func largeEncounter(lines count: Int) -> Encounter {
    var encounter = typicalEncounter(payer: "florida-blue", diagnosis: "M62.838")
    encounter.lines = (0..<count).map { index in
        if index % 10 == 9 { return ServiceLine(code: "99213", diagnosisPointers: [1]) }
        return ServiceLine(code: index % 2 == 0 ? "20552" : "20553", modifiers: index % 4 == 1 ? ["59"] : [], units: 1,
                           diagnosisPointers: [1], charge: 150)
    }
    return encounter
}
