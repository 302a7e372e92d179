import CodeSets
import Foundation
import Interchange
import Model
import Policies

/// A deliberate error the synthetic generator can write into a claim, each with an outcome the
/// adjudication is expected to give (``SyntheticExpectation``).
public enum SyntheticErrorKind: String, CaseIterable, Sendable {
    /// An X12 syntax error (a bad element, a missing segment): the reader reports the claim and skips it.
    case x12Syntax = "x12-syntax"
    /// A category header (not billable on the date) next to a covered diagnosis: CARC 16, M76.
    case headerDiagnosis = "header-dx"
    /// Only billable diagnoses the payer's policy does not list: its diagnosis rule decides.
    case uncoveredDiagnosis = "uncovered-dx"
    /// Two units of 20552/20553 on the date (MUE 1): CARC 151, N362.
    case units
    /// Modifier 50 on 20552/20553: CARC 4.
    case modifier50 = "modifier-50"
    /// Dry needling (20560/20561) billed to a payer whose policy excludes it: the exclusion's CARC.
    case dryNeedling = "dry-needling"
    /// 20552 and 20553 billed the same day: 20552 bundled into 20553 (CARC 97), 20553 paid.
    case wrongCode = "wrong-code"
    /// The E/M visit billed with the TPI without modifier 25: the visit is bundled (CARC 97).
    case missing25 = "missing-25"
    /// The member's history reaches a frequency limit and this claim goes past it: the limit rule decides.
    case limit
    /// Sooner after the previous TPI than the policy's minimum interval: the interval rule decides.
    case interval
    /// The same service on the same date sent again under a new claim id: CARC 18.
    case duplicate
    /// A line of business the payer's policy defers (Florida Blue FEP): not applicable.
    case noPolicy = "no-policy"
    /// A Harvard Pilgrim member with no prior authorization on file, whose claim carries no REF*G1: CARC 197.
    case noAuthorization = "no-auth"
    /// A Harvard Pilgrim member whose authorization covers one unit fewer than its claims use: the last one CARC 198.
    case authorizationUnits = "auth-units"

    /// Every kind: each has a known expected outcome.
    public static let adjudicated: [SyntheticErrorKind] = allCases

    /// Kinds that shape a member's whole history (or coverage), not one claim.
    var isMemberLevel: Bool {
        switch self {
        case .limit, .interval, .duplicate, .noPolicy, .authorizationUnits, .noAuthorization: return true
        default: return false
        }
    }

    /// Parses a comma-separated list (`header-dx,units`), repeats dropped; a failure names the first unknown kind.
    public static func parseList(_ text: String) -> Result<[SyntheticErrorKind], UnknownKind> {
        var kinds: [SyntheticErrorKind] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let kind = SyntheticErrorKind(rawValue: part) else { return .failure(UnknownKind(name: part)) }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return .success(kinds)
    }

    /// A kind name that is not one of ``SyntheticErrorKind``.
    public struct UnknownKind: Error, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String {
            "unknown error kind \"\(name)\"; kinds: \(SyntheticErrorKind.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}

/// What batch adjudication should make of one generated claim: the generator's sidecar entry.
public struct SyntheticExpectation: Equatable, Sendable {
    /// The expected result.
    public enum Result: Equatable, Sendable {
        /// A determination with this claim outcome.
        case outcome(Outcome)
        /// The reader reports the claim and skips it.
        case claimError
        /// Not yet known (a reserved kind).
        case unknown

        /// As the sidecar writes it: the outcome's name, `claim_error`, or `nil`.
        public var name: String? {
            switch self {
            case .outcome(let outcome): return outcome.rawValue
            case .claimError: return "claim_error"
            case .unknown: return nil
            }
        }
    }

    public var claimId: String
    public var payer: String
    /// The injected error; `nil` for a clean claim.
    public var kind: SyntheticErrorKind?
    public var result: Result
    /// The one CARC the claim's denied or pended lines (and claim reasons) carry; `nil` for none.
    public var carc: String?
    /// The rule expected to decide, for reading the sidecar.
    public var rule: String?

    public init(claimId: String, payer: String, kind: SyntheticErrorKind?, result: Result, carc: String?, rule: String?) {
        self.claimId = claimId; self.payer = payer; self.kind = kind; self.result = result; self.carc = carc; self.rule = rule
    }

