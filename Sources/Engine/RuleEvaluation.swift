import CodeSets
import Model
import Policies

/// What one rule says about one line.
enum RuleVerdict {
    case pass
    /// The check is false: the rule's `onFail` applies.
    case fail(String)
    /// The record does not settle it: pend, asking for these documents. `attestable` names the
    /// rule's own open criteria (nil for a documented failure whose rule may or may not apply, and
    /// for limits): at claim time a rule declared `atClaim: attested` takes them as attested.
    case unknown(String, Set<DocumentationElement>, attestable: String? = nil)
}

/// Checks a policy's rules on the lines they govern.
struct PolicyRuleEvaluator {
    let context: EvaluationContext
    let facts: EncounterFacts
    /// The policy's criteria, over the facts.
    private let criteria: CriterionEvaluator
    let plan: PolicyPlan

    init(policy: Policy, facts: EncounterFacts, context: EvaluationContext) {
        self.context = context
        self.facts = facts
        criteria = CriterionEvaluator(facts: facts, program: context.criteria)
        plan = context.plan(of: policy)
    }

    /// Whether `rule`, one of the plan's rules for the line's code, governs the line: an exclusion
    /// "when billed with" other codes says nothing about the code billed alone.
    func governs(_ rule: Rule) -> Bool {
        guard case .exclusion(let exclusion) = rule.check, let with = exclusion.withCodes else { return true }
        return with.contains(where: facts.billedCodes.contains)
    }

    /// The verdict of `rule`, at `position` in the policy, on the line at `line`.
    func evaluate(_ rule: Rule, at position: Int, onLine line: Int) -> RuleVerdict {
        let roots = plan.criteria[position]
        // The condition's truth alone: it is explained only when it is open and the check fails.
        let gate = roots.when.map(criteria.truth)
        if gate == .no { return .pass }
        let verdict = check(rule, position, line, roots)
        // A rule whose condition the record leaves open can pass, but never deny: it pends.
        if gate == .unknown, let when = roots.when, case .fail(let message) = verdict {
            let open = criteria.evaluate(when)
            return .unknown("\(message) (the rule applies if \(criteria.describe(open.unknown)), which the record does not settle)",
                            open.missing)
        }
        return verdict
    }

    private func check(_ rule: Rule, _ position: Int, _ line: Int, _ roots: RuleCriteria) -> RuleVerdict {
        switch rule.check {
        case .diagnoses:
            return diagnoses(rule, position, line)
        case .criteria:
            guard let root = roots.check else { preconditionFailure("a criteria check is compiled with its rule") }
            let result = criteria.evaluate(root)
            switch result.truth {
            case .yes: return .pass
            case .no: return .fail("Not met: " + criteria.describe(result.notMet) + ".")
            case .unknown:
                let open = criteria.describe(result.unknown) + "."
                return .unknown("Not documented: " + open, result.missing, attestable: open)
            }
        case .limit(let limit):
            return frequency(limit)
        case .interval(let interval):
            return minimumInterval(interval)
        case .exclusion(let exclusion):
            // The same test that picks the rules for a line, asked again for a caller that did not.
            if !governs(rule) { return .pass }
            let code = facts.lines[line].code
            let what = context.tables.procedure(code)?.descriptor ?? code
            let status = exclusion.status == .investigational ? "experimental or investigational" : "not a covered service"
            let context = exclusion.withCodes.map { " when billed with " + $0.joined(separator: "/") } ?? ""
            return .fail("\(code) (\(what)) is \(status) under this policy\(context).")
        }
    }

    private func diagnoses(_ rule: Rule, _ position: Int, _ line: Int) -> RuleVerdict {
        // Only codes billable on the date count here; headers and invalid codes are the coding rules' billing error.
        let supported = plan.supportingDiagnoses(at: position, on: facts.dateOfService)
        var billable = false
        for position in facts.diagnosisPositions(ofLine: line) where facts.diagnoses[position].status == .billable {
            if let key = facts.diagnoses[position].key, supported.contains(key) { return .pass }
            billable = true
        }
        guard billable else { return .pass }
        // The billable ones are named, in pointer order.
        let named = facts.diagnosisPositions(ofLine: line).filter { facts.diagnoses[$0].status == .billable }
            .map { facts.diagnosisCodes[$0] }
        return .fail("None of the line's diagnoses (\(named.joined(separator: ", "))) is among this policy's supporting diagnoses for \(facts.lines[line].code).")
    }

