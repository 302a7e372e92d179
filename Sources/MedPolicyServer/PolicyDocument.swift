import Model
import Policies

/// A policy as `GET /v1/policies/{id}` shows it: what it governs, when, and each rule with its
/// action and citation (the YAML file stays the source; this is its summary for clients).
struct PolicyDocument: Encodable {
    struct RuleSummary: Encodable {
        let id: String
        let kind: String
        let action: String
        let carc: String?
        let rarc: [String]
        let appliesTo: [String]
        let citation: Citation
        let interpretation: String?
        let summary: String?
        let location: String
    }

    struct ExceptionSummary: Encodable {
        let id: String
        let linesOfBusiness: [String]
        let action: String
        let detail: String
        let citation: Citation
    }

    let id: String
    let payer: String
    let title: String
    let version: String?
    let source: String
    let effectiveFrom: String
    let effectiveTo: String?
    let linesOfBusiness: [String]?
    let governs: [String]
    let documentationRequests: [DocumentRequest]
    let exceptions: [ExceptionSummary]?
    let rules: [RuleSummary]?
    let ruleCount: Int

    /// The summary with rules and exceptions (`detailed`), or the one-line listing without them.
    init(_ policy: Policy, detailed: Bool) {
        id = policy.id
        payer = policy.payer
        title = policy.title
        version = policy.version
        source = policy.source
        effectiveFrom = policy.effectiveFrom.description
        effectiveTo = policy.effectiveTo?.description
        linesOfBusiness = policy.linesOfBusiness.map { $0.map(\.rawValue).sorted() }
        governs = policy.governs
        documentationRequests = policy.documentationRequests
        ruleCount = policy.rules.count
        guard detailed else {
            exceptions = nil
            rules = nil
            return
        }
        exceptions = policy.exceptions.map { exception in
            let (action, detail): (String, String)
            switch exception.action {
            case .defer(let message): (action, detail) = ("defer", message)
            case .route(let target): (action, detail) = ("route", target)
            }
            return ExceptionSummary(id: exception.id, linesOfBusiness: exception.linesOfBusiness.map(\.rawValue).sorted(),
                                    action: action, detail: detail, citation: exception.citation)
        }
        rules = policy.rules.map { rule in
            let kind: String
            switch rule.check {
            case .diagnoses: kind = "diagnoses"
            case .criteria: kind = "criteria"
            case .limit: kind = "frequency_limit"
            case .interval: kind = "minimum_interval"
            case .exclusion: kind = "exclusion"
            }
            let (action, carc, rarc): (String, String?, [String])
            switch rule.onFail {
            case .deny(let code, let remarks): (action, carc, rarc) = ("deny", code, remarks)
            case .pend: (action, carc, rarc) = ("pend", nil, [])
            }
            return RuleSummary(id: rule.id, kind: kind, action: action, carc: carc, rarc: rarc, appliesTo: rule.appliesTo,
                               citation: rule.citation, interpretation: rule.interpretation, summary: rule.summary,
                               location: rule.location.description)
        }
    }
}
