/// The answer for one encounter under one payer: the determination contract (docs/determinations.md, version 1).
public struct Determination: Codable, Equatable, Sendable {
    // `outcome` is declared first so that the synthesized memberwise initializer, which builds the
    // value in one step, has labels of its own; the public initializer below calls it.
    public var outcome: Outcome
    public var encounterId: String
    public var payer: String
    public var policy: PolicyReference?
    public var lines: [LineDetermination]
    public var reasons: [Reason]
    public var coding: CodingAdvice
    public var documentation: DocumentationAdvice
    /// Extension: the stage decided at, when not `pre_submission` (absent for a coder's check).
    public var stage: AdjudicationStage? = nil

    enum CodingKeys: String, CodingKey {
        case encounterId, payer, policy, outcome, lines, reasons, coding, documentation, stage
    }

    // `policy` is written as `null` when no policy applied, as the contract shows every key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(encounterId, forKey: .encounterId)
        try container.encode(payer, forKey: .payer)
        try container.encode(policy, forKey: .policy)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(lines, forKey: .lines)
        try container.encode(reasons, forKey: .reasons)
        try container.encode(coding, forKey: .coding)
        try container.encode(documentation, forKey: .documentation)
        try container.encodeIfPresent(stage, forKey: .stage)
    }
}

extension Determination {
    // In an extension, so the memberwise initializer stays. An initializer that assigns each field
    // builds the value in memory and, this large, the optimizer left a copy of it: every string
    // and list retained and released once more for each determination. (``Reason`` and
    // ``PriorService`` are built the same way for the same reason.)
    public init(encounterId: String, payer: String, policy: PolicyReference?, outcome: Outcome,
                lines: [LineDetermination], reasons: [Reason], coding: CodingAdvice, documentation: DocumentationAdvice) {
        self.init(outcome: outcome, encounterId: encounterId, payer: payer, policy: policy, lines: lines, reasons: reasons,
                  coding: coding, documentation: documentation)
    }
}

/// Which policy version decided.
public struct PolicyReference: Codable, Equatable, Sendable {
    public var id: String
    public var title: String
    public var effectiveFrom: LocalDate
    public var effectiveTo: LocalDate?

    public init(id: String, title: String, effectiveFrom: LocalDate, effectiveTo: LocalDate?) {
        self.id = id; self.title = title; self.effectiveFrom = effectiveFrom; self.effectiveTo = effectiveTo
    }

    enum CodingKeys: String, CodingKey { case id, title, effectiveFrom, effectiveTo }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(effectiveFrom, forKey: .effectiveFrom)
        try container.encode(effectiveTo, forKey: .effectiveTo)  // explicit null: open-ended
    }
}

/// Outcome of a line or a claim (docs/determinations.md § Outcomes).
public enum Outcome: String, Codable, CaseIterable, Sendable {
    case approved, denied, partial, pended
    case notApplicable = "not_applicable"
}

/// The decision on one service line.
public struct LineDetermination: Codable, Equatable, Sendable {
    /// 1-based line number, as on the claim.
    public var index: Int
    public var code: String
    public var outcome: Outcome
    public var reasons: [Reason]
    /// Extension: ids of the rules that governed this line and were evaluated (passing or not).
    public var evaluated: [String]?
    /// Extension (claim stage): ids of the rules whose criteria the claim could not carry and the
    /// submission attests (the policy's `atClaim: attested`); a post-payment audit may ask for the records.
    public var attested: [String]?
    /// Extension (claim stage): the prior authorization number whose clinical facts and authorized
    /// services the line was decided on (a rule's `atClaim: authorization`).
    public var authorization: String?

    public init(index: Int, code: String, outcome: Outcome, reasons: [Reason], evaluated: [String]? = nil,
                attested: [String]? = nil, authorization: String? = nil) {
        self.index = index; self.code = code; self.outcome = outcome; self.reasons = reasons; self.evaluated = evaluated
        self.attested = attested; self.authorization = authorization
    }
}

/// Why a line or claim was denied or pended, in the payer's standard codes.
public struct Reason: Codable, Equatable, Sendable {
    // `message` is declared first so that the memberwise initializer has labels of its own: see
    // the initializer below.
    public var message: String
    public var rule: String
    public var carc: String?
    public var rarc: [String]
    public var citation: Citation?
    /// Extension: the policy's own interpretation where its source is ambiguous.
    public var interpretation: String?

    enum CodingKeys: String, CodingKey { case rule, carc, rarc, message, citation, interpretation }
}

extension Reason {
    // Calls the memberwise initializer, which builds the value in one step; assigning the fields
    // one by one left a copy of the value (every string retained and released once more).
    public init(rule: String, carc: String?, rarc: [String] = [], message: String, citation: Citation?,
                interpretation: String? = nil) {
        self.init(message: message, rule: rule, carc: carc, rarc: rarc, citation: citation, interpretation: interpretation)
    }
}

/// A place in a source document: seed file name and section.
public struct Citation: Codable, Equatable, Hashable, Sendable {
    public var source: String
    public var section: String

    public init(source: String, section: String) { self.source = source; self.section = section }

    public var description: String { "\(source) § \(section)" }
}

/// The coding the claim should carry, and what is wrong with what it carries.
public struct CodingAdvice: Codable, Equatable, Sendable {
    public var recommended: [RecommendedLine]
    public var issues: [CodingIssue]

    public init(recommended: [RecommendedLine] = [], issues: [CodingIssue] = []) {
        self.recommended = recommended; self.issues = issues
    }
}

/// One line of the recommended coding.
public struct RecommendedLine: Codable, Equatable, Hashable, Sendable {
    public var code: String
    public var units: Int
    public var modifiers: [String]

    public init(code: String, units: Int = 1, modifiers: [String] = []) {
        self.code = code; self.units = units; self.modifiers = modifiers
    }
}

/// A coding problem and how to fix it.
public struct CodingIssue: Codable, Equatable, Sendable {
    public var rule: String
    public var message: String
    /// Extension: 1-based claim lines the issue concerns.
    public var lines: [Int]?

    public init(rule: String, message: String, lines: [Int]? = nil) {
        self.rule = rule; self.message = message; self.lines = lines
    }
}

/// Documents the payer will request, and the elements the record lacks.
public struct DocumentationAdvice: Codable, Equatable, Sendable {
    public var requests: [DocumentRequest]
    public var missing: [String]
    /// Extension (claim stage): the criteria taken as attested by the submission, not documented,
    /// each with its rule and citation (no CARC: they did not stop payment).
    public var attested: [Reason]?
    /// Extension (claim stage): the documents a post-payment audit of the attested criteria would request.
    public var auditRequests: [DocumentRequest]?

    public init(requests: [DocumentRequest] = [], missing: [String] = [], attested: [Reason]? = nil,
                auditRequests: [DocumentRequest]? = nil) {
        self.requests = requests; self.missing = missing; self.attested = attested; self.auditRequests = auditRequests
    }
}

/// A document request as payers send them (LOINC attachment code and time-frame modifier).
public struct DocumentRequest: Codable, Equatable, Hashable, Sendable {
    public var name: String
    public var loinc: String?
    public var timeFrame: String?

    public init(name: String, loinc: String? = nil, timeFrame: String? = nil) {
        self.name = name; self.loinc = loinc; self.timeFrame = timeFrame
    }
}
