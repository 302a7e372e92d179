import CodeSets
import Foundation
import Model
import NoteIntake
import Testing

/// The facts a corpus note is expected to yield, by kind (`NAME.expected.json`).
struct ExpectedFacts: Decodable {
    struct Site: Decodable { let name: String; let side: String?; let points: Int? }
    struct Therapy: Decodable { let type: String; let outcome: String?; let days: Int? }
    /// The date the coder passes (`--date`) when the note has none.
    var givenDate: String?
    var muscles: [Site]?
    var injectate: [String]?
    var guidance: String?
    var findings: [String: Bool]?
    var therapies: [Therapy]?
    var medications: [String]?
    var priorResponse: Int?
    var painOnset: String?
    var diagnoses: [String]?
    var cpt: [String]?

    /// Facts as comparable strings, by kind.
    var facts: [String: Set<String>] {
        var f: [String: Set<String>] = [:]
        f["muscles", default: []].formUnion((muscles ?? []).map { "\($0.name)|\($0.side ?? "-")|\($0.points.map(String.init) ?? "-")" })
        if let injectate { f["injectate", default: []].formUnion(injectate.isEmpty ? ["none"] : injectate) }
        if let guidance { f["guidance", default: []].insert(guidance) }
        f["findings", default: []].formUnion((findings ?? [:]).map { "\($0.key)=\($0.value)" })
        f["therapies", default: []].formUnion((therapies ?? []).map { "\($0.type)|\($0.outcome ?? "-")" })
        f["therapyDurations", default: []].formUnion((therapies ?? []).compactMap { t in t.days.map { "\(t.type)|\($0)" } })
        f["medications", default: []].formUnion(medications ?? [])
        if let priorResponse { f["priorResponse", default: []].insert(String(priorResponse)) }
        if let painOnset { f["painOnset", default: []].insert(painOnset) }
        f["diagnoses", default: []].formUnion(diagnoses ?? [])
        f["cpt", default: []].formUnion(cpt ?? [])
        return f
    }
}

/// The same facts read from an extraction.
func extractedFacts(_ extraction: NoteExtraction) -> [String: Set<String>] {
    var f: [String: Set<String>] = [:]
    let e = extraction
    f["muscles"] = Set((e.procedure?.sites ?? []).map { "\($0.muscle)|\($0.laterality?.rawValue ?? "-")|\($0.triggerPoints.map(String.init) ?? "-")" })
    if let i = e.procedure?.injectate { f["injectate"] = i.isEmpty ? ["none"] : Set(i) }
    if let g = e.procedure?.imagingGuidance { f["guidance"] = [g.rawValue] }
    var findings: Set<String> = []
    for finding in Finding.allCases { if let v = e.clinical?.findings?[finding] { findings.insert("\(finding.rawValue)=\(v)") } }
    f["findings"] = findings
    f["therapies"] = Set((e.clinical?.conservativeTherapy ?? []).map { "\($0.type.rawValue)|\($0.outcome?.rawValue ?? "-")" })
    f["therapyDurations"] = Set((e.clinical?.conservativeTherapy ?? []).compactMap { t in
        guard let s = t.start, let end = t.end else { return nil }
        return "\(t.type.rawValue)|\(s.days(until: end))"
    })
    f["medications"] = Set((e.clinical?.pharmacotherapy ?? []).map(\.drugClass.rawValue))
    if let p = e.clinical?.priorInjectionResponse?.percentPainImprovement { f["priorResponse"] = [String(p)] }
    if let o = e.clinical?.painOnset { f["painOnset"] = [o.description] }
    f["diagnoses"] = Set(e.diagnoses)
    f["cpt"] = Set(e.procedureCodes)
    return f
}

@Suite("NoteIntake corpus")
struct NoteIntakeCorpusTests {
    static let extractor = Result { try NoteExtractor.loadBundled() }

    static var corpusURL: URL { Bundle.module.url(forResource: "Corpus", withExtension: nil)! }

    @Test("precision and recall per fact kind over the corpus are at least 0.95")
    func precisionAndRecall() throws {
        let extractor = try Self.extractor.get()
        let notes = try FileManager.default.contentsOfDirectory(at: Self.corpusURL, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "txt" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        #expect(notes.count >= 40, "the corpus holds \(notes.count) notes")
        var truePositives: [String: Int] = [:], extracted: [String: Int] = [:], expected: [String: Int] = [:]
        var misses: [String] = []
        for note in notes {
            let expectedURL = note.deletingPathExtension().appendingPathExtension("expected.json")
            let expectation = try JSONDecoder().decode(ExpectedFacts.self, from: Data(contentsOf: expectedURL))
            let want = expectation.facts
            let extraction = try extractor.extract(data: Data(contentsOf: note), dateOfService: expectation.givenDate.flatMap(LocalDate.init))
            // The draft is a valid Contract 1 encounter.
            if let encounter = extraction.encounter {
                let data = try JSONEncoder().encode(encounter)
                #expect(throws: Never.self) { try EncounterReader.decode(data) }
            }
            for evidence in extraction.evidence {
                #expect(evidence.start < evidence.end, "\(note.lastPathComponent): \(evidence.fact)")
            }
            let got = extractedFacts(extraction)
            for kind in Set(want.keys).union(got.keys) {
                let w = want[kind] ?? [], g = got[kind] ?? []
                truePositives[kind, default: 0] += w.intersection(g).count
                extracted[kind, default: 0] += g.count
                expected[kind, default: 0] += w.count
                for miss in w.subtracting(g) { misses.append("\(note.lastPathComponent) \(kind): missed \(miss)") }
                for extra in g.subtracting(w) { misses.append("\(note.lastPathComponent) \(kind): extra \(extra)") }
            }
        }
        var table = "kind              expected extracted correct precision recall\n"
        var failing: [String] = []
        for kind in expected.keys.sorted() {
            let tp = truePositives[kind] ?? 0, g = extracted[kind] ?? 0, w = expected[kind] ?? 0
            let precision = g == 0 ? 1.0 : Double(tp) / Double(g)
            let recall = w == 0 ? 1.0 : Double(tp) / Double(w)
            table += kind.padding(toLength: 18, withPad: " ", startingAt: 0)
                + String(format: "%8d %9d %7d %9.3f %6.3f\n", w, g, tp, precision, recall)
            if precision < 0.95 || recall < 0.95 { failing.append(kind) }
        }
        print(table)
        for miss in misses { print("  " + miss) }
        #expect(failing.isEmpty, "below 0.95: \(failing.joined(separator: ", "))")
    }
}
