import CodeSets
import Model

/// One code looked up in the bundled code sets: the answer of `medpolicy codes lookup` and
/// `GET /v1/codes/{code}`.
public struct CodeLookup: Encodable, Equatable, Sendable {
    public let code: String
    /// `icd10cm`, `cpt` or `hcpcs`.
    public let system: String
    public let valid: Bool
    public let billable: Bool
    public let description: String?
    /// Billable descendants of a header on the date.
    public let children: [String]
    public let date: String
    /// Why a code is not valid on the date (no code set carried, or the fiscal years it is valid in),
    /// or that the date's fiscal year is not carried and which release answered instead.
    public let note: String?
    /// The ICD-10-CM release that answered (nil for CPT/HCPCS and before the oldest release).
    public let release: String?
    /// False when the code sets carried cannot settle the code on the date (no release for it, or a
    /// mid-year update not carried): `valid` is then no answer, and a reviewer must check.
    public let verified: Bool

    /// Looks `code` up on `date` (default: the first day of the newest code set carried).
    public static func lookUp(_ code: String, on date: LocalDate?, in codeSets: LoadedCodeSets) throws(WorkflowError) -> CodeLookup {
        let day = date ?? {
            let newest = codeSets.icd.releases.map(\.fiscalYear).max() ?? 2026
            return LocalDate(year: newest - 1, month: 10, day: 1)!
        }()
        let upper = code.uppercased()
        // A code may have the shape of both a HCPCS and an ICD-10-CM code (J1030 is HCPCS, and
        // reads as J10.30): a carried CPT or HCPCS code answers first, the ICD-10-CM reading noted.
        if let procedure = codeSets.tables.procedure(upper) {
            let icd = DiagnosisCodeShape.isWellFormed(upper) && codeSets.icd.exists(upper)
                ? "also ICD-10-CM \(ICD10CM.dotted(DiagnosisCodeShape.compact(upper))): look it up with its dot" : nil
            return CodeLookup(code: procedure.code, system: procedure.system.rawValue, valid: true, billable: true,
                              description: procedure.descriptor, children: [], date: day.description, note: icd, release: nil,
                              verified: true)
        }
        if ProcedureCodeShape.isWellFormed(upper) && !DiagnosisCodeShape.isWellFormed(upper) || upper.first?.isNumber == true {
            guard let procedure = codeSets.tables.procedure(upper) else {
                throw .badInput("\(code): not a CPT or HCPCS code medpolicy carries (it carries the codes its policies use)")
            }
            return CodeLookup(code: procedure.code, system: procedure.system.rawValue, valid: true, billable: true,
                              description: procedure.descriptor, children: [], date: day.description, note: nil, release: nil,
                              verified: true)
        }
        guard DiagnosisCodeShape.isWellFormed(upper) || DiagnosisCodeShape.isWellFormed(String(upper.prefix(3)) + "." + upper.dropFirst(3)) else {
            throw .badInput("\(code): not an ICD-10-CM, CPT or HCPCS code")
        }
        let status = codeSets.icd.status(of: upper, on: day)
        let answering = codeSets.icd.answeringRelease(on: day)
        var note: String?
        switch status {
        case .noCodeSet:
            note = answering == nil ? "no ICD-10-CM code set is carried for \(day)"
                : "not in the FY\(answering!.fiscalYear) release carried, but in the next one: it may come from a mid-year (1 April) update not carried, so it cannot be verified for \(day)"
        case .notValid: note = codeSets.icd.exists(upper) ? "valid in FY \(codeSets.icd.fiscalYears(of: upper).map(String.init).joined(separator: ", "))" : "in no carried release"
        default: note = nil
        }
        if let answering, answering.laterYear {
            let later = "FY\(day.fiscalYear) is not carried: answered from the FY\(answering.fiscalYear) release; codes CMS added or deleted since are not known"
            note = note.map { "\(later); \($0)" } ?? later
        }
        return CodeLookup(code: ICD10CM.dotted(DiagnosisCodeShape.compact(upper)), system: CodeSystem.icd10cm.rawValue,
                          valid: status == .billable || status == .header, billable: status == .billable,
                          description: codeSets.icd.description(of: upper),
                          children: status == .header ? codeSets.icd.children(of: upper, on: day) : [],
                          date: day.description, note: note, release: answering?.name, verified: status != .noCodeSet)
    }
}
