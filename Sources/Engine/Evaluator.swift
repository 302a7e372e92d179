import CodeSets
import Model
import Policies

/// The decision procedure: encounter + prior services + policies → determination.
///
/// A pure function of its inputs: no I/O, no clock, no globals. Prior services come from the
/// caller (the encounter's `history`, or a history store above this layer), and so do the member's
/// prior authorizations on file, which a submitted claim is held to (`atClaim: authorization`).
public struct Evaluator: Sendable {
    public let context: EvaluationContext

    public init(context: EvaluationContext) { self.context = context }

    /// Decides an encounter for its own payer (or `payer` when given).
    /// - Parameters:
    ///   - priorServices: the member's prior services; the encounter's `history` when nil.
    ///   - authorizations: the member's prior authorizations on file (stage `claim`, rules declared
    ///     `atClaim: authorization`); nil when none are kept to check against, so that a number the
    ///     claim carries stands as attested (``ClaimAuthorizations``).
    public func evaluate(_ encounter: Encounter, payer: String? = nil, priorServices: [PriorService]? = nil,
                         authorizations: [Authorization]? = nil) -> Determination {
        let facts = EncounterFacts(encounter: encounter, priorServices: priorServices, context: context)
        return evaluate(facts, coding: CodingRules(facts: facts, context: context).evaluate(), payer: payer ?? facts.coverage.payer,
                        authorizations: claimAuthorizations(encounter, priorServices, authorizations))
    }

    /// Decides an encounter for every payer that has policies (the `--all-payers` view). The facts
    /// and the correct-coding findings do not depend on the payer and are derived once.
    public func evaluateAllPayers(_ encounter: Encounter, priorServices: [PriorService]? = nil,
                                  authorizations: [Authorization]? = nil) -> [Determination] {
        let facts = EncounterFacts(encounter: encounter, priorServices: priorServices, context: context)
        let coding = CodingRules(facts: facts, context: context).evaluate()
        let onFile = claimAuthorizations(encounter, priorServices, authorizations)
        return context.library.payers.map { evaluate(facts, coding: coding, payer: $0, authorizations: onFile) }
    }

    /// Only a submitted claim is held to authorizations: before it, nothing is set up.
    private func claimAuthorizations(_ encounter: Encounter, _ priorServices: [PriorService]?,
                                     _ authorizations: [Authorization]?) -> ClaimAuthorizations? {
        guard encounter.effectiveStage == .claim else { return nil }
        return ClaimAuthorizations(encounter: encounter, priorServices: priorServices, authorizations: authorizations,
                                   context: context)
    }

    private func evaluate(_ facts: EncounterFacts, coding: CodingRules.Result, payer: String,
                          authorizations: ClaimAuthorizations?) -> Determination {
        let advice = CodingAdvice(recommended: coding.recommended, issues: coding.issues)

        if facts.frequency == .void {
            return notApplicable(facts, payer: payer, policy: nil, advice: advice,
                                 reason: Reason(rule: "claim.void", carc: nil,
                                                message: "A void cancels claim \(facts.replaces ?? "?"); there is nothing to adjudicate.", citation: nil))
        }

        // An encounter that names no line of business is read in the one the payer's policies are
        // written for when they do not cover commercial (payer `medicare` → Medicare), as in the side-by-side view.
        let lineOfBusiness = payer == facts.coverage.payer && facts.coverage.lineOfBusiness != nil
            ? facts.coverage.effectiveLineOfBusiness : lineOfBusiness(for: payer, facts)
        switch context.library.select(payer: payer, lineOfBusiness: lineOfBusiness, on: facts.dateOfService,
                                      contractor: facts.coverage.contractor, state: facts.coverage.providerState) {
        case .none(let why):
            return notApplicable(facts, payer: payer, policy: nil, advice: advice,
                                 reason: Reason(rule: "policy.none", carc: nil, message: why.prefix(1).uppercased() + why.dropFirst() + ".", citation: nil))
        case .deferred(let policy, let exception):
            guard case .defer(let message) = exception.action else { preconditionFailure("deferred selection carries a defer action") }
            return notApplicable(facts, payer: payer, policy: policy.reference, advice: advice,
                                 reason: Reason(rule: exception.id, carc: nil, message: message, citation: exception.citation))
        case .policy(let policy, let routedBy):
            return decide(facts, payer: payer, policy: policy, routedBy: routedBy, coding: coding, advice: advice,
                          authorizations: authorizations)
        }
    }

