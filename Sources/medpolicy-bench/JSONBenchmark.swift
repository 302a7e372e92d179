import CodeSets
import Engine
import Foundation
import Model
import Policies

/// Time to write a determination and an encounter as the history stores keep them: CanonicalJSON
/// against Foundation's JSONEncoder with the same options (the bytes are equal; tests check that).
func runJSONBenchmark() {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    guard let icd = try? ICD10CM.loadBundled(), let tables = try? CodeTables.loadBundled(),
          let muscles = try? MuscleCatalog.loadBundled(),
          let library = try? PolicyLibrary.load(directory: root.appendingPathComponent("Policies").path).library,
          let data = FileManager.default.contents(atPath: root.appendingPathComponent("Examples/florida-blue-pended.json").path),
          let encounter = try? EncounterReader.decode(data) else {
        print("json: cannot load the example, code sets or policies"); return
    }
    let determination = Evaluator(context: EvaluationContext(library: library, icd: icd, tables: tables, muscles: muscles))
        .evaluate(encounter)
    let foundation = JSONEncoder()
    foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let size = (try? CanonicalJSON.encode(determination).count) ?? 0
    let iterations = 20_000
    for (name, body) in [
        ("determination, CanonicalJSON", { _ = try? CanonicalJSON.encode(determination) }),
        ("determination, JSONEncoder  ", { _ = try? foundation.encode(determination) }),
        ("encounter, CanonicalJSON    ", { _ = try? CanonicalJSON.encode(encounter) }),
        ("encounter, JSONEncoder      ", { _ = try? foundation.encode(encounter) }),
        ("encounter, parse only       ", { _ = try? JSONValue.parse(data) }),
        ("encounter, read (Contract 1)", { _ = try? EncounterReader.decode(data) }),
    ] as [(String, () -> Void)] {
        let rate = measure(iterations: iterations, body).best
        print("json: \(name) \(String(format: "%.1f", 1e6 / rate)) µs per value (determination \(size) bytes)")
    }
}
