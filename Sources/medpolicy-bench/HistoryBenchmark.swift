import CodeSets
import Engine
import Foundation
import History
import Model
import Policies

/// Checks per second with history on SQLite for members with 50 prior services (read only; recorded
/// one per transaction; recorded in batches), and the time to insert 1 M history rows
/// (`MEDPOLICY_BENCH_ROWS` overrides the row count, `MEDPOLICY_BENCH_DRY_RUNS` the dry runs: many of
/// them give a profiler enough samples of the read path).
func runHistoryBenchmark() async {
    let clock = ContinuousClock()
    guard let icd = try? ICD10CM.loadBundled(), let tables = try? CodeTables.loadBundled(),
          let muscles = try? MuscleCatalog.loadBundled() else { print("history: cannot load code sets"); return }
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Policies").path
    guard let library = try? PolicyLibrary.load(directory: directory).library else { print("history: cannot load policies"); return }
    let evaluator = Evaluator(context: EvaluationContext(library: library, icd: icd, tables: tables, muscles: muscles))
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-bench-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }

    do {
        let checksFile = scratch.appendingPathComponent("checks.sqlite").path
        let store = try await HistoryStores.openSQLite(path: checksFile)
        // 200 members with 50 prior services each, spread over two years (seeded in batches).
        let members = 200
        let start = LocalDate("2023-09-01")!
        var seeds: [Encounter] = []
        for member in 0..<members {
            for index in 0..<50 {
                seeds.append(claim(id: "SEED-\(member)-\(index)", member: "M-\(member)", date: start.adding(days: index * 14), lines: 1))
            }
        }
        for chunk in stride(from: 0, to: seeds.count, by: 1_000) {
            _ = try await store.adjudicate(batch: Array(seeds[chunk..<min(chunk + 1_000, seeds.count)])) { encounter, _ in approveAll(encounter) }
        }
        let checked = claim(id: "CHECK", member: "M-0", date: LocalDate("2025-08-20")!, lines: 1)
        let outcome = try await store.adjudicate(checked, dryRun: true) { evaluator.evaluate(checked, priorServices: $0) }.determination.outcome
        let dryRuns = Int(ProcessInfo.processInfo.environment["MEDPOLICY_BENCH_DRY_RUNS"] ?? "") ?? 5_000
        let checks = try await rounds(dryRuns) {
            _ = try await store.adjudicate(checked, dryRun: true) { evaluator.evaluate(checked, priorServices: $0) }
        }
        print("history: SQLite, 50 prior services, read + decide, nothing recorded: \(checks.best) checks/s, best of five rounds (all rounds \(checks.overall)) (outcome \(outcome.rawValue))")
        // Where a check's time goes: reading the member's services, and deciding with them.
        var began = clock.now
        var prior: [PriorService] = []
        for _ in 0..<dryRuns { prior = try await store.priorServices(member: "M-0").map(\.asPriorService) }
        let reading = (clock.now - began) / dryRuns
        began = clock.now
        for _ in 0..<dryRuns { _ = evaluator.evaluate(checked, priorServices: prior) }
        let deciding = (clock.now - began) / dryRuns
        print("history:   of which reading \(prior.count) prior services \(format(reading)), deciding with them \(format(deciding))")
        // The store's own share: the same dry runs with a decision made in advance.
        let fixed = evaluator.evaluate(checked, priorServices: prior)
        let alone = try await rounds(dryRuns) { _ = try await store.adjudicate(checked, dryRun: true) { _ in fixed } }
        print("history:   the store alone (a decision made in advance): \(alone.best) dry runs/s (all rounds \(alone.overall))")
        // A member the process has not read yet takes the full path: a read transaction, the
        // member's 50 services read and decoded. A second store on the file holds no member.
        let fresh = try await HistoryStores.openSQLite(path: checksFile)
        // Its connections opened and statements prepared first, by a member without services.
        let warmUp = claim(id: "FIRST-WARM-UP", member: "M-none", date: LocalDate("2025-08-20")!, lines: 1)
        _ = try await fresh.adjudicate(warmUp, dryRun: true) { evaluator.evaluate(warmUp, priorServices: $0) }
        began = clock.now
        for member in 0..<members {
            let first = claim(id: "FIRST-\(member)", member: "M-\(member)", date: LocalDate("2025-08-20")!, lines: 1)
            _ = try await fresh.adjudicate(first, dryRun: true) { evaluator.evaluate(first, priorServices: $0) }
        }
        print("history:   a member's first check in a process (its services read from the file): \(perSecond(members, clock.now - began)) checks/s")
        try await fresh.close()

        let single = 500
        began = clock.now
        for index in 0..<single {
            let next = claim(id: "ONE-\(index)", member: "M-\(index % members)", date: LocalDate("2025-08-20")!, lines: 1)
            _ = try await store.adjudicate(next, dryRun: false) { evaluator.evaluate(next, priorServices: $0) }
        }
        print("history: SQLite, 50+ prior services, read + decide + record, one synced transaction per check: \(perSecond(single, clock.now - began)) checks/s")

        let batched = 20_000
        let batch = 1_000
        let claims = (0..<batched).map {
            claim(id: "BATCH-\($0)", member: "M-\($0 % members)", date: LocalDate("2025-09-01")!.adding(days: $0 / members), lines: 1)
        }
        began = clock.now
        for chunk in stride(from: 0, to: claims.count, by: batch) {
            _ = try await store.adjudicate(batch: Array(claims[chunk..<min(chunk + batch, claims.count)])) {
                evaluator.evaluate($0, priorServices: $1)
            }
        }
        print("history: SQLite, 50+ prior services, read + decide + record, \(batch) checks per transaction: \(perSecond(batched, clock.now - began)) checks/s")
        try await store.close()

        let rows = Int(ProcessInfo.processInfo.environment["MEDPOLICY_BENCH_ROWS"] ?? "") ?? 1_000_000
        let bulk = try await HistoryStores.openSQLite(path: scratch.appendingPathComponent("rows.sqlite").path)
        let linesPerClaim = 10
        began = clock.now
        for chunk in stride(from: 0, to: rows / linesPerClaim, by: batch) {
            let claims = (chunk..<min(chunk + batch, rows / linesPerClaim)).map { index in
                claim(id: "ROW-\(index)", member: "M-\(index % 10_000)", date: start.adding(days: index % 700), lines: linesPerClaim)
            }
            _ = try await bulk.adjudicate(batch: claims) { encounter, _ in approveAll(encounter) }
        }
        let elapsed = clock.now - began
        try await bulk.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: scratch.appendingPathComponent("rows.sqlite").path)[.size] as? Int) ?? 0
        print("history: inserted \(rows) service rows (\(rows / linesPerClaim) claims of \(linesPerClaim) lines, \(batch) claims per transaction) in \(format(elapsed)): \(perSecond(rows, elapsed)) rows/s, file \(size / 1_048_576) MiB")
    } catch {
        print("history: \(error)")
    }
}