    /// The sidecar file: `{"generator": {...}, "claims": {"<id>": {"kind", "payer", "outcome", "carc", "rule"}, ...}}`,
    /// claims in file order.
    public static func sidecarJSON(_ expectations: [SyntheticExpectation], configuration: Synthetic837Configuration) -> String {
        func quoted(_ text: String?) -> String {
            guard let text else { return "null" }
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        var text = "{\"generator\": {\"claims\": \(configuration.claimCount), \"seed\": \(configuration.seed), "
            + "\"errorRate\": \(configuration.errorRate), \"errors\": ["
            + configuration.errorKinds.map { quoted($0.rawValue) }.joined(separator: ", ") + "]},\n\"claims\": {"
        for (index, expectation) in expectations.enumerated() {
            text += index == 0 ? "\n" : ",\n"
            text += "\(quoted(expectation.claimId)): {\"kind\": \(quoted(expectation.kind?.rawValue)), \"payer\": \(quoted(expectation.payer)), "
                + "\"outcome\": \(quoted(expectation.result.name)), \"carc\": \(quoted(expectation.carc)), \"rule\": \(quoted(expectation.rule))}"
        }
        return text + "\n}}\n"
    }
}

/// What the generator reads from the policies and ICD-10-CM to write claims that are clean unless
/// an error is injected on purpose: which policy decides a payer's claims and when it is in
/// effect, the diagnoses it covers on each date (the engine's own reading of the list:
/// ``DiagnosisEntry/billableCodes(_:on:icd:)``), its frequency limits and intervals, what it excludes, and
/// what each rule answers when it fails.
public final class SyntheticClaimRules: Sendable {
    public let library: PolicyLibrary
    public let icd: ICD10CM

    /// Dates of service the generator writes: calendar year 2025 (two ICD-10-CM fiscal years).
    public static let servicePeriod = LocalDate(year: 2025, month: 1, day: 2)!...LocalDate(year: 2025, month: 12, day: 31)!

    /// Diagnosis choices by policy id, then by fiscal year.
    private let diagnoses: [String: [Int: DiagnosisChoices]]

    struct DiagnosisChoices: Sendable {
        /// Billable codes the policy's diagnosis rule covers (every billable pain code when it has none), undotted.
        var covered: [String]
        /// Billable pain codes (M54, M79) the rule does not cover; empty when the policy has no diagnosis rule.
        var uncovered: [String]
        /// Headers over covered codes: never billable on the date.
        var headers: [String]
    }

    public init(library: PolicyLibrary, icd: ICD10CM) {
        self.library = library
        self.icd = icd
        let period = Self.servicePeriod
        var dates: [LocalDate] = [period.lowerBound]
        for year in period.lowerBound.year...period.upperBound.year {
            if let october = LocalDate(year: year, month: 10, day: 1), period.contains(october) { dates.append(october) }
        }
        var diagnoses: [String: [Int: DiagnosisChoices]] = [:]
        for policy in library.policies {
            for date in dates {
                let pain = (icd.billableDescendants(of: "M54", on: date) + icd.billableDescendants(of: "M79", on: date))
                let listed = policy.rules.compactMap { rule -> [DiagnosisEntry]? in
                    if case .diagnoses(let entries) = rule.check { return entries } else { return nil }
                }
                let covered = listed.isEmpty ? pain : Array(Set(listed.flatMap { DiagnosisEntry.billableCodes($0, on: date, icd: icd) })).sorted()
                let coveredSet = Set(covered)
                let uncovered = listed.isEmpty ? [] : pain.filter { !coveredSet.contains($0) }
                var headers = Set<String>()
                for code in covered {
                    var parent = String(code.dropLast())
                    if parent.hasSuffix(".") { parent.removeLast() }
                    if parent.count >= 3, icd.status(of: parent, on: date) == .header { headers.insert(parent) }
                }
                diagnoses[policy.id, default: [:]][date.fiscalYear] = DiagnosisChoices(
                    covered: covered.map(Self.undotted), uncovered: uncovered.map(Self.undotted), headers: headers.sorted().map(Self.undotted))
            }
        }
        self.diagnoses = diagnoses
    }

    static func undotted(_ code: String) -> String { code.replacingOccurrences(of: ".", with: "") }

    func choices(_ policy: Policy, on date: LocalDate) -> DiagnosisChoices? { diagnoses[policy.id]?[date.fiscalYear] }

