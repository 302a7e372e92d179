import Foundation
import Model
import Testing

/// A complete, valid encounter (DESIGN.md Contract 1 example) that the malformed cases mutate.
let validEncounterJSON = """
{
  "id": "CLM-0001",
  "frequency": "original",
  "member": { "id": "M1", "birthDate": "1970-02-01", "sex": "F" },
  "coverage": { "payer": "florida-blue", "lineOfBusiness": "commercial" },
  "dateOfService": "2025-09-10",
  "placeOfService": "11",
  "diagnoses": ["M79.18", "M54.2"],
  "lines": [
    { "code": "20552", "modifiers": [], "units": 1, "diagnosisPointers": [1, 2], "charge": 150.00 },
    { "code": "99213", "modifiers": ["25"] }
  ],
  "procedure": {
    "sites": [ { "muscle": "trapezius", "laterality": "right", "triggerPoints": 3 } ],
    "injectate": ["lidocaine"],
    "imagingGuidance": "none"
  },
  "clinical": {
    "painOnset": "2025-07-01",
    "findings": { "regionalPainInReferralPattern": true, "tautBand": true, "spotTenderness": true,
                  "restrictedRangeOfMotion": true, "localTwitchResponse": true,
                  "referredPainReproduced": true, "muscleWeakness": false },
    "conservativeTherapy": [ { "type": "physical_therapy", "start": "2025-07-05", "end": "2025-08-20", "outcome": "failed" } ],
    "pharmacotherapy": [ { "class": "nsaid", "start": "2025-07-01" } ],
    "treatmentPlan": ["home_exercise_program"],
    "priorInjectionResponse": { "percentPainImprovement": 60, "functionalImprovement": true, "rangeOfMotionImproved": true },
    "documentation": ["history_and_physical", "procedure_note"]
  },
  "history": [
    { "id": "CLM-0000", "dateOfService": "2025-08-01", "code": "20552", "units": 1,
      "sites": [ { "muscle": "trapezius", "laterality": "right" } ] }
  ]
}
"""

/// Replaces `old` with `new` in the valid encounter (exactly once) and returns the errors it decodes to.
func errors(replacing old: String, with new: String) -> [LocatedError] {
    #expect(validEncounterJSON.components(separatedBy: old).count == 2, "fixture text must occur once: \(old)")
    let json = validEncounterJSON.replacingOccurrences(of: old, with: new)
    do {
        _ = try EncounterReader.decode(Data(json.utf8))
        return []
    } catch {
        return error.errors
    }
}

@Suite("Encounter decoding")
struct EncounterDecodingTests {
    @Test func validEncounterDecodes() throws {
        let encounter = try EncounterReader.decode(Data(validEncounterJSON.utf8))
        #expect(encounter.id == "CLM-0001")
        #expect(encounter.lines.count == 2)
        #expect(encounter.lines[1].effectiveUnits == 1)
        #expect(encounter.diagnoses(for: encounter.lines[1]) == ["M79.18", "M54.2"])
        #expect(encounter.clinical?.findings?.muscleWeakness == false)
        #expect(encounter.clinical?.pharmacotherapy?.first?.drugClass == .nsaid)
        #expect(encounter.dateOfService == LocalDate("2025-09-10"))
    }

