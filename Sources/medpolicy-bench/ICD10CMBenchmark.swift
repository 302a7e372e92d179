import CodeSets
import Foundation
import Model

/// ICD-10-CM: cold load of the bundled data file, `status(of:on:)` and `isInRange` per call.
func runICD10CMBenchmark() {
    let clock = ContinuousClock()
    guard let url = ICD10CM.bundledFileURL, let size = try? Data(contentsOf: url).count else {
        print("icd: the bundled icd10cm.bin is missing"); return
    }

    // Cold load: read the file and validate it (header, checksum, section table), median of 21.
    var loads: [Duration] = []
    var loaded: ICD10CM?
    for _ in 0..<21 {
        let start = clock.now
        loaded = try? ICD10CM.loadBundled()
        loads.append(clock.now - start)
    }
    guard let icd = loaded else { print("icd: cannot load the bundled icd10cm.bin"); return }
    print("icd: icd10cm.bin \(size) bytes, releases \(icd.releases.map { "FY\($0.fiscalYear)" }.joined(separator: ", "))")
    print("icd: load (read + validate) median \(icdMicros(icdMedian(loads))) µs, min \(icdMicros(loads.min()!)) µs")

    // Lookups: every code billable in FY2025 (dotted), plus undotted/lower-case forms and misses.
    let date = LocalDate("2025-01-01")!
    let billable = icd.billableCodes(inRangeFrom: "A00", to: "Z99", on: date)
    var codes = billable
    codes += billable.prefix(20_000).map { $0.replacingOccurrences(of: ".", with: "").lowercased() }
    codes += billable.prefix(10_000).map { $0 + "9" }  // mostly not valid
    codes.shuffle()
    let dates = [LocalDate("2019-06-01")!, date, LocalDate("2026-06-01")!]

    var tally = 0
    let passes = 5
    var start = clock.now
    for pass in 0..<passes {
        let day = dates[pass % dates.count]
        for code in codes {
            switch icd.status(of: code, on: day) {
            case .billable: tally &+= 1
            case .header: tally &+= 2
            case .notValid: tally &+= 3
            case .noCodeSet: tally &+= 4
            }
        }
    }
    let lookup = clock.now - start
    print("icd: status(of:on:) \(icdNanos(lookup, codes.count * passes)) ns/op over \(codes.count * passes) calls "
          + "(\(billable.count) codes billable in FY2025; tally \(tally))")

    // A hot working set (the few hundred codes a payer's claims repeat), so the keys stay in cache.
    let hot = Array(codes.prefix(500))
    start = clock.now
    for _ in 0..<200 {
        for code in hot where icd.status(of: code, on: date) == .billable { tally &+= 1 }
    }
    print("icd: status(of:on:) \(icdNanos(clock.now - start, hot.count * 200)) ns/op on a hot set of \(hot.count) codes")

    // Range checks: membership in a few ranges of the kind policies list.
    let ranges = [("M60.111", "M60.179"), ("M65.811", "M65.9"), ("M79.10", "M79.18"), ("G89.21", "G89.4"), ("S13.4XXA", "S13.9XXS")]
    var hits = 0
    start = clock.now
    for (index, code) in codes.enumerated() {
        let range = ranges[index % ranges.count]
        if icd.isInRange(code, from: range.0, to: range.1, on: date) { hits += 1 }
    }
    let rangeTime = clock.now - start
    print("icd: isInRange \(icdNanos(rangeTime, codes.count)) ns/op over \(codes.count) calls (\(hits) in range)")

    start = clock.now
    var length = 0
    for code in billable.prefix(20_000) { length &+= icd.description(of: code)?.utf8.count ?? 0 }
    print("icd: description(of:) \(icdNanos(clock.now - start, 20_000)) ns/op (\(length) bytes)")

    start = clock.now
    let expanded = icd.billableCodes(inRangeFrom: "M60", to: "M79.9", on: date)
    print("icd: billableCodes(M60–M79.9) \(icdMicros(clock.now - start)) µs for \(expanded.count) codes")
}

private func icdMedian(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }

private func icdSeconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

private func icdMicros(_ d: Duration) -> String { String(format: "%.0f", icdSeconds(d) * 1e6) }

private func icdNanos(_ d: Duration, _ count: Int) -> String { String(format: "%.1f", icdSeconds(d) * 1e9 / Double(count)) }
