import Foundation
import Testing
import CodeSets
import Engine
import Model
import Policies

// Shared fixture of the engine tests: the bundled code sets and the repository's Policies/,
// loaded once, and builders for encounters that start from a clean, approvable claim per payer
// so that each test changes only what its rule looks at.

// MARK: - Loading

enum Fixture {
    /// The repository root, from this file's path (Tests/EngineTests/Fixtures.swift).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let policiesDirectory: String = repositoryRoot.appendingPathComponent("Policies").path

    /// Loaded once for every test; a load failure is reported by each test that needs it.
    static let loaded: Result<Evaluator, LoadFailure> = {
        do {
            let icd = try ICD10CM.loadBundled()
            let tables = try CodeTables.loadBundled()
            let muscles = try MuscleCatalog.loadBundled()
            let library = try PolicyLibrary.load(directory: policiesDirectory).library
            return .success(Evaluator(context: EvaluationContext(library: library, icd: icd, tables: tables, muscles: muscles)))
        } catch {
            return .failure(LoadFailure(message: "\(error)"))
        }
    }()

    struct LoadFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { "cannot load the engine fixture: \(message)" }
    }

    static func evaluator() throws -> Evaluator { try loaded.get() }
}

/// Evaluates an encounter with the shared evaluator.
func evaluate(_ encounter: Encounter) throws -> Determination {
    try Fixture.evaluator().evaluate(encounter)
}

// MARK: - Sources cited by the policies

/// The published documents, as determinations cite them (written out here, not read from the
/// policy files, so a changed name in a policy file fails a test).
enum Published {
    static let floridaBlue = "Florida Blue Medical Coverage Guideline 02-20000-28, Trigger Point Injections (revised 2023-08-15)"
    static let harvardPilgrim = "Harvard Pilgrim Health Care payment policy, Trigger Point Injections (20552, 20553) (undated)"
    static let medicare = "CMS Local Coverage Determination L33912, Injection of Trigger Points (revised 2019-10-01, as quoted in the Harvard Pilgrim Health Care payment policy Trigger Point Injections)"
    static let trueCare = "TrueCare (CareSource) Medical Policy Statement MM-1462, Trigger Point Injections (issued 2025-03-12, effective 2025-07-01 to 2025-12-31, archived)"
    static let aetna = "Aetna trigger point injection limits (as reported by the article Trigger Point Injection CPT Codes (Dry Needling) Explained, 2023)"
    static let decisions = "medpolicy coding decisions (docs/decisions.md)"
    static let icd10Guidelines = "ICD-10-CM Official Guidelines for Coding and Reporting"
}

// MARK: - Dates

/// A date from `YYYY-MM-DD` (test inputs are literals, so a bad one is a bug in the test).
func day(_ text: String) -> LocalDate {
    guard let date = LocalDate(text) else { preconditionFailure("bad test date \(text)") }
    return date
}

/// The default date of service of the clean encounters: inside every policy's effective period
/// (TrueCare's is 2025-07-01 … 2025-12-31) and in ICD-10-CM FY2025.
let serviceDate = "2025-09-10"

// MARK: - Payers

enum Payer: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case floridaBlue = "florida-blue"
    case harvardPilgrim = "harvard-pilgrim"
    case medicare
    case trueCare = "truecare"
    case aetna

    var policyId: String {
        switch self {
        case .floridaBlue: return "florida-blue/02-20000-28"
        case .harvardPilgrim: return "harvard-pilgrim/trigger-point-injections"
        case .medicare: return "medicare/l33912"
        case .trueCare: return "truecare/mm-1462"
        case .aetna: return "aetna/trigger-point-injections"
        }
    }

    /// The line of business the payer's policy covers (Medicare's is written for `medicare` only).
    var lineOfBusiness: LineOfBusiness { self == .medicare ? .medicare : .commercial }

    var testDescription: String { rawValue }
}

// MARK: - Builders

/// A site in the procedure note.
func site(_ muscle: String, _ side: Laterality? = .right, points: Int? = nil) -> InjectionSite {
    InjectionSite(muscle: muscle, laterality: side, triggerPoints: points)
}

/// A prior service in the member's history, by default a 20552 into the right trapezius (neck region).
func prior(_ id: String, _ date: String, _ code: String = "20552", sites: [InjectionSite]? = [site("trapezius")]) -> PriorService {
    PriorService(id: id, dateOfService: day(date), code: code, units: 1, sites: sites)
}