    /// `hasDiagnosis` is `diagnoses(for:)` being non-empty, for every mix of claim diagnoses and
    /// pointers (none, in range, out of range, zero, negative).
    @Test func hasDiagnosisAgreesWithTheList() throws {
        let base = try EncounterReader.decode(Data(validEncounterJSON.utf8))
        for diagnoses in [nil, [], ["M79.18"], ["M79.18", "M54.2"]] as [[String]?] {
            for pointers in [nil, [], [1], [2], [3], [0], [-1], [4, 1], [0, 5]] as [[Int]?] {
                var encounter = base
                encounter.diagnoses = diagnoses
                let line = ServiceLine(code: "20552", diagnosisPointers: pointers)
                #expect(encounter.hasDiagnosis(line) == !encounter.diagnoses(for: line).isEmpty,
                        "diagnoses \(String(describing: diagnoses)), pointers \(String(describing: pointers))")
            }
        }
    }

    /// The diagnoses a line points to, spelled out: pointer order, duplicates kept, pointers past
    /// either end skipped, all of them without pointers.
    @Test func diagnosesFollowThePointers() throws {
        var encounter = try EncounterReader.decode(Data(validEncounterJSON.utf8))
        encounter.diagnoses = ["M79.18", "M54.2"]
        let cases: [([Int]?, [String])] = [
            (nil, ["M79.18", "M54.2"]), ([], []), ([2, 1], ["M54.2", "M79.18"]), ([1, 1], ["M79.18", "M79.18"]),
            ([4, 1], ["M79.18"]), ([0, -1, 3], []),
        ]
        for (pointers, expected) in cases {
            let line = ServiceLine(code: "20552", diagnosisPointers: pointers)
            #expect(encounter.diagnoses(for: line) == expected, "pointers \(String(describing: pointers))")
            #expect(Array(encounter.diagnosisPositions(for: line)).map { encounter.diagnosisList[$0] } == expected)
        }
        encounter.diagnoses = nil
        #expect(encounter.diagnoses(for: ServiceLine(code: "20552", diagnosisPointers: [1])).isEmpty)
        #expect(!encounter.hasDiagnosis(ServiceLine(code: "20552")))
    }

    @Test func roundTripsToTheSameJSON() throws {
        let encounter = try EncounterReader.decode(Data(validEncounterJSON.utf8))
        let encoded = try JSONEncoder().encode(encounter)
        #expect(try JSONValue.parse(encoded) == JSONValue.parse(Data(validEncounterJSON.utf8)))
        #expect(try EncounterReader.decode(encoded) == encounter)
    }

    @Test("a medication's outcome (issue 20.6) decodes, round-trips, and an unknown one is refused at its path")
    func pharmacotherapyOutcome() throws {
        let old = "{ \"class\": \"nsaid\", \"start\": \"2025-07-01\" }"
        let json = validEncounterJSON.replacingOccurrences(of: old, with: "{ \"class\": \"nsaid\", \"start\": \"2025-07-01\", \"outcome\": \"intolerant\" }")
        let encounter = try EncounterReader.decode(Data(json.utf8))
        #expect(encounter.clinical?.pharmacotherapy?.first?.outcome == .intolerant)
        #expect(try EncounterReader.decode(try JSONEncoder().encode(encounter)) == encounter)
        #expect(try EncounterReader.decode(Data(validEncounterJSON.utf8)).clinical?.pharmacotherapy?.first?.outcome == nil)
        let refused = errors(replacing: old, with: "{ \"class\": \"nsaid\", \"outcome\": \"worse\" }")
        #expect(refused.contains { $0.path == "clinical.pharmacotherapy[0].outcome" }, "\(refused)")
    }

    @Test func absentFactsStayUnknownAndFalseStaysFalse() throws {
        let json = """
        {"id":"A","member":{"id":"M"},"coverage":{"payer":"aetna"},"dateOfService":"2025-01-02",
         "lines":[{"code":"20552"}],"clinical":{"findings":{"tautBand":false}}}
        """
        let encounter = try EncounterReader.decode(Data(json.utf8))
        #expect(encounter.clinical?.findings?.tautBand == false)
        #expect(encounter.clinical?.findings?.spotTenderness == nil)
        #expect(encounter.clinical?.conservativeTherapy == nil)
        #expect(encounter.effectiveFrequency == .original)
        #expect(encounter.coverage.effectiveLineOfBusiness == .commercial)
        let reencoded = try JSONValue.parse(JSONEncoder().encode(encounter))
        #expect(reencoded == (try JSONValue.parse(Data(json.utf8))))
    }

    /// Each malformed case: the replacement, the expected path, and a fragment of the message.
    static let malformed: [(old: String, new: String, path: String, message: String)] = [
        ("\"units\": 1, \"diagnosisPointers\"", "\"units\": 0, \"diagnosisPointers\"", "lines[0].units", "must be ≥ 1, got 0"),
        ("\"units\": 1, \"diagnosisPointers\"", "\"units\": 1.5, \"diagnosisPointers\"", "lines[0].units", "whole number"),
        ("\"units\": 1, \"diagnosisPointers\"", "\"units\": \"1\", \"diagnosisPointers\"", "lines[0].units", "expected a whole number, got a string"),
        ("\"id\": \"CLM-0001\",", "", "id", "required"),
        ("\"dateOfService\": \"2025-09-10\"", "\"dateOfService\": \"2025-02-30\"", "dateOfService", "expected a date YYYY-MM-DD"),
        ("\"dateOfService\": \"2025-09-10\"", "\"dateOfService\": \"09/10/2025\"", "dateOfService", "expected a date YYYY-MM-DD"),
        ("\"placeOfService\": \"11\",", "\"placeOfService\": \"11\", \"notes\": \"x\",", "notes", "unknown key"),
        ("\"sex\": \"F\"", "\"sex\": \"female\"", "member.sex", "unknown value \"female\""),
        ("\"payer\": \"florida-blue\", ", "", "coverage.payer", "required"),
        ("\"lineOfBusiness\": \"commercial\"", "\"lineOfBusiness\": \"hmo\"", "coverage.lineOfBusiness", "unknown value \"hmo\""),
        ("\"frequency\": \"original\",", "\"frequency\": \"replacement\",", "replaces", "required when frequency is replacement"),
        ("\"diagnoses\": [\"M79.18\", \"M54.2\"]", "\"diagnoses\": [\"M79.18\", \"79.18\"]", "diagnoses[1]", "not an ICD-10-CM code"),
        ("\"diagnosisPointers\": [1, 2]", "\"diagnosisPointers\": [1, 3]", "lines[0].diagnosisPointers[1]", "points to diagnosis 3, but the claim has 2"),
        ("{ \"code\": \"99213\", \"modifiers\": [\"25\"] }", "{ \"code\": \"9921\", \"modifiers\": [\"25\"] }", "lines[1].code", "not a CPT or HCPCS code"),
        ("\"modifiers\": [\"25\"]", "\"modifiers\": [\"255\"]", "lines[1].modifiers[0]", "not a modifier"),
        ("\"charge\": 150.00", "\"charge\": -5", "lines[0].charge", "must be ≥ 0"),
        ("\"laterality\": \"right\", \"triggerPoints\": 3", "\"laterality\": \"up\", \"triggerPoints\": 3", "procedure.sites[0].laterality", "unknown value \"up\""),
        ("\"triggerPoints\": 3", "\"triggerPoints\": 0", "procedure.sites[0].triggerPoints", "must be ≥ 1"),
        ("\"imagingGuidance\": \"none\"", "\"imagingGuidance\": \"xray\"", "procedure.imagingGuidance", "unknown value \"xray\""),
        ("\"tautBand\": true,", "\"tautBand\": \"yes\",", "clinical.findings.tautBand", "expected true or false"),
        ("\"tautBand\": true,", "\"tautBand\": true, \"trigger\": true,", "clinical.findings.trigger", "unknown key"),
        ("\"outcome\": \"failed\"", "\"outcome\": \"worse\"", "clinical.conservativeTherapy[0].outcome", "unknown value \"worse\""),
        ("\"end\": \"2025-08-20\"", "\"end\": \"2025-06-20\"", "clinical.conservativeTherapy[0].end", "ends (2025-06-20) before it starts"),
        ("{ \"class\": \"nsaid\", \"start\": \"2025-07-01\" }", "{ \"type\": \"nsaid\" }", "clinical.pharmacotherapy[0].class", "required"),
        ("\"percentPainImprovement\": 60", "\"percentPainImprovement\": 160", "clinical.priorInjectionResponse.percentPainImprovement", "between 0 and 100"),
        ("\"documentation\": [\"history_and_physical\", \"procedure_note\"]", "\"documentation\": [\"xray\"]", "clinical.documentation[0]", "unknown value \"xray\""),
        ("\"dateOfService\": \"2025-08-01\"", "\"dateOfService\": \"2025-10-01\"", "history[0].dateOfService", "after the encounter's date of service"),
        ("\"treatmentPlan\": [\"home_exercise_program\"]", "\"treatmentPlan\": \"home_exercise_program\"", "clinical.treatmentPlan", "expected an array, got a string"),
        ("\"member\": { \"id\": \"M1\", \"birthDate\": \"1970-02-01\", \"sex\": \"F\" }", "\"member\": \"M1\"", "member", "expected an object"),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedEncounterNamesThePath(_ index: Int) {
        let case_ = Self.malformed[index]
        let found = errors(replacing: case_.old, with: case_.new)
        #expect(found.contains { $0.path == case_.path && $0.message.contains(case_.message) },
                "expected \(case_.path): …\(case_.message)…, got \(found.map(\.description))")
    }

    @Test func emptyLinesAreAnError() {
        let found = errors(replacing: """
          "lines": [
            { "code": "20552", "modifiers": [], "units": 1, "diagnosisPointers": [1, 2], "charge": 150.00 },
            { "code": "99213", "modifiers": ["25"] }
          ],
        """, with: "\"lines\": [],")
        #expect(found.map(\.description) == ["lines: at least one service line is required"])
    }

    @Test func everyErrorIsReportedNotJustTheFirst() {
        let json = """
        {"id":"","member":{"id":"M","sex":"X"},"coverage":{},"dateOfService":"2025-13-01","lines":[{"code":"20552","units":0}],"extra":1}
        """
        do {
            _ = try EncounterReader.decode(Data(json.utf8))
            Issue.record("expected errors")
        } catch {
            let paths = Set(error.errors.map(\.path))
            #expect(paths == ["id", "member.sex", "coverage.payer", "dateOfService", "lines[0].units", "extra"])
        }
    }

    @Test func syntaxErrorsCarryLineAndColumn() {
        do {
            _ = try EncounterReader.decode(Data("{\n  \"id\": \"A\",\n  \"lines\": [}\n".utf8))
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.errors[0].message.contains("line 3"))
        }
    }

    @Test func duplicateKeysAreRejected() {
        do {
            _ = try JSONValue.parse(Data("{\"id\":\"A\",\"id\":\"B\"}".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("duplicate key \"id\""))
        }
    }
}

