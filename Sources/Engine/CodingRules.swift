import CodeSets
import Model
import Policies

/// Whether a finding denies a line or sends it to review.
enum Effect: Sendable { case deny, pend }

/// A reason attached to one line, with its effect.
struct LineFinding: Sendable {
    let line: Int
    let effect: Effect
    let reason: Reason
}

/// A pair of CPT codes split by muscle count: 1–2 muscles, 3 or more.
enum MuscleCountCodes: Sendable {
    case injection, needling

    static let all: [MuscleCountCodes] = [.injection, .needling]

    var small: String {
        switch self {
        case .injection: "20552"
        case .needling: "20560"
        }
    }

    var large: String {
        switch self {
        case .injection: "20553"
        case .needling: "20561"
        }
    }

    /// The fewest muscles the large code (20553, 20561) is for: "3 or more muscles".
    static let largeFrom = 3

    func code(large: Bool) -> String { large ? self.large : small }
    func contains(_ code: String) -> Bool { code == small || code == large }
    static func family(of code: String) -> MuscleCountCodes? {
        switch code {
        case "20552", "20553": return .injection
        case "20560", "20561": return .needling
        default: return nil
        }
    }
}

/// The correct-coding rules every payer applies (docs/decisions.md):
/// muscle count, one TPI code and unit a day, modifier 50, E/M without 25, dry needling,
/// diagnosis validity on the date of service, duplicates, and muscle specificity.
struct CodingRules {
    let facts: EncounterFacts
    let context: EvaluationContext

    /// Where the sources disagree or are silent, the project's decisions (docs/decisions.md) are cited.
    static func decision(_ section: String) -> Citation {
        Citation(source: "medpolicy coding decisions (docs/decisions.md)", section: section)
    }
    static let cptDescriptors = Citation(source: "Florida Blue Medical Coverage Guideline 02-20000-28, Trigger Point Injections (revised 2023-08-15)",
                                         section: "Billing/Coding Information")
    static let oneCodePerDay = Citation(source: "Harvard Pilgrim Health Care payment policy, Trigger Point Injections (20552, 20553) (undated)",
                                        section: "Limitations")
    static let unitPerDate = Citation(source: "TrueCare (CareSource) Medical Policy Statement MM-1462, Trigger Point Injections (issued 2025-03-12, effective 2025-07-01 to 2025-12-31, archived)",
                                      section: "IV. Payment Information")
    /// A code is reported to the full number of characters it requires, and only if valid on the date.
    static let diagnosisValidity = Citation(source: "ICD-10-CM Official Guidelines for Coding and Reporting",
                                            section: "I.B.2 Level of Detail in Coding")
    /// An E/M on the day of a minor procedure (a 000/010-day global, as 20552/20553) is part of it
    /// unless significant and separately identifiable, shown by modifier 25: a correct-coding fact
    /// every payer applies (TrueCare's § IV.C restates it), so cited as NCCI, not as one payer's policy.
    static let evaluationWithMinorProcedure = Citation(source: "NCCI Policy Manual for Medicare Services",
                                                       section: "Chapter I, D. Evaluation & Management (E&M) Services")
    static let siteDocumentation = Citation(source: oneCodePerDay.source, section: "Coverage Indications, Limitations, and/or Medical Necessity")

    /// Modifiers that never belong on a TPI line: 50 (bilateral is more muscles), 59/X{EPSU} and
    /// LT/RT (they do not make another unit payable), 76/77 (no repeat TPI the same day).
    static let strippedModifiers: Set<String> = ["50", "59", "XE", "XS", "XP", "XU", "LT", "RT", "76", "77"]

    struct Result {
        var findings: [LineFinding] = []
        var claimReasons: [Reason] = []
        var issues: [CodingIssue] = []
        var recommended: [RecommendedLine] = []
        var missing: Set<DocumentationElement> = []
        /// The issues that more lines joined: their lines are sorted once, when all are in.
        fileprivate var joined: Set<Int> = []
    }

