import CodeSets
import Model

extension DiagnosisEntry {
    /// The billable codes (dotted) a supporting-diagnosis list covers on a date: a listed billable
    /// code itself, a listed header's billable descendants, and every billable code in a listed
    /// range (docs/decisions.md). The engine decides with it, and the
    /// synthetic claim generator picks covered diagnoses with it, so both read a list one way.
    public static func billableCodes(_ entries: [DiagnosisEntry], on date: LocalDate, icd: ICD10CM) -> [String] {
        var codes: [String] = []
        for entry in entries {
            switch entry {
            case .code(let code, _):
                switch icd.status(of: code, on: date) {
                case .billable: codes.append(ICD10CM.dotted(code))
                case .header: codes += icd.billableDescendants(of: code, on: date)
                case .notValid, .noCodeSet: break
                }
            case .range(let from, let to, _):
                codes += icd.billableCodes(inRangeFrom: from, to: to, on: date)
            }
        }
        return codes
    }
}
