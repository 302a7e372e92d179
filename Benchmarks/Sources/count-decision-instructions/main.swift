import Engine
import EngineWorkload
import Foundation

// Decides the typical Florida Blue encounter `count` times (the first argument, 0 when absent),
// for an instruction counter: run under `valgrind --tool=callgrind` with 0 and with 1000, the
// difference over 1000 is the instructions of one decision (Benchmarks/README.md).
let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 0
let payers = CommandLine.arguments.dropFirst(2).first == "all"
guard let evaluator = try? engine() else {
    FileHandle.standardError.write(Data("cannot load the bundled code sets and Policies/\n".utf8))
    exit(2)
}
let encounter = typicalEncounter(payer: "florida-blue", diagnosis: "M62.838")
var outcomes = 0
for _ in 0..<count {
    if payers { outcomes += evaluator.evaluateAllPayers(encounter).count } else { outcomes += evaluator.evaluate(encounter).lines.count }
}
print("\(count) decisions, \(outcomes) results")
