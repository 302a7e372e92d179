import Model
import Policies

/// At claim time, the member's prior authorizations on file and what a line under a rule declared
/// `atClaim: authorization` is decided with (docs/determinations.md § Stages).
///
/// Readings (issue 19): a claim that carries a number (`priorAuthorization`, 2300 `REF*G1`) is held
/// to that authorization — not on file for the member and payer, not for the line's code, or the
/// date of service outside its dates: CARC 15 (the number does not apply to the billed service).
/// A claim without a number uses an approved authorization on file for the member and payer that
/// covers the code on the date of service (the latest issued); none: CARC 197. Units: those
/// authorized for the code, less the units of the member's other services of that code within the
/// authorization's dates (history, and earlier lines of this claim); a line over what remains: CARC 198.
///
/// When no authorizations are on file to check against (no history, or one that holds none of the
/// payer's: `authorizations` nil), a number on the claim is the provider's statement that the payer
/// authorized the service, as on a paper claim: the rule is attested on that number and the
/// authorization is among the records an audit asks for. Denying it 15 would deny every such claim
/// for want of data the payer has elsewhere. A claim that names no number still gets 197.
final class ClaimAuthorizations {
    /// What a line is decided with.
    enum Resolution {
        /// The authorization and the service it authorizes; `found` when the claim named no number.
        case authorized(Authorization, AuthorizedService, found: Bool)
        /// The claim's number, with no authorizations on file to check it against.
        case claimed(number: String)
        case denied(carc: String, rarc: [String], message: String)
    }

    private let encounter: Encounter
    private let priorServices: [PriorService]?
    /// The member's authorizations on file; nil when none of the payer's are kept where they came from.
    private let authorizations: [Authorization]?
    private let context: EvaluationContext
    /// The facts with each authorization's clinical record standing in, by number, built when first asked.
    private var standIns: [String: EncounterFacts] = [:]
    /// By line: the units of earlier lines of the same code, worked out when first asked.
    private var unitsOfEarlierLines: [Int]?

    init(encounter: Encounter, priorServices: [PriorService]?, authorizations: [Authorization]?, context: EvaluationContext) {
        self.encounter = encounter; self.priorServices = priorServices; self.authorizations = authorizations
        self.context = context
    }

    /// The authorization the line at `index` is held to, for `payer`.
    func resolve(line index: Int, payer: String, facts: EncounterFacts) -> Resolution {
        let code = facts.lines[index].code
        let date = facts.dateOfService
        let member = encounter.member.id
        if authorizations == nil, let number = encounter.priorAuthorization { return .claimed(number: number) }
        let mine = (authorizations ?? []).filter { $0.memberId == member && $0.payer == payer }
        if let number = encounter.priorAuthorization {
            guard let authorization = mine.first(where: { $0.number == number }) else {
                return .denied(carc: "15", rarc: ["M62"],
                               message: "Prior authorization \(number) is not on file for member \(member) with \(payer).")
            }
            guard let item = authorization.item(code: code, on: date) else {
                let forCode = authorization.items.filter { $0.code == code }
                let message = forCode.isEmpty
                    ? "Prior authorization \(number) does not authorize \(code) (it authorizes \(authorization.items.map(\.code).joined(separator: ", ")))."
                    : "Prior authorization \(number) authorizes \(code) for " + forCode.map { "\($0.from) – \($0.to)" }.joined(separator: ", ")
                        + "; the date of service \(date) is outside."
                return .denied(carc: "15", rarc: ["M62"], message: message)
            }
            return units(authorization, item, line: index, facts: facts, found: false)
        }
        let covering = mine.filter { $0.item(code: code, on: date) != nil }
        guard let authorization = covering.max(by: { $0.issued < $1.issued }),
              let item = authorization.item(code: code, on: date) else {
            return .denied(carc: "197", rarc: ["M62"],
                           message: "No approved prior authorization on file for member \(member) with \(payer) covers \(code) on \(date).")
        }
        return units(authorization, item, line: index, facts: facts, found: true)
    }

    private func units(_ authorization: Authorization, _ item: AuthorizedService, line index: Int, facts: EncounterFacts,
                       found: Bool) -> Resolution {
        var used = 0
        for record in facts.prior {
            let service = facts.service(record)
            if service.code == item.code, item.covers(service.dateOfService) { used += service.units ?? 1 }
        }
        used += earlierUnits(facts)[index]  // the item is for the line's code
        let billed = facts.lines[index].effectiveUnits
        let remaining = max(item.units - used, 0)
        guard billed <= remaining else {
            return .denied(carc: "198", rarc: ["N54"],
                           message: "Prior authorization \(authorization.number) authorizes \(item.units) unit(s) of \(item.code) for "
                               + "\(item.from) – \(item.to); \(used) used, \(remaining) remain, \(billed) billed.")
        }
        return .authorized(authorization, item, found: found)
    }

    /// By line, the units of the lines before it with its code, in one pass over the claim.
    private func earlierUnits(_ facts: EncounterFacts) -> [Int] {
        if let known = unitsOfEarlierLines { return known }
        var totals: [String: Int] = [:]
        let units = facts.lines.map { line in
            defer { totals[line.code, default: 0] += line.effectiveUnits }
            return totals[line.code] ?? 0
        }
        unitsOfEarlierLines = units
        return units
    }

    /// What the line reasons say about the authorization used.
    func note(_ authorization: Authorization, _ item: AuthorizedService, found: Bool) -> String {
        (found ? "The claim names no authorization number; used prior authorization \(authorization.number) on file"
               : "Prior authorization \(authorization.number)")
            + " (\(authorization.status.rawValue), issued \(authorization.issued): \(item.units) unit(s) of \(item.code) for \(item.from) – \(item.to))."
    }

    /// The encounter's facts with the authorization's clinical record standing in for what the claim leaves out.
    func facts(standingIn authorization: Authorization) -> EncounterFacts {
        if let known = standIns[authorization.number] { return known }
        var completed = encounter
        completed.clinical = Self.complete(encounter.clinical, with: authorization.clinical)
        let facts = EncounterFacts(encounter: completed, priorServices: priorServices, context: context)
        standIns[authorization.number] = facts
        return facts
    }

    /// `claim`'s facts, each one it leaves unknown taken from `authorized`.
    static func complete(_ claim: Clinical?, with authorized: Clinical?) -> Clinical? {
        guard let authorized else { return claim }
        guard var clinical = claim else { return authorized }
        clinical.painOnset = clinical.painOnset ?? authorized.painOnset
        if var findings = clinical.findings, let other = authorized.findings {
            for finding in Finding.allCases where findings[finding] == nil { findings[finding] = other[finding] }
            clinical.findings = findings
        } else {
            clinical.findings = clinical.findings ?? authorized.findings
        }
        clinical.conservativeTherapy = clinical.conservativeTherapy ?? authorized.conservativeTherapy
        clinical.pharmacotherapy = clinical.pharmacotherapy ?? authorized.pharmacotherapy
        clinical.treatmentPlan = clinical.treatmentPlan ?? authorized.treatmentPlan
        clinical.priorInjectionResponse = clinical.priorInjectionResponse ?? authorized.priorInjectionResponse
        clinical.documentation = clinical.documentation ?? authorized.documentation
        return clinical
    }
}
