// Benchmarks, run by hand: `swift run -c release medpolicy-bench [suite…]`.
// Each suite prints its own numbers; with no arguments every suite runs. The engine's own
// benchmarks, with the baseline CI checks, are in Benchmarks/ (ordo-one/benchmark).
import Foundation

// The no-history ceiling of scripts/throughput.sh: `medpolicy-bench scan FILE.837`.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "scan" {
    runSegmentScanCeiling(path: CommandLine.arguments[2])
    exit(0)
}
let requested = Set(CommandLine.arguments.dropFirst())
func wants(_ suite: String) -> Bool { requested.isEmpty || requested.contains(suite) }
if wants("icd") { runICD10CMBenchmark() }
if wants("history") { await runHistoryBenchmark() }
if wants("json") { runJSONBenchmark() }
// Not part of the default run: it waits up to two minutes on purpose.
if requested.contains("pg-unreachable") { await runPostgresUnreachableBenchmark() }