@Suite("LocalDate")
struct LocalDateTests {
    @Test func parsesOnlyRealDates() {
        #expect(LocalDate("2024-02-29") != nil)
        #expect(LocalDate("2025-02-29") == nil)
        #expect(LocalDate("2025-9-01") == nil)
        #expect(LocalDate("2025-09-01T00:00") == nil)
        #expect(LocalDate("2025-09-10")?.description == "2025-09-10")
    }

    /// The digit-by-digit formatter against the parser, over every day of years 1 to 9999 sampled
    /// every 13 days (all months, all day numbers, leap days included), and past year 9999.
    @Test func printsWhatItParses() throws {
        let first = try #require(LocalDate("0001-01-01")), last = try #require(LocalDate("9999-12-31"))
        var checked = 0
        for dayNumber in stride(from: first.dayNumber, through: last.dayNumber, by: 13) {
            let date = LocalDate(dayNumber: dayNumber)
            let text = date.description
            #expect(LocalDate(text) == date, "\(text)")
            #expect(text == String(format: "%04d-%02d-%02d", date.year, date.month, date.day))
            checked += 1
        }
        #expect(checked > 280_000)
        #expect(LocalDate("2024-02-29")?.description == "2024-02-29")
        #expect(last.adding(days: 1).description == "10000-01-01")
    }