    func evaluate() -> Result {
        var result = Result()
        let lines = facts.lines
        let procedureLines = lines.indices.filter(isProcedureLine)

        checkDiagnoses(&result, procedureLines: procedureLines)
        checkSites(&result, procedureLines: procedureLines)
        let expected = expectedProcedure(procedureLines: procedureLines)
        for index in procedureLines { checkProcedureLine(index, expected: expected, &result) }
        checkUnitsPerDay(&result, procedureLines: procedureLines, expected: expected)
        checkSameDayHistory(&result, procedureLines: procedureLines)
        checkEvaluationAndManagement(&result, procedureLines: procedureLines)
        result.recommended = recommendedLines(procedureLines: procedureLines, expected: expected)
        for issue in result.joined { result.issues[issue].lines?.sort() }
        return result
    }

    private func add(_ result: inout Result, rule: String, lines: [Int], effect: Effect, carc: String?, rarc: [String] = [],
                     citation: Citation, message: String, interpretation: String? = nil) {
        let reason = Reason(rule: rule, carc: carc, rarc: rarc, message: message, citation: citation, interpretation: interpretation)
        for line in lines { result.findings.append(LineFinding(line: line, effect: effect, reason: reason)) }
        // One issue per problem: the same finding on several lines is listed once with all of them.
        if let existing = result.issues.firstIndex(where: { $0.rule == rule && $0.message == message }) {
            result.issues[existing].lines = (result.issues[existing].lines ?? []) + lines.map { $0 + 1 }
            result.joined.insert(existing)
        } else {
            result.issues.append(CodingIssue(rule: rule, message: message, lines: lines.map { $0 + 1 }))
        }
    }

    // MARK: diagnoses

    private func checkDiagnoses(_ result: inout Result, procedureLines: [Int]) {
        let lines = facts.lines
        let undiagnosed = procedureLines.filter { facts.diagnosisPositions(ofLine: $0).isEmpty }
        if !undiagnosed.isEmpty {
            add(&result, rule: "coding.diagnosis-validity", lines: undiagnosed, effect: .deny, carc: "16", rarc: RemarkCode.invalidDiagnosis,
                citation: Self.diagnosisValidity,
                message: "The line carries no diagnosis: report the ICD-10-CM code of the condition treated (the specific muscle or pain diagnosis).")
        }
        for (position, code) in facts.diagnosisCodes.enumerated() where facts.diagnoses[position].status != .billable {
            let status = facts.diagnoses[position].status
            let pointing = lines.indices.filter { facts.diagnosisPositions(ofLine: $0).contains { facts.diagnosisCodes[$0] == code } }
            let message: String
            let effect: Effect
            switch status {
            case .header:
                let children = context.icd.billableDescendants(of: code, on: facts.dateOfService)
                let shown = children.prefix(6).joined(separator: ", ") + (children.count > 6 ? ", …" : "")
                message = "\(code) is a category header on \(facts.dateOfService), not a billable code: report the specific code (\(shown))."
                effect = .deny
            case .notValid:
                let years = context.icd.fiscalYears(of: code)
                let when = years.isEmpty ? "in no ICD-10-CM release carried" : "only in fiscal year(s) \(compactYears(years))"
                message = "\(code) is not a valid ICD-10-CM code on \(facts.dateOfService) (it exists \(when)): correct the diagnosis."
                effect = .deny
            case .noCodeSet, .billable:
                message = "\(code) cannot be verified for \(facts.dateOfService) from the ICD-10-CM releases carried (none answers that date, or the code may come from a mid-year update not carried): a reviewer must check it."
                effect = .pend
            }
            if pointing.isEmpty {
                result.claimReasons.append(Reason(rule: "coding.diagnosis-validity", carc: effect == .deny ? "16" : "252",
                                                  rarc: effect == .deny ? RemarkCode.invalidDiagnosis : RemarkCode.missingMedicalRecord,
                                                  message: message, citation: Self.diagnosisValidity))
                result.issues.append(CodingIssue(rule: "coding.diagnosis-validity", message: message))
            } else {
                add(&result, rule: "coding.diagnosis-validity", lines: pointing, effect: effect,
                    carc: effect == .deny ? "16" : "252",
                    rarc: effect == .deny ? RemarkCode.invalidDiagnosis : RemarkCode.missingMedicalRecord,
                    citation: Self.diagnosisValidity, message: message)
            }
        }
    }

    private func compactYears(_ years: [Int]) -> String {
        guard let first = years.first, let last = years.last else { return "" }
        return years.count == last - first + 1 && years.count > 1 ? "FY\(first)–FY\(last)" : years.map { "FY\($0)" }.joined(separator: ", ")
    }

    // MARK: sites

