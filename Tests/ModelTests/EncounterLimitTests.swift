import Foundation
import Model
import Testing

/// Issue 27, item 7: every repeated part of an encounter is capped at a size no real claim
/// reaches; more is one located error naming the count, at the limit it is read as before.
@Suite struct EncounterLimitTests {
    static func repeated(_ item: String, _ count: Int) -> String {
        "[" + Array(repeating: item, count: count).joined(separator: ",") + "]"
    }

    static let line = #"{ "code": "20552", "units": 1 }"#
    static let site = #"{ "muscle": "trapezius", "laterality": "right" }"#
    static let prior = #"{ "id": "P", "dateOfService": "2025-08-01", "code": "20552" }"#
    static let linesBlock = #"""
    "lines": [
        { "code": "20552", "modifiers": [], "units": 1, "diagnosisPointers": [1, 2], "charge": 150.00 },
        { "code": "99213", "modifiers": ["25"] }
      ],
    """#
    static let historyBlock = #"""
    "history": [
        { "id": "CLM-0000", "dateOfService": "2025-08-01", "code": "20552", "units": 1,
          "sites": [ { "muscle": "trapezius", "laterality": "right" } ] }
      ]
    """#

    /// (what the valid encounter says, what replaces it with `count` items, the error path, the noun, the limit).
    static let cases: [(old: String, new: @Sendable (Int) -> String, path: String, noun: String, limit: Int)] = [
        (linesBlock, { #""lines": \#(repeated(line, $0)),"# }, "lines", "lines", EncounterLimits.lines),
        (#""diagnoses": ["M79.18", "M54.2"]"#, { #""diagnoses": \#(repeated(#""M79.18""#, $0))"# }, "diagnoses", "diagnoses", EncounterLimits.diagnoses),
        (#""modifiers": ["25"]"#, { #""modifiers": \#(repeated(#""59""#, $0))"# }, "lines[1].modifiers", "modifiers", EncounterLimits.modifiers),
        (#""diagnosisPointers": [1, 2]"#, { #""diagnosisPointers": \#(repeated("1", $0))"# }, "lines[0].diagnosisPointers",
         "diagnosis pointers", EncounterLimits.diagnosisPointers),
        (#""sites": [ { "muscle": "trapezius", "laterality": "right", "triggerPoints": 3 } ]"#, { #""sites": \#(repeated(site, $0))"# },
         "procedure.sites", "sites", EncounterLimits.sites),
        (#""injectate": ["lidocaine"]"#, { #""injectate": \#(repeated(#""lidocaine""#, $0))"# }, "procedure.injectate", "injectates",
         EncounterLimits.injectates),
        (#""treatmentPlan": ["home_exercise_program"]"#, { #""treatmentPlan": \#(repeated(#""home_exercise_program""#, $0))"# },
         "clinical.treatmentPlan", "plan entries", EncounterLimits.clinicalEntries),
        (historyBlock, { #""history": \#(repeated(prior, $0))"# }, "history", "prior services", EncounterLimits.history),
    ]

    @Test(arguments: 0 ..< cases.count)
    func aPartPastItsLimitIsOneLocatedError(_ index: Int) {
        let limit = Self.cases[index]
        func decodeErrors(_ count: Int) -> [LocatedError] {
            #expect(validEncounterJSON.components(separatedBy: limit.old).count == 2, "fixture text must occur once: \(limit.old)")
            let json = validEncounterJSON.replacingOccurrences(of: limit.old, with: limit.new(count))
            do {
                _ = try EncounterReader.decode(Data(json.utf8))
                return []
            } catch {
                return error.errors
            }
        }
        #expect(decodeErrors(limit.limit).allSatisfy { !$0.message.contains("at most") }, "\(limit.path) at its limit")
        let over = decodeErrors(limit.limit + 1)
        #expect(over.contains(LocatedError(path: limit.path, message: "\(limit.limit + 1) \(limit.noun); at most \(limit.limit)")),
                "\(limit.path): \(over)")
    }

    @Test func tenThousandLinesAreRefusedWithoutReadingThem() {
        let lines = Self.repeated(#"{ "code": "not-a-code" }"#, 10_000)
        let json = validEncounterJSON.replacingOccurrences(of: Self.linesBlock, with: #""lines": \#(lines),"#)
        #expect(json != validEncounterJSON)
        #expect(throws: InputErrors([LocatedError(path: "lines", message: "10000 lines; at most \(EncounterLimits.lines)")])) {
            try EncounterReader.decode(Data(json.utf8))
        }
    }
}
