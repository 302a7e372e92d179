import CodeSets
import Engine
import Foundation
import Model
import Policies

// What the benchmarks decide, shared by the ordo-one benchmarks and the instruction counter.

/// The bundled code sets and the repository's Policies/ (this file is Benchmarks/Sources/EngineWorkload/…).
public func engine() throws -> Evaluator {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let library = try PolicyLibrary.load(directory: root.appendingPathComponent("Policies").path).library
    let context = EvaluationContext(library: library, icd: try ICD10CM.loadBundled(), tables: try CodeTables.loadBundled(),
                                    muscles: try MuscleCatalog.loadBundled())
    return Evaluator(context: context)
}

/// A typical claim with its record: 20552 on two muscles and an E/M visit with 25, every criterion documented.
public func typicalEncounter(payer: String, diagnosis: String) -> Encounter {
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
public func largeEncounter(lines count: Int) -> Encounter {
    var encounter = typicalEncounter(payer: "florida-blue", diagnosis: "M62.838")
    encounter.lines = (0..<count).map { index in
        if index % 10 == 9 { return ServiceLine(code: "99213", diagnosisPointers: [1]) }
        return ServiceLine(code: index % 2 == 0 ? "20552" : "20553", modifiers: index % 4 == 1 ? ["59"] : [], units: 1,
                           diagnosisPointers: [1], charge: 150)
    }
    return encounter
}

/// A member's history that counts against Florida Blue's limits: 50 prior 20552s at the same
/// region, one every 14 days, up to the typical encounter's date (its limits are over and explained).
public func priorServices() -> [PriorService] {
    let start = LocalDate("2023-09-01")!
    return (0..<50).map {
        PriorService(id: "SEED-\($0)", dateOfService: start.adding(days: $0 * 14), code: "20552", units: 1,
                     sites: [InjectionSite(muscle: "trapezius", laterality: .right)])
    }
}
