import Foundation

/// The rates (calls per second) of a benchmark's five rounds.
struct Rounds {
    /// The best round: this VM's neighbours slow some rounds by a third, never speed one up.
    let best: Double
    let median: Double
    let slowest: Double

    /// The median and slowest rounds, for a reader who wants to see how far the best one stands out.
    var spread: String { "median round \(Int(median)), slowest \(Int(slowest))" }

    /// The same rounds counting `factor` results per call (an all-payers call is five decisions).
    func scaled(by factor: Double) -> Rounds { Rounds(best: best * factor, median: median * factor, slowest: slowest * factor) }
}

/// Runs `body` `iterations` times after a warm-up, in five rounds, and returns their rates.
///
/// `MEDPOLICY_BENCH_ITERATIONS` replaces every suite's count: a small one lets the suite run under
/// an instruction counter (`valgrind --tool=callgrind`), which, unlike the clock, gives the same
/// number on every run.
func measure(iterations: Int, _ body: () -> Void) -> Rounds {
    let iterations = ProcessInfo.processInfo.environment["MEDPOLICY_BENCH_ITERATIONS"].flatMap(Int.init) ?? iterations
    for _ in 0..<min(1000, iterations / 10) { body() }
    let clock = ContinuousClock()
    let rounds = 5
    let perRound = max(1, iterations / rounds)
    var rates: [Double] = []
    for _ in 0..<rounds {
        let start = clock.now
        for _ in 0..<perRound { body() }
        rates.append(rate(perRound, clock.now - start))
    }
    rates.sort()
    return Rounds(best: rates[rounds - 1], median: rates[rounds / 2], slowest: rates[0])
}

/// Calls per second.
func rate(_ count: Int, _ duration: Duration) -> Double {
    Double(count) / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
}

func format(_ duration: Duration) -> String {
    let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return String(format: "%.2f ms", ms)
}