    private func checkSites(_ result: inout Result, procedureLines: [Int]) {
        guard !procedureLines.isEmpty else { return }
        for (name, hint) in facts.sites.nonSpecific {
            result.issues.append(CodingIssue(rule: "coding.muscle-specificity",
                message: "\"\(name)\" is not a specific muscle: the procedure note must name each muscle injected (\(hint)); 20552/20553 are chosen by the number of muscles.",
                lines: procedureLines.map { $0 + 1 }))
            result.missing.insert(.procedureNote)
        }
        for name in facts.sites.unrecognized {
            result.issues.append(CodingIssue(rule: "coding.muscle-specificity",
                message: "\"\(name)\" is not a muscle name medpolicy recognizes: use the anatomical name (e.g. upper trapezius → trapezius) so the muscles can be counted.",
                lines: procedureLines.map { $0 + 1 }))
            result.missing.insert(.procedureNote)
        }
        // Usually no side is missing: no set to build and sort.
        for name in facts.sites.missingSide.isEmpty ? [] : Set(facts.sites.missingSide).sorted() {
            result.issues.append(CodingIssue(rule: "coding.laterality",
                message: "The side of the \(name) is not documented: left and right \(name) are two muscles, so document the side (LT/RT add no unit)."))
        }
    }

    /// The procedure code the documented session supports, when the record tells.
    struct ExpectedProcedure {
        let family: MuscleCountCodes
        /// Whether the documented muscles call for the large code; `nil` when the count is unsettled.
        let large: Bool?
        let muscleCount: Int

        /// The code for the documented muscles; `nil` when the count is unsettled.
        var code: String? { large.map(family.code(large:)) }
    }

    private func expectedProcedure(procedureLines: [Int]) -> ExpectedProcedure? {
        let lines = facts.lines
        let billedFamily = procedureLines.first.flatMap { MuscleCountCodes.family(of: lines[$0].code) }
        let family: MuscleCountCodes
        switch facts.injectate.map({ !$0.isEmpty }) {
        case true?: family = .injection
        case false?: family = .needling
        case nil:
            guard let billedFamily else { return nil }
            family = billedFamily
        }
        guard facts.sites.documented else { return ExpectedProcedure(family: family, large: nil, muscleCount: 0) }
        let most = facts.sites.muscles.count, fewest = facts.sites.minimumMuscleCount
        // Settled when every reading of the record gives the same code.
        let large: Bool?
        if fewest >= MuscleCountCodes.largeFrom {
            large = true
        } else if facts.sites.isComplete, most < MuscleCountCodes.largeFrom || fewest == most {
            large = most >= MuscleCountCodes.largeFrom
        } else {
            large = nil
        }
        return ExpectedProcedure(family: family, large: large, muscleCount: most)
    }

    private func muscleList() -> String {
        let names = context.muscles.muscles
        return facts.sites.muscles.map { (name: names[$0.muscle].name, side: $0.side?.rawValue) }
            .sorted { ($0.name, $0.side ?? "") < ($1.name, $1.side ?? "") }
            .map { ($0.side.map { $0 + " " } ?? "") + $0.name }.joined(separator: ", ")
    }