    @Test func fiscalYearStartsInOctober() {
        #expect(LocalDate("2024-09-30")?.fiscalYear == 2024)
        #expect(LocalDate("2024-10-01")?.fiscalYear == 2025)
    }

    @Test func monthArithmeticClampsTheDay() {
        #expect(LocalDate("2025-08-31")!.adding(months: -6).description == "2025-02-28")
        #expect(LocalDate("2025-01-15")!.adding(months: 12).description == "2026-01-15")
        #expect(LocalDate("2025-03-01")!.adding(days: -1).description == "2025-02-28")
        #expect(LocalDate("2025-01-01")!.days(until: LocalDate("2025-12-31")!) == 364)
    }
}

/// Blank strings are refused as Foundation's `trimmingCharacters(in: .whitespaces)` would refuse them.
@Suite("Blank strings")
struct BlankStringTests {
    @Test(arguments: ["", " ", "\t", "\u{00A0}", "\u{3000}", " \t\u{2009} ", "\n", "\r", " a ", "x", "\u{200B}", "é"])
    func blankMatchesFoundation(text: String) throws {
        let json = #"{"id": "C1", "member": {"id": "M1"}, "coverage": {"payer": "aetna"}, "dateOfService": "2025-09-10", "#
            + #""lines": [{"code": "20552"}], "placeOfService": "# + String(decoding: try JSONEncoder().encode(text), as: UTF8.self) + "}"
        let refused: Bool
        do {
            _ = try EncounterReader.decode(Data(json.utf8))
            refused = false
        } catch {
            refused = error.errors.contains { $0.path == "placeOfService" && $0.message == "must not be empty" }
        }
        #expect(refused == text.trimmingCharacters(in: .whitespaces).isEmpty)
    }
}