    /// For a side-by-side view under another payer: the encounter's line of business when that
    /// payer covers it, else the line of business its policies are written for (medicare → medicare).
    private func lineOfBusiness(for payer: String, _ facts: EncounterFacts) -> LineOfBusiness {
        let own = facts.coverage.effectiveLineOfBusiness
        let inEffect = context.library.policies.filter { $0.payer == payer && $0.isEffective(on: facts.dateOfService) }
        if inEffect.isEmpty || inEffect.contains(where: { $0.covers(own) }) { return own }
        return LineOfBusiness.allCases.first { line in inEffect.contains { $0.covers(line) } } ?? own
    }

    private func notApplicable(_ facts: EncounterFacts, payer: String, policy: PolicyReference?, advice: CodingAdvice, reason: Reason) -> Determination {
        Determination(
            encounterId: facts.id, payer: payer, policy: policy, outcome: .notApplicable,
            lines: facts.lines.enumerated().map { LineDetermination(index: $0.offset + 1, code: $0.element.code, outcome: .notApplicable, reasons: []) },
            reasons: [reason], coding: advice, documentation: DocumentationAdvice())
    }

    private func decide(_ facts: EncounterFacts, payer: String, policy: Policy, routedBy: (Policy, ProgramException)?,
                        coding: CodingRules.Result, advice codingAdvice: CodingAdvice,
                        authorizations: ClaimAuthorizations?) -> Determination {
        let rules = PolicyRuleEvaluator(policy: policy, facts: facts, context: context)
        // The rules over the facts each authorization's clinical record completes, by number.
        var authorizedRules: [String: PolicyRuleEvaluator] = [:]
        var missing = coding.missing
        var anyPended = false
        // Claim stage: criteria taken as attested (once each), and the records an audit would ask for.
        var attested: [Reason] = []
        var auditMissing = Set<DocumentationElement>()
        var lines: [LineDetermination] = []
        // The coding findings by line, in the order found: one pass, not one over all findings per line.
        var findingsByLine = [[LineFinding]](repeating: [], count: coding.findings.isEmpty ? 0 : facts.lines.count)
        for finding in coding.findings { findingsByLine[finding.line].append(finding) }

        for index in facts.lines.indices {
            let code = facts.lines[index].code
            var line = LineReasons()
            for finding in findingsByLine.isEmpty ? [] : findingsByLine[index] {
                if finding.effect == .deny { line.deny(finding.reason) } else { line.pend(finding.reason) }
            }
            let candidates = rules.plan.rules(for: code)
            var ruleGoverns = false, skipped = false
            var attestedRules: [String] = []
            // The line's authorization, resolved when a rule first needs one (`atClaim: authorization`).
            var resolution: ClaimAuthorizations.Resolution?
            var authorizationUsed: String?
            for position in candidates.positions {
                let rule = policy.rules[position]
                guard rules.governs(rule) else { skipped = true; continue }
                ruleGoverns = true
                switch rules.evaluate(rule, at: position, onLine: index) {
                case .pass:
                    break
                case .fail(let message):
                    failed(rule, message, into: &line)
                case .unknown(let message, let documents, let attestable):
                    // A submitted claim carries no clinical record: what the policy lets the
                    // submission attest does not stop payment, but is listed for a later audit.
                    func attest(_ message: String) {
                        attestedRules.append(rule.id)
                        auditMissing.formUnion(documents)
                        if !attested.contains(where: { $0.rule == rule.id }) {
                            attested.append(reason(rule, carc: nil, rarc: [], message: message))
                        }
                    }
                    if let open = attestable, facts.stage == .claim, rule.atClaim == .attested {
                        attest("Attested by the claim, not documented: " + open)
                        continue
                    }
                    // Met by an approved prior authorization on file: its clinical facts decide, and
                    // the line must be within what it authorized.
                    if attestable != nil, facts.stage == .claim, rule.atClaim == .authorization, let authorizations {
                        let first = resolution == nil
                        if first { resolution = authorizations.resolve(line: index, payer: payer, facts: facts) }
                        switch resolution! {
                        case .denied(let carc, let rarc, let message):
                            if first { line.deny(reason(rule, carc: carc, rarc: rarc, message: message)) }
                        case .claimed(let number):
                            authorizationUsed = number
                            attest("Attested by the claim's prior authorization \(number): no authorizations of \(payer) are on file "
                                   + "to check it, its units and the clinical facts it was granted on against; not documented: " + (attestable ?? message))
                        case .authorized(let authorization, let item, let found):
                            authorizationUsed = authorization.number
                            if first { line.note(reason(rule, carc: nil, rarc: [], message: authorizations.note(authorization, item, found: found))) }
                            let standIn = authorizedRules[authorization.number]
                                ?? PolicyRuleEvaluator(policy: policy, facts: authorizations.facts(standingIn: authorization), context: context)
                            authorizedRules[authorization.number] = standIn
                            let by = "Per prior authorization \(authorization.number): "
                            switch standIn.evaluate(rule, at: position, onLine: index) {
                            case .pass:
                                break
                            case .fail(let message):
                                failed(rule, by + message, into: &line)
                            case .unknown(let message, let documents, _):
                                unsettled(rule, by + message, documents, into: &line, missing: &missing)
                            }
                        }
                        continue
                    }
                    unsettled(rule, message, documents, into: &line, missing: &missing)
                }
            }
            let reasons = line.settled()
            let governed = ruleGoverns || !reasons.isEmpty  // a coding finding governs a line too
            let outcome: Outcome = !governed ? .notApplicable : line.denied ? .denied : line.pended ? .pended : .approved
            if outcome == .pended { anyPended = true }
            // The ids of the rules that governed, in policy order: the plan's shared list unless one was skipped.
            let evaluated = !skipped ? candidates.ids
                : candidates.positions.indices.filter { rules.governs(policy.rules[candidates.positions[$0]]) }.map { candidates.ids[$0] }
            lines.append(LineDetermination(index: index + 1, code: code, outcome: outcome, reasons: reasons,
                                           evaluated: evaluated.isEmpty ? nil : evaluated,
                                           attested: attestedRules.isEmpty ? nil : attestedRules,
                                           authorization: authorizationUsed))
        }

        var claimReasons = coding.claimReasons
        if let (routing, exception) = routedBy {
            claimReasons.insert(Reason(rule: exception.id, carc: nil,
                                       message: "\(routing.id) sends \(facts.coverage.effectiveLineOfBusiness.rawValue) members to \(policy.id).",
                                       citation: exception.citation), at: 0)
        }
        var advice = documentation(policy: policy, missing: missing, documented: facts.documentation, pended: anyPended)
        if !attested.isEmpty {
            advice.attested = attested
            advice.auditRequests = documentation(policy: policy, missing: auditMissing, documented: nil, pended: true).requests
        }
        var determination = Determination(encounterId: facts.id, payer: payer, policy: policy.reference,
                                          outcome: claimOutcome(lines.lazy.map(\.outcome)), lines: lines, reasons: claimReasons,
                                          coding: codingAdvice, documentation: advice)
        determination.stage = facts.stage == .preSubmission ? nil : facts.stage
        return determination
    }

