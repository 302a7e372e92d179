import CodeSets
import Model
import Policies

/// Why part of a criterion is not met or not known, kept unrendered: most evaluations pass,
/// and the text is built only for the ones that do not.
enum Explanation {
    case criterion(Criterion)
    case fact(Fact)
    case noneOf([Criterion])
    case fewerThan(Int, [Criterion])
}

/// The result of a criterion, with what to tell the user: which parts are documented as not
/// met, which are not documented, and which documents would settle the unknown parts.
struct CriterionResult {
    var truth: Truth
    var notMet: [Explanation] = []
    var unknown: [Explanation] = []
    var missing: Set<DocumentationElement> = []
}

/// Evaluates criteria trees over an encounter's facts (DESIGN.md: Kleene logic; false denies, unknown pends).
struct CriterionEvaluator {
    unowned(unsafe) let facts: EncounterFacts
    /// What each fact of the policies requires, in words (``EvaluationContext/factTexts``).
    let factTexts: [Fact: String]

    func evaluate(_ criterion: Criterion) -> CriterionResult {
        // Most criteria hold, and a result that holds carries no explanation: settle the truth
        // first, without building results, and explain only what does not hold.
        let truth = truth(criterion)
        return truth == .yes ? CriterionResult(truth: .yes) : explain(criterion)
    }

    /// The truth of a criterion alone.
    func truth(_ criterion: Criterion) -> Truth {
        switch criterion {
        case .all(let parts):
            var sawUnknown = false
            for part in parts {
                switch truth(part) {
                case .no: return .no
                case .unknown: sawUnknown = true
                case .yes: break
                }
            }
            return sawUnknown ? .unknown : .yes
        case .any(let parts):
            var sawUnknown = false
            for part in parts {
                switch truth(part) {
                case .yes: return .yes
                case .unknown: sawUnknown = true
                case .no: break
                }
            }
            return sawUnknown ? .unknown : .no
        case .atLeast(let n, let parts):
            var yes = 0, open = 0
            for part in parts {
                switch truth(part) {
                case .yes: yes += 1
                case .unknown: open += 1
                case .no: break
                }
            }
            return yes >= n ? .yes : (yes + open >= n ? .unknown : .no)
        case .not(let inner):
            return truth(inner).negated
        case .fact(let fact):
            return evaluate(fact)
        }
    }

    /// The result of a criterion that does not hold, with what is not met or not known.
    private func explain(_ criterion: Criterion) -> CriterionResult {
        switch criterion {
        case .all(let parts):
            let results = parts.map(evaluate)
            let truth = Truth.all(results.map(\.truth))
            return combine(truth, results, notMetWhenFalse: results.filter { $0.truth == .no }.flatMap(\.notMet))
        case .any(let parts):
            let results = parts.map(evaluate)
            let truth = Truth.any(results.map(\.truth))
            return combine(truth, results, notMetWhenFalse: [.noneOf(parts)])
        case .atLeast(let n, let parts):
            let results = parts.map(evaluate)
            let yes = results.filter { $0.truth == .yes }.count
            let open = results.filter { $0.truth == .unknown }.count
            let truth: Truth = yes >= n ? .yes : (yes + open >= n ? .unknown : .no)
            return combine(truth, results, notMetWhenFalse: [.fewerThan(n, parts)])
        case .not(let inner):
            let result = evaluate(inner)
            var negated = CriterionResult(truth: result.truth.negated)
            switch negated.truth {
            case .no: negated.notMet = [.criterion(criterion)]
            case .unknown: negated.unknown = result.unknown; negated.missing = result.missing
            case .yes: break
            }
            return negated
        case .fact(let fact):
            let truth = evaluate(fact)
            var result = CriterionResult(truth: truth)
            switch truth {
            case .no: result.notMet = [.fact(fact)]
            case .unknown:
                result.unknown = [.fact(fact)]
                result.missing = Set(documents(for: fact))
            case .yes: break
            }
            return result
        }
    }