    /// The policy deciding `payer`'s claims of this line of business, and the dates of the service
    /// period it is in effect for; `nil` when none decides on any date of the period.
    func coverage(payer: String, lineOfBusiness: LineOfBusiness) -> (policy: Policy, dates: ClosedRange<LocalDate>)? {
        let period = Self.servicePeriod
        var starts = [period.lowerBound]
        for policy in library.policies where policy.payer == payer && period.contains(policy.effectiveFrom) {
            starts.append(policy.effectiveFrom)
        }
        for start in starts.sorted() {
            guard case .policy(let policy, let routedBy) = library.select(payer: payer, lineOfBusiness: lineOfBusiness, on: start) else {
                continue
            }
            let ends = [period.upperBound, policy.effectiveTo, routedBy?.0.effectiveTo].compactMap { $0 }
            return (policy, start...ends.min()!)
        }
        return nil
    }

    /// An SBR09 code whose line of business `payer`'s policy defers (Florida Blue FEP: `FI`), with the exception.
    func deferredFiling(payer: String) -> (code: String, exception: String)? {
        for code in ClaimFilingIndicator.allowed.sorted() {
            guard let line = ClaimFilingIndicator.lineOfBusiness(code) else { continue }
            if case .deferred(_, let exception) = library.select(payer: payer, lineOfBusiness: line, on: Self.servicePeriod.lowerBound) {
                return (code, exception.id)
            }
        }
        return nil
    }

    /// The limit rules of a policy over 20552/20553.
    /// The rule a missing or exceeded prior authorization is reported under: the policy's first
    /// criteria rule met by authorization at claim time (the engine resolves the authorization there).
    func firstAuthorizationRule(_ policy: Policy) -> String? {
        policy.rules.first { $0.atClaim == .authorization }?.id
    }

    func limits(_ policy: Policy) -> [(rule: Rule, limit: FrequencyLimit)] {
        policy.rules.compactMap { rule in
            if case .limit(let limit) = rule.check, limit.codes.contains("20552") { return (rule, limit) } else { return nil }
        }
    }

    /// The minimum-interval rules of a policy over 20552/20553.
    func intervals(_ policy: Policy) -> [(rule: Rule, interval: MinimumInterval)] {
        policy.rules.compactMap { rule in
            if case .interval(let interval) = rule.check, interval.codes.contains("20552") { return (rule, interval) } else { return nil }
        }
    }

    /// The rule excluding dry needling (20560) on its own, when the policy has one.
    func needlingExclusion(_ policy: Policy) -> Rule? {
        policy.rules.first { rule in
            if case .exclusion(let exclusion) = rule.check { return exclusion.codes.contains("20560") && exclusion.withCodes == nil }
            return false
        }
    }

    /// The diagnosis rule of a policy.
    func diagnosisRule(_ policy: Policy) -> Rule? {
        policy.rules.first { if case .diagnoses = $0.check { return true } else { return false } }
    }

    /// What a line failing `rule` comes to: denied with the rule's CARC, or pended for review (252).
    static func failure(of rule: Rule) -> (outcome: Outcome, carc: String) {
        switch rule.onFail {
        case .deny(let carc, _): return (.denied, carc)
        case .pend: return (.pended, "252")
        }
    }

    /// Whether a TPI on `date` after the TPIs on `dates` (earlier, ascending) stays within every
    /// limit and interval of the policy but the ones in `ignoring`. Without sites on an 837, limits
    /// per anatomic location count every TPI of the member, as the engine does.
    func fits(_ date: LocalDate, after dates: [LocalDate], policy: Policy, ignoring: Set<String> = []) -> Bool {
        for (rule, limit) in limits(policy) where !ignoring.contains(rule.id) {
            let count = dates.filter { limit.window.contains($0, endingOn: date) }.count + 1
            if count > limit.max { return false }
        }
        for (rule, interval) in intervals(policy) where !ignoring.contains(rule.id) {
            if let last = dates.last, last.days(until: date) < interval.minDays { return false }
        }
        return true
    }
}

/// The prior authorizations a generated file's Harvard Pilgrim claims rest on, as a JSON array of
/// Contract 1 authorization records (the format `medpolicy authorizations import` reads).
public enum SyntheticAuthorizations {
    public static func json(_ authorizations: [Authorization]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return "[\n" + (try authorizations.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: ",\n")) + "\n]\n"
    }
}
