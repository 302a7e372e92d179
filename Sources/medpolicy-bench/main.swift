// Benchmarks, run by hand: `swift run -c release medpolicy-bench [suite…]`.
// Each suite prints its own numbers; with no arguments every suite runs.
let requested = Set(CommandLine.arguments.dropFirst())
func wants(_ suite: String) -> Bool { requested.isEmpty || requested.contains(suite) }
if wants("engine") { runEngineBenchmark() }
if wants("icd") { runICD10CMBenchmark() }
if wants("history") { await runHistoryBenchmark() }
if wants("json") { runJSONBenchmark() }