    private func checkProcedureLine(_ index: Int, expected: ExpectedProcedure?, _ result: inout Result) {
        let lines = facts.lines, billed = lines[index].code
        guard let family = MuscleCountCodes.family(of: billed) else { return }
        if lines[index].has(modifier: "50") {
            add(&result, rule: "coding.modifier-50", lines: [index], effect: .deny, carc: "4", citation: Self.decision("Muscles, sides and modifier 50"),
                message: "Modifier 50 does not apply to \(billed): a bilateral session is simply more muscles (left and right are two), counted into one \(family.small)/\(family.large). Remove 50.",
                interpretation: "Muscles are counted as (muscle, side) pairs; modifier 50 never applies to 20552/20553.")
        }
        guard let expected else { return }
        if expected.family != family {
            let injectate = facts.injectate ?? []
            let message = expected.family == .needling
                ? "Nothing was injected: needle insertion without injection (dry needling) is not a trigger point injection. Report \(expected.code ?? "20560/20561") (20560: 1–2 muscles, 20561: 3 or more), not \(billed)."
                : "\(injectate.joined(separator: ", ")) was injected: that is a trigger point injection, \(expected.code ?? "20552/20553"), not \(billed) (needle insertion without injection)."
            add(&result, rule: "coding.dry-needling", lines: [index], effect: .deny, carc: "16", rarc: RemarkCode.procedureCodeNotValid,
                citation: Self.cptDescriptors, message: message)
            return
        }
        // Both codes billed: the pair rule bundles the small one into the large one, unless the
        // record settles the session at the small code; then the large code is the wrong one.
        let bothBilled = facts.billedCodes.contains(family.small) && facts.billedCodes.contains(family.large)
        if bothBilled, expected.code != family.small { return }
        if let code = expected.code, code != billed {
            let descriptor = context.tables.procedure(code)?.descriptor ?? code
            add(&result, rule: "coding.muscle-count", lines: [index], effect: .deny, carc: "16", rarc: RemarkCode.procedureCodeNotValid,
                citation: Self.cptDescriptors,
                message: "\(expected.muscleCount) muscle\(expected.muscleCount == 1 ? " was" : "s were") injected (\(muscleList())): that is one unit of \(code) (\(descriptor)), not \(billed).")
        } else if expected.code == nil, facts.sites.documented, billed == family.large {
            let sides = facts.sites.minimumMuscleCount < expected.muscleCount ? " and muscles without a side next to the same muscle with one" : ""
            let vague = facts.sites.isComplete ? "" : " and sites that are not one muscle"
            add(&result, rule: "coding.muscle-count", lines: [index], effect: .pend, carc: "252", rarc: RemarkCode.missingMedicalRecord,
                citation: Self.siteDocumentation,
                message: "\(billed) needs 3 or more muscles, but the procedure note names \(facts.sites.minimumMuscleCount)–\(expected.muscleCount) distinct muscles (\(muscleList()))\(vague)\(sides): name every muscle injected with its side.")
            result.missing.insert(.procedureNote)
        }
    }

    // MARK: units and pairs

    private func checkUnitsPerDay(_ result: inout Result, procedureLines: [Int], expected: ExpectedProcedure?) {
        let lines = facts.lines
        // The usual claim: one procedure line of one unit, nothing to sum and no pair.
        if procedureLines.count == 1 && lines[procedureLines[0]].effectiveUnits <= 1 { return }
        // A claim bills a few distinct procedure codes.
        var byCode: [(code: String, indices: [Int])] = []
        for index in procedureLines {
            if let group = byCode.firstIndex(where: { $0.code == lines[index].code }) {
                byCode[group].indices.append(index)
            } else {
                byCode.append((lines[index].code, [index]))
            }
        }
        byCode.sort { $0.code < $1.code }
        for (code, indices) in byCode {
            // Saturating: units up to Int.max are valid input, and two of them must deny, not trap.
            let units = indices.reduce(0) { total, index in
                let (sum, overflow) = total.addingReportingOverflow(lines[index].effectiveUnits)
                return overflow ? Int.max : sum
            }
            guard units > 1, let family = MuscleCountCodes.family(of: code) else { continue }
            var message = "\(code) is reported once a day, one unit (MUE 1); this claim carries \(units) units on \(indices.count) line\(indices.count == 1 ? "" : "s"). All muscles of the session count into one code: 1–2 muscles → \(family.small), 3 or more → \(family.large)."
            let extra = Set(indices.flatMap { lines[$0].modifierList }).intersection(["59", "XE", "XS", "XP", "XU", "LT", "RT", "76", "77"])
            if !extra.isEmpty {
                message += " Modifiers \(extra.sorted().joined(separator: "/")) do not make another unit payable."
            }
            add(&result, rule: "coding.units-per-day", lines: indices, effect: .deny, carc: "151", rarc: ["N362"],
                citation: Self.unitPerDate, message: message,
                interpretation: "Units are summed across lines of the same code and date, as NCCI date-of-service MUEs are, and every such line is denied.")
        }
        for family in MuscleCountCodes.all {
            let small = procedureLines.filter { lines[$0].code == family.small }
            let large = procedureLines.filter { lines[$0].code == family.large }
            guard !small.isEmpty, !large.isEmpty else { continue }
            // 1–2 muscles documented: the small code stands and the large one is the wrong code (coding.muscle-count).
            if expected?.code == family.small { continue }
            add(&result, rule: "coding.one-code-per-day", lines: small, effect: .deny, carc: "97", citation: Self.oneCodePerDay,
                message: "\(family.small) is bundled into \(family.large) billed the same day: only one of \(family.small)/\(family.large) is reported a day, however many sites are injected.")
        }
    }