/// A service line.
func line(_ code: String, _ modifiers: [String]? = nil, units: Int? = nil, pointers: [Int]? = nil) -> ServiceLine {
    ServiceLine(code: code, modifiers: modifiers, units: units, diagnosisPointers: pointers, charge: 150)
}

/// Every criterion of every policy documented as met, for an initial injection on `serviceDate`.
func cleanClinical() -> Clinical {
    Clinical(
        painOnset: day("2025-07-01"),
        findings: Findings(regionalPainInReferralPattern: true, tautBand: true, spotTenderness: true,
                           restrictedRangeOfMotion: true, localTwitchResponse: true, referredPainReproduced: true,
                           muscleWeakness: true),
        conservativeTherapy: [
            // 50 days, failed: Florida Blue's 6 weeks, Harvard Pilgrim/Medicare's "unresponsive", Aetna's conservative care.
            ConservativeTherapy(type: .physicalTherapy, start: day("2025-07-01"), end: day("2025-08-20"), outcome: .failed),
            // one of TrueCare's listed types, at least one month, failed.
            ConservativeTherapy(type: .activeExercise, start: day("2025-07-01"), end: day("2025-08-15"), outcome: .failed),
        ],
        pharmacotherapy: [Pharmacotherapy(drugClass: .nsaid, start: day("2025-07-01"))],
        treatmentPlan: [.homeExerciseProgram, .physicalTherapy],
        priorInjectionResponse: nil,
        documentation: DocumentationElement.allCases)
}

/// A clean, approvable encounter for `payer`: M79.7 (listed by every policy that lists diagnoses),
/// one 20552 for one specific muscle with its side, lidocaine injected, every criterion documented, no history.
func cleanEncounter(_ payer: Payer, id: String = "CLM-1", date: String = serviceDate) -> Encounter {
    Encounter(
        id: id,
        member: Member(id: "M1", birthDate: day("1970-02-01"), sex: .F),
        coverage: Coverage(payer: payer.rawValue, lineOfBusiness: payer.lineOfBusiness),
        dateOfService: day(date),
        placeOfService: "11",
        diagnoses: ["M79.7"],
        lines: [line("20552", [], units: 1, pointers: [1])],
        procedure: Procedure(sites: [site("trapezius", .right, points: 2)], injectate: ["lidocaine"], imagingGuidance: Model.ImagingGuidance.none),
        clinical: cleanClinical(),
        history: nil)
}

extension Encounter {
    /// A copy with `change` applied.
    func with(_ change: (inout Encounter) -> Void) -> Encounter {
        var copy = self
        change(&copy)
        return copy
    }

    /// A copy with `change` applied to the clinical record.
    func clinical(_ change: (inout Clinical) -> Void) -> Encounter {
        with { encounter in
            var clinical = encounter.clinical ?? Clinical()
            change(&clinical)
            encounter.clinical = clinical
        }
    }

    /// A copy with these sites in the procedure note.
    func sites(_ sites: [InjectionSite]?) -> Encounter {
        with { $0.procedure = Procedure(sites: sites, injectate: $0.procedure?.injectate ?? ["lidocaine"],
                                        imagingGuidance: $0.procedure?.imagingGuidance) }
    }

    /// A copy with these lines.
    func lines(_ lines: [ServiceLine]) -> Encounter { with { $0.lines = lines } }

    /// A copy with this history.
    func history(_ history: [PriorService]) -> Encounter { with { $0.history = history } }

    /// A copy with these claim diagnoses.
    func diagnoses(_ codes: [String]) -> Encounter { with { $0.diagnoses = codes } }

    /// A copy without `elements` in `clinical.documentation`.
    func withoutDocuments(_ elements: DocumentationElement...) -> Encounter {
        clinical { $0.documentation = ($0.documentation ?? []).filter { !elements.contains($0) } }
    }
}

/// The response to the previous injection: improved in every measure.
let improvedResponse = PriorInjectionResponse(percentPainImprovement: 60, functionalImprovement: true, rangeOfMotionImproved: true)
/// The response to the previous injection: documented as no improvement in any measure.
let noReliefResponse = PriorInjectionResponse(percentPainImprovement: 0, functionalImprovement: false, rangeOfMotionImproved: false)

// MARK: - Reading determinations

extension Determination {
    /// Line `index` (1-based, as on the claim).
    func line(_ index: Int) -> LineDetermination? { lines.first { $0.index == index } }

    /// Every reason, claim-level and on lines, with this rule id.
    func allReasons(_ rule: String) -> [Reason] {
        (reasons + lines.flatMap(\.reasons)).filter { $0.rule == rule }
    }

