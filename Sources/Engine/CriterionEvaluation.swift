import CodeSets
import Model
import Policies

/// Why part of a criterion is not met or not known, kept unrendered (nodes of the
/// ``CriterionProgram``): most evaluations pass, and the text is built only for the ones that do not.
enum Explanation {
    case node(Int)
    case noneOf(Range<Int>)
    case fewerThan(Int, Range<Int>)
}

/// The result of a criterion, with what to tell the user: which parts are documented as not
/// met, which are not documented, and which documents would settle the unknown parts.
struct CriterionResult {
    var truth: Truth
    var notMet: [Explanation] = []
    var unknown: [Explanation] = []
    var missing: Set<DocumentationElement> = []
}

/// Evaluates compiled criteria over an encounter's facts (docs/determinations.md: Kleene logic; false denies,
/// unknown pends).
struct CriterionEvaluator {
    let facts: EncounterFacts
    let program: CriterionProgram

    /// The criterion rooted at `node`, explained when it does not hold.
    func evaluate(_ node: Int) -> CriterionResult {
        // Most criteria hold, and a result that holds carries no explanation: settle the truth
        // first, without building results, and explain only what does not hold.
        let truth = truth(node)
        return truth == .yes ? CriterionResult(truth: .yes) : explain(node)
    }

    /// The truth of the criterion rooted at `node` alone.
    func truth(_ node: Int) -> Truth {
        switch program.nodes[node] {
        case .all(let parts):
            var sawUnknown = false
            for part in parts {
                switch truth(program.children[part]) {
                case .no: return .no
                case .unknown: sawUnknown = true
                case .yes: break
                }
            }
            return sawUnknown ? .unknown : .yes
        case .any(let parts):
            var sawUnknown = false
            for part in parts {
                switch truth(program.children[part]) {
                case .yes: return .yes
                case .unknown: sawUnknown = true
                case .no: break
                }
            }
            return sawUnknown ? .unknown : .no
        case .atLeast(let n, let parts):
            var yes = 0, open = 0
            for part in parts {
                switch truth(program.children[part]) {
                case .yes: yes += 1
                case .unknown: open += 1
                case .no: break
                }
            }
            return yes >= n ? .yes : (yes + open >= n ? .unknown : .no)
        case .not(let inner):
            return truth(inner).negated
        case .fact(let fact):
            if let known = facts.memo[fact] { return known }
            let decided = decide(program.facts[fact])
            facts.memo[fact] = decided
            return decided
        }
    }