/// The compact form codes are shown and policy range ends are ordered in: no dot, upper case,
/// whatever the length. (Supporting-diagnosis sets hold ``CodeSets/DiagnosisKey``s.)
@Suite("Diagnosis code shape")
struct DiagnosisCodeShapeTests {
    @Test(arguments: [("M62.838", "M62838"), ("m79.18", "M7918"), ("S13.4xxA", "S134XXA"), ("A00", "A00"), ("", ""),
                      ("m..1", "M1"), ("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q", "ABCDEFGHIJKLMNOPQ"), ("é.1", "é1")])
    func compactDropsDotsAndUppercases(code: String, compact: String) {
        #expect(DiagnosisCodeShape.compact(code) == compact)
    }

    @Test(arguments: ["A00", "M79.18", "M7918", "S13.4XXA", "S134XXA", "Z99.89"])
    func wellFormedCodes(code: String) {
        #expect(DiagnosisCodeShape.isWellFormed(code))
    }

    @Test(arguments: ["", "A0", "m79.18", "M7.918", "M79..18", "M79.1.8", ".M7918", "M79.18XXA", "0M79", "MM79",
                      "M79-18", "M79 18", "M7é18", "M٣918", "M79\r\n", "Ｍ79"])
    func malformedCodes(code: String) {
        #expect(!DiagnosisCodeShape.isWellFormed(code))
    }

    /// The byte-level checks decide as the character-level definition they replaced, on strings
    /// that mix the classes where the two could part: non-ASCII digits and letters, combining marks, CR LF.
    @Test func byteLevelShapesMatchTheCharacterDefinition() {
        let alphabet: [String] = ["A", "M", "Z", "a", "0", "7", "9", ".", "F", "T", "X", "é", "e\u{301}", "٣", "\r\n", " ", "Ｍ"]
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...9, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
            #expect(DiagnosisCodeShape.isWellFormed(text) == Self.characterDiagnosisShape(text), "\(text.debugDescription)")
            #expect(ProcedureCodeShape.isWellFormed(text) == Self.characterProcedureShape(text), "\(text.debugDescription)")
            checked += 1
        }
        #expect(checked == 20_000)
    }

    private static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
    private static func isUpper(_ c: Character) -> Bool { c.isASCII && c.isUppercase }

    private static func characterDiagnosisShape(_ text: String) -> Bool {
        let chars = Array(text.filter { $0 != "." })
        guard (3...7).contains(chars.count), text.filter({ $0 == "." }).count <= 1 else { return false }
        if let dot = text.firstIndex(of: "."), text.distance(from: text.startIndex, to: dot) != 3 { return false }
        return isUpper(chars[0]) && isDigit(chars[1]) && chars[2...].allSatisfy { isDigit($0) || isUpper($0) }
    }

    private static func characterProcedureShape(_ text: String) -> Bool {
        let chars = Array(text)
        return chars.count == 5 && chars[1...3].allSatisfy(isDigit)
            && ((isDigit(chars[0]) && (isDigit(chars[4]) || chars[4] == "F" || chars[4] == "T"))
                || (isUpper(chars[0]) && isDigit(chars[4])))
    }
}