    private func combine(_ truth: Truth, _ results: [CriterionResult], notMetWhenFalse: @autoclosure () -> [Explanation]) -> CriterionResult {
        var result = CriterionResult(truth: truth)
        switch truth {
        case .no: result.notMet = notMetWhenFalse()
        case .unknown:
            let open = results.filter { $0.truth == .unknown }
            result.unknown = open.flatMap(\.unknown)
            result.missing = open.reduce(into: []) { $0.formUnion($1.missing) }
        case .yes: break
        }
        return result
    }

    func evaluate(_ fact: Fact) -> Truth {
        let dos = facts.dateOfService
        switch fact {
        case .finding(let finding):
            return Truth(facts.clinical?.findings?[finding])

        case .conservativeTherapy(let types, let minDays, let minMonths, let outcomes):
            guard let courses = facts.clinical?.conservativeTherapy else { return .unknown }
            return Truth.any(courses.lazy.filter { types?.contains($0.type) ?? true }.map { course in
                let outcomeOK: Truth = outcomes.map { wanted in course.outcome.map { Truth(wanted.contains($0)) } ?? .unknown } ?? .yes
                return outcomeOK.and(lasted(from: course.start, to: course.end, minDays: minDays, minMonths: minMonths))
            })

        case .pharmacotherapy(let classes, let minDays):
            guard let drugs = facts.clinical?.pharmacotherapy else { return .unknown }
            return Truth.any(drugs.lazy.filter { classes?.contains($0.drugClass) ?? true }.map {
                lasted(from: $0.start, to: $0.end, minDays: minDays, minMonths: nil)
            })

        case .treatmentPlan(let components):
            guard let plan = facts.clinical?.treatmentPlan else { return .unknown }
            return plan.contains(where: components.contains) ? .yes : .no

        case .documented(let elements):
            // A document not listed may simply not have been attached: never "documented as absent".
            guard let documentation = facts.clinical?.documentation else { return .unknown }
            return elements.allSatisfy(documentation.contains) ? .yes : .unknown

        case .painOnset(let months):
            guard let onset = facts.clinical?.painOnset else { return .unknown }
            return Truth(onset <= dos && onset > dos.adding(months: -months))

        case .priorImprovement(let minPercent):
            guard let percent = facts.clinical?.priorInjectionResponse?.percentPainImprovement else { return .unknown }
            return Truth(percent >= minPercent)

        case .priorResponse(let measures):
            let response = facts.clinical?.priorInjectionResponse
            return Truth.any(measures.lazy.map { measure -> Truth in
                switch measure {
                case .pain: return Truth(response?.percentPainImprovement.map { $0 > 0 })
                case .function: return Truth(response?.functionalImprovement)
                case .rangeOfMotion: return Truth(response?.rangeOfMotionImproved)
                }
            })

        case .sitesDocumented:
            return facts.sites.isComplete ? .yes : .unknown

        case .priorServices(let count):
            let found = facts.priorServices(codes: count.codes, window: count.window, scope: count.scope)
            let known = found.filter { $0.inScope == .yes }.count
            if known >= count.atLeast { return .yes }
            return known + found.filter { $0.inScope == .unknown }.count >= count.atLeast ? .unknown : .no
        }
    }

    /// Whether a course lasted long enough by its end (or the date of service when still going).
    private func lasted(from start: LocalDate?, to end: LocalDate?, minDays: Int?, minMonths: Int?) -> Truth {
        guard minDays != nil || minMonths != nil else { return .yes }
        guard let start else { return .unknown }
        let until = min(end ?? facts.dateOfService, facts.dateOfService)
        if let minDays, start.days(until: until) < minDays { return .no }
        if let minMonths, until < start.adding(months: minMonths) { return .no }
        return .yes
    }

    /// The records that would establish a fact the encounter leaves unknown.
    func documents(for fact: Fact) -> [DocumentationElement] {
        switch fact {
        case .finding, .painOnset: return [.historyAndPhysical]
        case .conservativeTherapy: return [.visitNote, .physicalTherapyProgressNote]
        case .pharmacotherapy: return [.medicationList]
        case .treatmentPlan: return [.treatmentPlan]
        case .documented(let elements): return elements.filter { !(facts.clinical?.documentation ?? []).contains($0) }
        case .priorImprovement, .priorResponse: return [.priorTreatmentResults]
        case .sitesDocumented, .priorServices: return [.procedureNote]
        }
    }