    /// Every rule id that appears in a reason anywhere.
    var ruleIds: Set<String> { Set((reasons + lines.flatMap(\.reasons)).map(\.rule)) }

    var issueRules: [String] { coding.issues.map(\.rule) }
}

extension LineDetermination {
    func reason(_ rule: String) -> Reason? { reasons.first { $0.rule == rule } }
    var ruleIds: [String] { reasons.map(\.rule) }
}

/// The request list Florida Blue sends with a pended line: seed 000's LOINC documentation table,
/// every document with time frame 18805-2.
let floridaBlueLOINCTable: [DocumentRequest] = [
    DocumentRequest(name: "Physician history and physical", loinc: "28626-0", timeFrame: "18805-2"),
    DocumentRequest(name: "Attending physician visit note", loinc: "18733-6", timeFrame: "18805-2"),
    DocumentRequest(name: "Treatment plan", loinc: "18776-5", timeFrame: "18805-2"),
    DocumentRequest(name: "Current, discharge, or administered medications", loinc: "34483-8", timeFrame: "18805-2"),
    DocumentRequest(name: "Physical therapy initial assessment", loinc: "18735-1", timeFrame: "18805-2"),
    DocumentRequest(name: "Physical therapy progress note", loinc: "11508-9", timeFrame: "18805-2"),
]

// MARK: - Assertions

/// The passing side of a policy rule: the rule was evaluated on the line, left no reason, and
/// (where the encounter is otherwise clean) the line and claim are approved.
func expectPasses(_ determination: Determination, rule: String, line index: Int = 1, approved: Bool = true,
                  sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    guard let line = determination.line(index) else {
        Issue.record("no line \(index) in the determination", sourceLocation: sourceLocation)
        return
    }
    #expect(line.evaluated?.contains(rule) == true, "rule \(rule) was not evaluated on line \(index): \(line.evaluated ?? [])",
            sourceLocation: sourceLocation)
    #expect(determination.allReasons(rule).isEmpty, "unexpected reason(s): \(determination.allReasons(rule).map(\.message))",
            sourceLocation: sourceLocation)
    if approved {
        #expect(line.outcome == .approved, "line \(index): \(line.reasons.map { "\($0.rule) \($0.carc ?? "-"): \($0.message)" })",
                sourceLocation: sourceLocation)
        #expect(determination.outcome == .approved, sourceLocation: sourceLocation)
    }
}

/// The failing (or pending) side of a rule: a reason with the rule id on the line, with this CARC,
/// RARCs and citation, and the line and claim outcomes.
@discardableResult
/// The remark code a reason with this CARC carries unless a test names another: X12 requires one
/// with 16, 96 and 252 (issue 20.12); M127 asks for the medical record, N130 points to the plan's
/// restrictions, N56 says the procedure code does not fit what was done.
func expectedRemarks(for carc: String) -> [String] {
    switch carc {
    case "252": return ["M127"]
    case "96": return ["N130"]
    case "16": return ["N56"]
    default: return []
    }
}

func expectReason(_ determination: Determination, rule: String, line index: Int = 1, carc: String, rarc: [String]? = nil,
                  lineOutcome: Outcome, claimOutcome: Outcome, citation: Citation?,
                  sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Reason? {
    guard let line = determination.line(index) else {
        Issue.record("no line \(index) in the determination", sourceLocation: sourceLocation)
        return nil
    }
    guard let reason = line.reason(rule) else {
        Issue.record("line \(index) has no reason \(rule); it has \(line.reasons.map { "\($0.rule) \($0.carc ?? "-")" }) (outcome \(line.outcome))",
                     sourceLocation: sourceLocation)
        return nil
    }
    #expect(reason.carc == carc, "\(rule): \(reason.message)", sourceLocation: sourceLocation)
    #expect(reason.rarc == rarc ?? expectedRemarks(for: carc), sourceLocation: sourceLocation)
    // X12's own usage note, read from the CARC table: whatever the rule, no required remark is left out.
    if let code = try? Fixture.evaluator().context.tables.carcCode(carc), code.requiresRemark {
        #expect(!reason.rarc.isEmpty, "CARC \(carc) needs a remark code (\(rule))", sourceLocation: sourceLocation)
    }
    #expect(line.outcome == lineOutcome, sourceLocation: sourceLocation)
    #expect(determination.outcome == claimOutcome, sourceLocation: sourceLocation)
    if let citation {
        #expect(reason.citation == citation, sourceLocation: sourceLocation)
    }
    #expect(!reason.message.isEmpty, sourceLocation: sourceLocation)
    return reason
}