    /// A rule's check is false: the line is denied or sent to medical review, as the rule says.
    private func failed(_ rule: Rule, _ message: String, into line: inout LineReasons) {
        switch rule.onFail {
        case .deny(let carc, let rarc):
            line.deny(reason(rule, carc: carc, rarc: rarc, message: message))
        case .pend:
            line.pend(reason(rule, carc: "252", rarc: RemarkCode.missingMedicalRecord, message: message + " Sent to medical review."))
        }
    }

    /// A rule the record cannot settle: the line pends for the documents that would.
    private func unsettled(_ rule: Rule, _ message: String, _ documents: Set<DocumentationElement>, into line: inout LineReasons,
                           missing: inout Set<DocumentationElement>) {
        missing.formUnion(documents)
        line.pend(reason(rule, carc: "252", rarc: RemarkCode.missingMedicalRecord, message: message))
    }

    private func reason(_ rule: Rule, carc: String?, rarc: [String], message: String) -> Reason {
        let text = rule.summary.map { "\(message) Policy: \($0)" } ?? message
        return Reason(rule: rule.id, carc: carc, rarc: rarc, message: text, citation: rule.citation, interpretation: rule.interpretation)
    }

    /// docs/determinations.md § Outcomes: pended if any line is; approved if every governed line is; denied if every governed line is; else partial.
    func claimOutcome(_ outcomes: some Sequence<Outcome>) -> Outcome {
        var governed = false, pended = false, allApproved = true, allDenied = true
        for outcome in outcomes where outcome != .notApplicable {
            governed = true
            if outcome == .pended { pended = true }
            if outcome != .approved { allApproved = false }
            if outcome != .denied { allDenied = false }
        }
        if !governed { return .notApplicable }
        if pended { return .pended }
        return allApproved ? .approved : allDenied ? .denied : .partial
    }