    func describe(_ explanation: Explanation) -> String {
        switch explanation {
        case .criterion(let criterion): return describe(criterion)
        case .fact(let fact): return describe(fact)
        case .noneOf(let parts): return "none of: " + parts.map(describe).joined(separator: "; ")
        case .fewerThan(let n, let parts): return "fewer than \(n) of: " + parts.map(describe).joined(separator: "; ")
        }
    }

    func describe(_ explanations: [Explanation]) -> String {
        explanations.map(describe).joined(separator: "; ")
    }

    func describe(_ criterion: Criterion) -> String {
        switch criterion {
        case .all(let parts): return parts.map(describe).joined(separator: " and ")
        case .any(let parts): return "one of (" + parts.map(describe).joined(separator: "; ") + ")"
        case .atLeast(let n, let parts): return "at least \(n) of (" + parts.map(describe).joined(separator: "; ") + ")"
        case .not(let inner): return "not (" + describe(inner) + ")"
        case .fact(let fact): return describe(fact)
        }
    }

    func describe(_ fact: Fact) -> String {
        factTexts[fact] ?? fact.requirement
    }
}

extension Fact {
    /// What the fact requires, in words: the same for every encounter, so the context words each
    /// fact of the policies once (an 837 claim, without clinical facts, leaves every one unknown).
    var requirement: String {
        switch self {
        case .finding(let finding):
            switch finding {
            case .regionalPainInReferralPattern: return "regional pain in the expected referral pattern of a trigger point"
            case .tautBand: return "a palpable taut band"
            case .spotTenderness: return "spot tenderness in the taut band"
            case .restrictedRangeOfMotion: return "restricted range of motion"
            case .localTwitchResponse: return "a local twitch response"
            case .referredPainReproduced: return "reproduction of the referred pain pattern"
            case .muscleWeakness: return "muscle-specific weakness"
            }
        case .conservativeTherapy(let types, let minDays, let minMonths, let outcomes):
            var text = "conservative therapy"
            if let types { text += " (" + types.map { $0.rawValue.replacingUnderscores }.sorted().joined(separator: ", ") + ")" }
            if let minDays { text += " for at least \(minDays) days" }
            if let minMonths { text += " for at least \(minMonths) month\(minMonths == 1 ? "" : "s")" }
            if let outcomes { text += " with outcome " + outcomes.map { $0.rawValue.replacingUnderscores }.sorted().joined(separator: " or ") }
            return text
        case .pharmacotherapy(let classes, let minDays):
            var text = "pharmacotherapy"
            if let classes { text += " (" + classes.map { $0.rawValue.replacingUnderscores }.sorted().joined(separator: ", ") + ")" }
            if let minDays { text += " for at least \(minDays) days" }
            return text
        case .treatmentPlan(let components):
            return "a treatment plan including " + components.map { $0.rawValue.replacingUnderscores }.sorted().joined(separator: " or ")
        case .documented(let elements):
            return "documentation: " + elements.map { $0.rawValue.replacingUnderscores }.joined(separator: ", ")
        case .painOnset(let months):
            return "pain that began within the last \(months) month\(months == 1 ? "" : "s")"
        case .priorImprovement(let percent):
            return "at least \(percent)% pain improvement after the previous injection"
        case .priorResponse(let measures):
            return "improvement after the previous injection in " + measures.map { $0.rawValue.replacingUnderscores }.sorted().joined(separator: " or ")
        case .sitesDocumented:
            return "the injected muscles named specifically"
        case .priorServices(let count):
            let window = count.window.map { " in the last \($0)" } ?? ""
            let scope: String
            switch count.scope {
            case .member: scope = ""
            case .anatomicRegion: scope = " at the same anatomic region"
            case .muscle: scope = " into the same muscle"
            }
            return "at least \(count.atLeast) prior \(count.codes.joined(separator: "/"))\(scope)\(window)"
        }
    }
}

extension String {
    var replacingUnderscores: String { split(separator: "_").joined(separator: " ") }
}