    /// The result of a criterion that does not hold, with what is not met or not known.
    private func explain(_ node: Int) -> CriterionResult {
        switch program.nodes[node] {
        case .all(let parts):
            let results = parts.map { evaluate(program.children[$0]) }
            let truth = Truth.all(results.map(\.truth))
            return combine(truth, results, notMetWhenFalse: results.filter { $0.truth == .no }.flatMap(\.notMet))
        case .any(let parts):
            let results = parts.map { evaluate(program.children[$0]) }
            let truth = Truth.any(results.map(\.truth))
            return combine(truth, results, notMetWhenFalse: [.noneOf(parts)])
        case .atLeast(let n, let parts):
            let results = parts.map { evaluate(program.children[$0]) }
            let yes = results.filter { $0.truth == .yes }.count
            let open = results.filter { $0.truth == .unknown }.count
            let truth: Truth = yes >= n ? .yes : (yes + open >= n ? .unknown : .no)
            return combine(truth, results, notMetWhenFalse: [.fewerThan(n, parts)])
        case .not(let inner):
            let result = evaluate(inner)
            var negated = CriterionResult(truth: result.truth.negated)
            switch negated.truth {
            case .no: negated.notMet = [.node(node)]
            case .unknown: negated.unknown = result.unknown; negated.missing = result.missing
            case .yes: break
            }
            return negated
        case .fact(let fact):
            var result = CriterionResult(truth: truth(node))
            switch result.truth {
            case .no: result.notMet = [.node(node)]
            case .unknown:
                result.unknown = [.node(node)]
                result.missing = Set(documents(for: program.facts[fact]))
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

    /// Decides one fact from the record (``FactTest``: the fact with its sets as bit masks).
    private func decide(_ fact: FactTest) -> Truth {
        let dos = facts.dateOfService
        switch fact {
        case .finding(let finding):
            return Truth(facts.findings?[finding])

        case .conservativeTherapy(let types, let minDays, let minMonths, let outcomes):
            guard let courses = facts.conservativeTherapy else { return .unknown }
            var found = Truth.no
            for course in courses where types.map({ $0 & FactMasks.therapyTypes.bit(course.type) != 0 }) ?? true {
                let outcomeOK = outcome(course.outcome, isOneOf: outcomes)
                switch outcomeOK.and(lasted(from: course.start, to: course.end, minDays: minDays, minMonths: minMonths)) {
                case .yes: return .yes
                case .unknown: found = .unknown
                case .no: break
                }
            }
            return found

        case .pharmacotherapy(let classes, let minDays, let outcomes, let current):
            guard let drugs = facts.pharmacotherapy else { return .unknown }
            var found = Truth.no
            for drug in drugs where classes.map({ $0 & FactMasks.drugClasses.bit(drug.drugClass) != 0 }) ?? true {
                // "Being administered": in progress on the date of service (a listed drug without an end is).
                let takenNow = !current || ((drug.start ?? dos) <= dos && (drug.end ?? dos) >= dos)
                guard takenNow else { continue }
                switch outcome(drug.outcome, isOneOf: outcomes).and(lasted(from: drug.start, to: drug.end, minDays: minDays, minMonths: nil)) {
                case .yes: return .yes
                case .unknown: found = .unknown
                case .no: break
                }
            }
            return found

        case .treatmentPlan(let components):
            guard let plan = facts.treatmentPlan else { return .unknown }
            return FactMasks.therapyTypes.mask(plan) & components != 0 ? .yes : .no

        case .documented(let elements):
            // A document not listed may simply not have been attached: never "documented as absent".
            guard let documentation = facts.documentation else { return .unknown }
            return FactMasks.documents.mask(documentation) & elements == elements ? .yes : .unknown

        case .painOnset(let bound):
            guard let onset = facts.painOnset else { return .unknown }
            return Truth(bound.admits(onset, on: dos))

        case .priorImprovement(let minPercent):
            guard let percent = facts.priorInjectionResponse?.percentPainImprovement else { return .unknown }
            return Truth(percent >= minPercent)

        case .priorResponse(let pain, let function, let rangeOfMotion):
            let response = facts.priorInjectionResponse
            var measured: [Truth] = []
            if pain { measured.append(Truth(response?.percentPainImprovement.map { $0 > 0 })) }
            if function { measured.append(Truth(response?.functionalImprovement)) }
            if rangeOfMotion { measured.append(Truth(response?.rangeOfMotionImproved)) }
            return Truth.any(measured)

        case .sitesDocumented:
            return facts.sites.isComplete ? .yes : .unknown

        case .priorServices(let index):
            let count = program.priorCounts[index]
            let found = facts.priorServices(codes: count.codes, window: count.window, scope: count.scope)
            let known = found.count { $0.inScope == .yes }
            if known >= count.atLeast { return .yes }
            return known + found.count { $0.inScope == .unknown } >= count.atLeast ? .unknown : .no
        }
    }

    /// Whether a course's recorded outcome is one of `wanted` (any, also none, when `wanted` is nil).
    private func outcome(_ recorded: TherapyOutcome?, isOneOf wanted: UInt64?) -> Truth {
        guard let wanted else { return .yes }
        return recorded.map { Truth(wanted & FactMasks.therapyOutcomes.bit($0) != 0) } ?? .unknown
    }

    /// Whether a course lasted long enough by its end (or the date of service when still going).
    /// Both ends are days of therapy: Monday of week 1 to Sunday of week 6 is 42 days, and
    /// 1 September to 30 September is one month.
    private func lasted(from start: LocalDate?, to end: LocalDate?, minDays: Int?, minMonths: Int?) -> Truth {
        guard minDays != nil || minMonths != nil else { return .yes }
        guard let start else { return .unknown }
        let lastDay = min(end ?? facts.dateOfService, facts.dateOfService)
        if let minDays, start.days(until: lastDay) + 1 < minDays { return .no }
        if let minMonths, lastDay.adding(days: 1) < start.adding(months: minMonths) { return .no }
        return .yes
    }

    /// The records that would establish a fact the encounter leaves unknown.
    private func documents(for fact: FactTest) -> [DocumentationElement] {
        switch fact {
        case .finding, .painOnset: return [.historyAndPhysical]
        case .conservativeTherapy: return [.visitNote, .physicalTherapyProgressNote]
        case .pharmacotherapy: return [.medicationList]
        case .treatmentPlan: return [.treatmentPlan]
        case .documented(let elements):
            return FactMasks.documents.values(elements & ~FactMasks.documents.mask(facts.documentation ?? []))
        case .priorImprovement, .priorResponse: return [.priorTreatmentResults]
        case .sitesDocumented, .priorServices: return [.procedureNote]
        }
    }

    func describe(_ explanation: Explanation) -> String {
        switch explanation {
        case .node(let node): return describe(node)
        case .noneOf(let parts): return "none of: " + parts.map { describe(program.children[$0]) }.joined(separator: "; ")
        case .fewerThan(let n, let parts): return "fewer than \(n) of: " + parts.map { describe(program.children[$0]) }.joined(separator: "; ")
        }
    }

    func describe(_ explanations: [Explanation]) -> String {
        explanations.map(describe).joined(separator: "; ")
    }

    /// The criterion rooted at `node`, in words.
    func describe(_ node: Int) -> String {
        let words = { (parts: Range<Int>, separator: String) in parts.map { describe(program.children[$0]) }.joined(separator: separator) }
        switch program.nodes[node] {
        case .all(let parts): return words(parts, " and ")
        case .any(let parts): return "one of (" + words(parts, "; ") + ")"
        case .atLeast(let n, let parts): return "at least \(n) of (" + words(parts, "; ") + ")"
        case .not(let inner): return "not (" + describe(inner) + ")"
        case .fact(let fact): return program.requirements[fact]
        }
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
        case .pharmacotherapy(let classes, let minDays, let outcomes, let current):
            var text = current ? "pharmacotherapy being taken on the date of service" : "pharmacotherapy"
            if let classes { text += " (" + classes.map { $0.rawValue.replacingUnderscores }.sorted().joined(separator: ", ") + ")" }
            if let minDays { text += " for at least \(minDays) days" }
            if let outcomes { text += " with outcome " + outcomes.map { $0.rawValue.replacingUnderscores }.sorted().joined(separator: " or ") }
            return text
        case .treatmentPlan(let components):
            return "a treatment plan including " + components.map { $0.rawValue.replacingUnderscores }.sorted().joined(separator: " or ")
        case .documented(let elements):
            return "documentation: " + elements.map { $0.rawValue.replacingUnderscores }.joined(separator: ", ")
        case .painOnset(.months(let months)):
            return "pain that began within the last \(months) month\(months == 1 ? "" : "s")"
        case .painOnset(.days(let days)):
            return "pain that began at most \(days) days before the date of service"
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