    /// What the record lacks, always; and for a pended claim the payer's own requests plus a request
    /// for each missing record they do not already name.
    private func documentation(policy: Policy, missing: Set<DocumentationElement>, documented: [DocumentationElement]?,
                               pended: Bool) -> DocumentationAdvice {
        let absent = missing.isEmpty ? [] : missing.subtracting(documented ?? [])
            .sorted { $0.rawValue < $1.rawValue }
        guard pended else { return DocumentationAdvice(requests: [], missing: absent.map(\.rawValue)) }
        var requests = policy.documentationRequests
        for element in absent {
            let document = context.tables.document(for: element)
            if let loinc = document?.loinc, requests.contains(where: { $0.loinc == loinc }) { continue }
            let name = document?.name ?? element.rawValue.replacingUnderscores.prefix(1).uppercased() + element.rawValue.replacingUnderscores.dropFirst()
            requests.append(DocumentRequest(name: name, loinc: document?.loinc,
                                            timeFrame: document == nil ? nil : context.tables.timeFrameSixMonths.loinc))
        }
        return DocumentationAdvice(requests: requests, missing: absent.map(\.rawValue))
    }
}

/// One line's reasons as the coding edits and rules add them: denials, pends, and notes.
private struct LineReasons {
    private(set) var reasons: [Reason] = []
    private(set) var denied = false
    private(set) var pended = false
    /// Where the reasons that only pend are, so that a denied line can list them as information.
    private var pending: [Int] = []

    mutating func deny(_ reason: Reason) { denied = true; reasons.append(reason) }
    mutating func pend(_ reason: Reason) { pended = true; pending.append(reasons.count); reasons.append(reason) }
    /// Information on the line that decides nothing (which authorization was used).
    mutating func note(_ reason: Reason) { reasons.append(reason) }

    /// The reasons as they go out. A denied line is not pended too: its remittance carries the
    /// denials only, and what would otherwise pend stays as information (no CARC).
    func settled() -> [Reason] {
        guard denied else { return reasons }
        var result = reasons
        for position in pending {
            result[position].carc = nil
            result[position].rarc = []
            result[position].message = "Not decided, the line is denied: " + result[position].message
        }
        return result
    }
}
