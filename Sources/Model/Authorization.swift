/// When in a service's life a policy is applied (DESIGN.md § Adjudication stages).
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

/// A prior authorization the payer has on file: what was approved, for whom, for when, and the
/// clinical facts the approval was decided on (so a claim carrying its number is adjudicated with them).
public struct Authorization: Codable, Equatable, Sendable {
    /// The authorization number (ClaimResponse `preAuthRef`; 837 2300 `REF*G1`).
    public var number: String
    /// The member the services are authorized for.
    public var member: String
    public var payer: String
    public var status: AuthorizationStatus
    /// The services approved: codes, units and date ranges.
    public var items: [AuthorizedService]
    /// The clinical facts the approval rests on (from the request's QuestionnaireResponse).
    public var clinical: Clinical?
    /// The policy that decided the request.
    public var policy: String?
    /// The date the authorization was issued.
    public var issued: LocalDate?

    public init(number: String, member: String, payer: String, status: AuthorizationStatus = .approved,
                items: [AuthorizedService], clinical: Clinical? = nil, policy: String? = nil, issued: LocalDate? = nil) {
        self.number = number; self.member = member; self.payer = payer; self.status = status; self.items = items
        self.clinical = clinical; self.policy = policy; self.issued = issued
    }

    /// The approved item for `code` whose period contains `date`, if any.
    public func item(for code: String, on date: LocalDate) -> AuthorizedService? {
        items.first { $0.code == code && $0.from <= date && date <= $0.to }
    }
}

/// Whether a request was approved whole or in part (a partial approval authorizes its approved items only).
public enum AuthorizationStatus: String, Codable, CaseIterable, Sendable {
    case approved, partial
}

/// One authorized service: a code, how many units over the period, and the period (both ends inclusive).
public struct AuthorizedService: Codable, Equatable, Sendable {
    public var code: String
    public var units: Int
    public var from: LocalDate
    public var to: LocalDate

    public init(code: String, units: Int, from: LocalDate, to: LocalDate) {
        self.code = code; self.units = units; self.from = from; self.to = to
    }
}
