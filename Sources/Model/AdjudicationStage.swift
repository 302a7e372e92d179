/// When in a service's life a policy is applied (docs/determinations.md § Stages).
///
/// - `preService`: at order time or in a prior-authorization request (CRD, PAS): unknown criteria
///   pend with what to document, and nothing is asked of an authorization that is being requested.
/// - `preSubmission`: a coder's check before the claim goes out (the default for an encounter):
///   unknown criteria pend with the documents to add.
/// - `claim`: a submitted claim, as a payer adjudicates it: what a claim cannot carry is handled
///   as each rule declares (`atClaim`: attested, authorization, review).
public enum AdjudicationStage: String, Codable, CaseIterable, Sendable {
    case preService = "pre_service"
    case preSubmission = "pre_submission"
    case claim
}