    private func frequency(_ limit: FrequencyLimit) -> RuleVerdict {
        let date = facts.dateOfService
        // Every window of the limit that contains the date of service (issue 27.4): the one ending on
        // it, and each ending on a later service whose window still reaches back to it (a late
        // claim). A window ending elsewhere holds no more than one of these.
        var ends = [date]
        for record in facts.prior where record.dateOfService > date && !ends.contains(record.dateOfService)
            && limit.window.start(endingOn: record.dateOfService) <= date && limit.codes.contains(facts.service(record).code) {
            ends.append(record.dateOfService)
        }
        // "Per anatomic location": each region of this session is counted on its own (issue 20.4);
        // `nil` is the whole scope, and for a session whose sites are not all known also the region
        // its unnamed sites may be in (there only what could count is known, never what does).
        var buckets: [UInt64?] = [nil]
        if limit.scope == .anatomicRegion, facts.sites.regions != 0 {
            buckets = FactMasks.regions.values(facts.sites.regions).map { Optional(FactMasks.regions.bit($0)) }
            if !facts.sites.isComplete { buckets.append(nil) }
        }
        let unit = limit.count == .procedures ? "procedure" : "date of service"
        var open: (found: [(index: Int, inScope: Truth)], end: LocalDate, region: UInt64?)?
        for end in ends {
            for region in buckets {
                let found = facts.priorServices(codes: limit.codes, from: limit.window.start(endingOn: end), through: end,
                                                scope: limit.scope, region: region)
                if found.isEmpty && limit.max >= 1 { continue }  // this service alone
                // A whole-scope count of a session whose regions are partly known says only what could count.
                let settles = region != nil || limit.scope != .anatomicRegion || facts.sites.regions == 0
                let knownTotal = total(limit, found, includingOpen: false)
                if settles, knownTotal > limit.max {
                    let opening = end == date ? "This is the \(ordinal(knownTotal)) \(unit)" : "With this claim there are \(knownTotal) \(unit)s"
                    let message = "\(opening) of \(limit.codes.joined(separator: "/")) in the \(windowText(limit.window, endingOn: end))\(scopeText(limit.scope, region: region)); the limit is \(limit.max). Counted: \(list(found, .yes)) and this claim."
                    return .fail(message)
                }
                if open == nil, total(limit, found, includingOpen: true) > limit.max { open = (found, end, region) }
            }
        }
        if let open {
            let message = "Could exceed the limit of \(limit.max) \(unit)s in the \(windowText(limit.window, endingOn: open.end))\(scopeText(limit.scope, region: open.region)): the sites of \(list(open.found, .unknown)) or of this claim are not documented well enough to tell."
            return .unknown(message, [.procedureNote])
        }
        return .pass
    }

    /// The services a limit counts in one window, this claim included.
    private func total(_ limit: FrequencyLimit, _ found: [(index: Int, inScope: Truth)], includingOpen: Bool) -> Int {
        switch limit.count {
        case .procedures:
            return (includingOpen ? found.count : found.count { $0.inScope == .yes }) + 1
        case .datesOfService:
            // Distinct dates, this one included: sorted day numbers, counted where they change.
            var days = [facts.dateOfService.dayNumber]
            for match in found where includingOpen || match.inScope == .yes {
                days.append(facts.prior[match.index].dateOfService.dayNumber)
            }
            days.sort()
            return 1 + zip(days, days.dropFirst()).count { $0 != $1 }
        }
    }

    /// The services of `found` whose scope is `inScope`, oldest first; past ten only the latest ten
    /// are named (the message is read by a person and stored with every determination).
    private func list(_ found: [(index: Int, inScope: Truth)], _ inScope: Truth) -> String {
        let shown = 10
        let records = found.filter { $0.inScope == inScope }.map { facts.prior[$0.index] }
            .sorted { $0.dateOfService < $1.dateOfService }
        let named = records.suffix(shown).map { record in
            let service = facts.service(record)
            return "\(service.id) \(service.code) on \(service.dateOfService)"
        }.joined(separator: ", ")
        return records.count > shown ? "\(records.count - shown) earlier services, then " + named : named
    }

    private func minimumInterval(_ interval: MinimumInterval) -> RuleVerdict {
        // Both directions (issue 27.4): a service fewer than `minDays` before or after this one is too
        // close, whichever claim arrived first.
        let date = facts.dateOfService
        let found = facts.priorServices(codes: interval.codes, from: date.adding(days: 1 - interval.minDays),
                                        through: date.adding(days: interval.minDays - 1), scope: interval.scope)
        let describe = { (service: PriorService) -> String in
            let days = service.dateOfService.days(until: date)
            return "\(service.id) \(service.code) on \(service.dateOfService), " + (days >= 0 ? "\(days) day(s) before" : "\(-days) day(s) after")
        }
        guard !found.isEmpty else { return .pass }
        let nearest = { (services: [PriorService]) in services.min { abs($0.dateOfService.days(until: date)) < abs($1.dateOfService.days(until: date)) } }
        if let closest = nearest(facts.services(found, .yes)) {
            return .fail("Too close to another service (\(describe(closest))); at least \(interval.minDays) days must separate them\(scopeText(interval.scope)).")
        }
        if let closest = nearest(facts.services(found, .unknown)) {
            return .unknown("Possibly too close to \(describe(closest)): its sites are not documented well enough to tell whether it counts.", [.procedureNote])
        }
        return .pass
    }

    private func scopeText(_ scope: LimitScope, region: UInt64? = nil) -> String {
        switch scope {
        case .member: return ""
        case .anatomicRegion:
            let regions = FactMasks.regions.values(region ?? facts.sites.regions).map(\.words).sorted()
            return regions.isEmpty ? " at the same anatomic location" : " at the same anatomic location (\(regions.joined(separator: ", ")))"
        case .muscle: return " in the same muscle"
        }
    }

    private func windowText(_ window: Window, endingOn end: LocalDate) -> String {
        let ending = end == facts.dateOfService ? "the date of service" : end.description
        switch window {
        case .days(let n): return "\(n) days ending on \(ending)"
        case .months(let n): return "\(n) months ending on \(ending)"
        case .calendarYear: return "calendar year \(facts.dateOfService.year)"
        }
    }

    private func ordinal(_ n: Int) -> String {
        let suffix: String
        switch (n % 10, n % 100) {
        case (_, 11...13): suffix = "th"
        case (1, _): suffix = "st"
        case (2, _): suffix = "nd"
        case (3, _): suffix = "rd"
        default: suffix = "th"
        }
        return "\(n)\(suffix)"
    }
}