    private func checkSameDayHistory(_ result: inout Result, procedureLines: [Int]) {
        let lines = facts.lines
        for index in procedureLines {
            let line = lines[index]
            guard let family = MuscleCountCodes.family(of: line.code) else { continue }
            for record in facts.prior where record.dateOfService == facts.dateOfService {
                let prior = facts.service(record)
                guard family.contains(prior.code) else { continue }
                if prior.code == line.code {
                    add(&result, rule: "coding.duplicate", lines: [index], effect: .deny, carc: "18", citation: Self.decision("Duplicates and replacements"),
                        message: "Exact duplicate of \(prior.id) (\(line.code) on \(facts.dateOfService)). To correct that claim, send a replacement (frequency 7) for \(prior.id) instead.")
                } else {
                    add(&result, rule: "coding.one-code-per-day", lines: [index], effect: .deny, carc: "97", citation: Self.oneCodePerDay,
                        message: "\(prior.code) was already billed for \(facts.dateOfService) on \(prior.id): only one of \(family.small)/\(family.large) a day. If the muscles of both add up to 3 or more, replace \(prior.id) with one \(family.large).")
                }
            }
        }
    }

    // MARK: E/M

    private func checkEvaluationAndManagement(_ result: inout Result, procedureLines: [Int]) {
        guard !procedureLines.isEmpty else { return }
        let lines = facts.lines
        // Looked up last: the procedure lines are TPI or dry-needling codes, never a visit, and a
        // line with 25 passes whatever it is.
        for index in lines.indices where !isProcedureLine(index) && !lines[index].has(modifier: "25")
            && isEvaluationAndManagement(index) {
            add(&result, rule: "coding.em-modifier-25", lines: [index], effect: .deny, carc: "97", citation: Self.evaluationWithMinorProcedure,
                message: "\(lines[index].code) on the day of a trigger point injection is part of the procedure unless a significant, separately identifiable E/M service was performed: append modifier 25 only if the note documents one (a separate problem, separately recorded); otherwise do not bill the visit.")
        }
    }

    /// Whether the line at `index` bills a TPI or dry-needling code (one of the procedure lines).
    private func isProcedureLine(_ index: Int) -> Bool {
        MuscleCountCodes.family(of: facts.lines[index].code) != nil
    }

    /// Whether the line at `index` is an E/M visit.
    private func isEvaluationAndManagement(_ index: Int) -> Bool {
        context.tables.category(of: facts.lines[index].code) == .evaluationAndManagement
    }

    // MARK: recommendation

    private func recommendedLines(procedureLines: [Int], expected: ExpectedProcedure?) -> [RecommendedLine] {
        let lines = facts.lines
        var recommended: [RecommendedLine] = []
        if !procedureLines.isEmpty || expected?.large != nil {
            let code: String
            if let settled = expected?.code {
                code = settled
            } else if let family = expected?.family ?? procedureLines.first.flatMap({ MuscleCountCodes.family(of: lines[$0].code) }) {
                // Unsettled count: keep what was billed, the larger code when both were.
                let billed = procedureLines.lazy.map { lines[$0].code }
                code = billed.contains(family.large) ? family.large : (billed.first(where: family.contains) ?? family.small)
            } else {
                code = lines[procedureLines[0]].code
            }
            var modifiers: [String] = []
            for index in procedureLines {
                for modifier in lines[index].modifierList where !Self.strippedModifiers.contains(modifier) && !modifiers.contains(modifier) {
                    modifiers.append(modifier)
                }
            }
            if !procedureLines.isEmpty || facts.sitesListed {
                recommended.append(RecommendedLine(code: code, units: 1, modifiers: modifiers))
            }
        }
        let procedureRecommended = !recommended.isEmpty
        for index in lines.indices where !isProcedureLine(index) {
            var modifiers = lines[index].modifierList
            if procedureRecommended, !modifiers.contains("25"), isEvaluationAndManagement(index) {
                modifiers.append("25")  // only if separately identifiable: see the coding.em-modifier-25 issue
            }
            recommended.append(RecommendedLine(code: lines[index].code, units: lines[index].effectiveUnits, modifiers: modifiers))
        }
        return recommended
    }
}