private func claim(id: String, member: String, date: LocalDate, lines: Int) -> Encounter {
    Encounter(id: id, member: Member(id: member), coverage: Coverage(payer: "florida-blue"), dateOfService: date,
              diagnoses: ["M62.838"],
              lines: (0..<lines).map { $0 == 0 ? ServiceLine(code: "20552") : ServiceLine(code: "J2001", units: 1) },
              procedure: Procedure(sites: [InjectionSite(muscle: "trapezius", laterality: .right)], injectate: ["lidocaine"]),
              clinical: Clinical(findings: Findings(regionalPainInReferralPattern: true, tautBand: true, spotTenderness: true, restrictedRangeOfMotion: true),
                                 conservativeTherapy: [ConservativeTherapy(type: .physicalTherapy, start: LocalDate("2023-01-01"), end: LocalDate("2023-03-01"), outcome: .failed)]))
}

private func approveAll(_ encounter: Encounter) -> Determination {
    Determination(encounterId: encounter.id, payer: encounter.coverage.payer, policy: nil, outcome: .approved,
                  lines: encounter.lines.enumerated().map { LineDetermination(index: $0.offset + 1, code: $0.element.code, outcome: .approved, reasons: []) },
                  reasons: [], coding: CodingAdvice(), documentation: DocumentationAdvice())
}

/// Calls per second, whole.
private func perSecond(_ count: Int, _ duration: Duration) -> Int { Int(rate(count, duration)) }

/// `count` calls of `body` in five rounds: the best round's rate, as the engine benchmark reports
/// (neighbours on this VM slow some rounds by a third, never speed one up), and the rate over all.
private func rounds(_ count: Int, _ body: () async throws -> Void) async rethrows -> (best: Int, overall: Int) {
    let clock = ContinuousClock()
    let perRound = max(1, count / 5)
    var best = 0.0
    let began = clock.now
    for _ in 0..<5 {
        let start = clock.now
        for _ in 0..<perRound { try await body() }
        best = max(best, rate(perRound, clock.now - start))
    }
    return (Int(best), perSecond(perRound * 5, clock.now - began))
}
