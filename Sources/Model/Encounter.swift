/// A claim or planned procedure: the encounter contract (docs/determinations.md, version 1).
///
/// Absent means *unknown*; `false` means *documented as absent*. Every optional property
/// keeps that distinction, and encoding writes back only what was given, so a decoded
/// encounter re-encodes to the same JSON.
public struct Encounter: Codable, Equatable, Sendable {
    public var id: String
    public var frequency: ClaimFrequency?
    public var replaces: String?
    public var member: Member
    public var coverage: Coverage
    public var dateOfService: LocalDate
    public var placeOfService: String?
    public var diagnoses: [String]?
    public var lines: [ServiceLine]
    public var procedure: Procedure?
    public var clinical: Clinical?
    public var history: [PriorService]?
    /// Extension: when the policy is applied (`pre_submission` when absent).
    public var stage: AdjudicationStage?
    /// Extension: the prior authorization number the claim carries (X12 2300 `REF*G1`).
    public var priorAuthorization: String?

    public init(id: String, frequency: ClaimFrequency? = nil, replaces: String? = nil, member: Member,
                coverage: Coverage, dateOfService: LocalDate, placeOfService: String? = nil,
                diagnoses: [String]? = nil, lines: [ServiceLine], procedure: Procedure? = nil,
                clinical: Clinical? = nil, history: [PriorService]? = nil, stage: AdjudicationStage? = nil,
                priorAuthorization: String? = nil) {
        self.id = id; self.frequency = frequency; self.replaces = replaces; self.member = member
        self.coverage = coverage; self.dateOfService = dateOfService; self.placeOfService = placeOfService
        self.diagnoses = diagnoses; self.lines = lines; self.procedure = procedure
        self.clinical = clinical; self.history = history; self.stage = stage
        self.priorAuthorization = priorAuthorization
    }

    /// The stage, `pre_submission` (a coder's check) when not given.
    public var effectiveStage: AdjudicationStage { stage ?? .preSubmission }

    /// The claim frequency, `original` when not given.
    public var effectiveFrequency: ClaimFrequency { frequency ?? .original }

    /// Diagnoses in claim order, `[]` when none were given.
    public var diagnosisList: [String] { diagnoses ?? [] }

    /// Positions in `diagnoses` of the claim diagnoses a line points to, in pointer order (all of
    /// them when it has no pointers); pointers past the list are skipped. Lazy: the engine walks
    /// them on every decision without building a list.
    public func diagnosisPositions(for line: ServiceLine) -> DiagnosisPositions {
        DiagnosisPositions(line, diagnosisCount: diagnoses?.count ?? 0)
    }

    /// Whether the line points to at least one claim diagnosis.
    public func hasDiagnosis(_ line: ServiceLine) -> Bool { !diagnosisPositions(for: line).isEmpty }

    /// The claim diagnoses a line points to, in pointer order (all of them when it has no pointers).
    public func diagnoses(for line: ServiceLine) -> [String] {
        let all = diagnosisList
        return diagnosisPositions(for: line).map { all[$0] }
    }
}

/// The positions of a line's claim diagnoses (``Encounter/diagnosisPositions(for:)``).
public struct DiagnosisPositions: Sequence, Sendable {
    @usableFromInline let pointers: [Int]?
    @usableFromInline let count: Int

    /// The positions `line` points to in a claim of `diagnosisCount` diagnoses.
    /// Inlinable: the engine builds one per rule check, and the line is then read in place, not copied.
    @inlinable public init(_ line: ServiceLine, diagnosisCount: Int) {
        pointers = line.diagnosisPointers
        count = diagnosisCount
    }

    /// True when the line points to no claim diagnosis.
    public var isEmpty: Bool {
        var positions = makeIterator()
        return positions.next() == nil
    }

    public struct Iterator: IteratorProtocol {
        let pointers: [Int]?
        let count: Int
        /// The next position to yield (no pointers) or the next pointer to read.
        var cursor = 0

        public mutating func next() -> Int? {
            guard let pointers else {
                defer { cursor += 1 }
                return cursor < count ? cursor : nil
            }
            while cursor < pointers.count {
                let position = pointers[cursor] - 1
                cursor += 1
                if position >= 0 && position < count { return position }
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(pointers: pointers, count: count) }
}

/// Claim frequency (X12 CLM05-3: 1 original, 7 replacement, 8 void).
public enum ClaimFrequency: String, Codable, CaseIterable, Sendable {
    case original, replacement, void
}

/// The patient as the payer knows them.
public struct Member: Codable, Equatable, Sendable {
    public var id: String
    public var birthDate: LocalDate?
    public var sex: Sex?

    public init(id: String, birthDate: LocalDate? = nil, sex: Sex? = nil) {
        self.id = id; self.birthDate = birthDate; self.sex = sex
    }
}

/// Administrative sex as carried on claims (X12 DMG03).
public enum Sex: String, Codable, CaseIterable, Sendable {
    case F, M, U
}

/// Who pays, and under which line of business.
public struct Coverage: Codable, Equatable, Sendable {
    /// A payer id such as `florida-blue`; open-ended, policies name the payers they serve.
    public var payer: String
    public var lineOfBusiness: LineOfBusiness?
    /// Extension (issue 23): the Medicare administrative contractor that processes the claim, as
    /// policy files name it in `jurisdiction.contractor` (e.g. `noridian-je`).
    public var contractor: String? = nil
    /// Extension (issue 23): the billing provider's state, two letters (837 loop 2010AA N4).
    public var providerState: String? = nil

    public init(payer: String, lineOfBusiness: LineOfBusiness? = nil, contractor: String? = nil, providerState: String? = nil) {
        self.payer = payer; self.lineOfBusiness = lineOfBusiness; self.contractor = contractor; self.providerState = providerState
    }

    /// The line of business, `commercial` when not given.
    public var effectiveLineOfBusiness: LineOfBusiness { lineOfBusiness ?? .commercial }

    /// A provider state as `providerState` holds it: two ASCII letters, upper-cased; nil for any
    /// other text. The one check for every reader (Contract 1 JSON, 837 loop 2010AA N4-02).
    public static func providerState(_ text: String) -> String? {
        guard text.utf8.count == 2, text.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return text.uppercased()
    }
}

/// The payer's product line; policies and their program exceptions are scoped by it.
public enum LineOfBusiness: String, Codable, CaseIterable, Sendable {
    case commercial
    case medicareAdvantage = "medicare_advantage"
    case medicare, medicaid, fep, sao, exchange

    /// One bit per case: policies test their lines of business on every decision, and a
    /// `Set<LineOfBusiness>` hashes the raw-value string for each test. A switch, not the engine's
    /// `CaseBits` search (which Policies cannot reach): each policy considered asks, and the search
    /// cost 360 instructions a decision (measured).
    @inlinable public var bit: UInt8 {
        switch self {
        case .commercial: 1
        case .medicareAdvantage: 2
        case .medicare: 4
        case .medicaid: 8
        case .fep: 16
        case .sao: 32
        case .exchange: 64
        }
    }

    /// The bits of `lines` together.
    @inlinable public static func mask(_ lines: Set<LineOfBusiness>) -> UInt8 {
        lines.reduce(0) { $0 | $1.bit }
    }
}

/// One billed service line.
public struct ServiceLine: Codable, Equatable, Sendable {
    public var code: String
    public var modifiers: [String]?
    public var units: Int?
    /// 1-based pointers into the claim's diagnoses; absent means all of them.
    public var diagnosisPointers: [Int]?
    public var charge: Double?

    public init(code: String, modifiers: [String]? = nil, units: Int? = nil,
                diagnosisPointers: [Int]? = nil, charge: Double? = nil) {
        self.code = code; self.modifiers = modifiers; self.units = units
        self.diagnosisPointers = diagnosisPointers; self.charge = charge
    }

    // Inlinable: the engine asks on every decision, and across the module boundary these went
    // through the unspecialized `Optional` copy.
    @inlinable public var effectiveUnits: Int { units ?? 1 }
    @inlinable public var modifierList: [String] { modifiers ?? [] }

    /// Whether the line carries `modifier`, read in place.
    @inlinable public func has(modifier: String) -> Bool { modifiers?.contains(modifier) ?? false }
}

/// What was done, as the procedure note describes it.
public struct Procedure: Codable, Equatable, Sendable {
    public var sites: [InjectionSite]?
    /// What was injected; `[]` means nothing (dry needling), absent means unknown.
    public var injectate: [String]?
    public var imagingGuidance: ImagingGuidance?

    public init(sites: [InjectionSite]? = nil, injectate: [String]? = nil, imagingGuidance: ImagingGuidance? = nil) {
        self.sites = sites; self.injectate = injectate; self.imagingGuidance = imagingGuidance
    }
}

/// One injected muscle.
public struct InjectionSite: Codable, Equatable, Hashable, Sendable {
    public var muscle: String
    public var laterality: Laterality?
    public var triggerPoints: Int?

    public init(muscle: String, laterality: Laterality? = nil, triggerPoints: Int? = nil) {
        self.muscle = muscle; self.laterality = laterality; self.triggerPoints = triggerPoints
    }
}

/// The body side of a site. `bilateral` stands for the muscle on both sides (two muscles).
public enum Laterality: String, Codable, CaseIterable, Sendable {
    case left, right, bilateral
}

/// Imaging used to guide the needle.
public enum ImagingGuidance: String, Codable, CaseIterable, Sendable {
    case none, ultrasound, fluoroscopy, ct, mri
}

/// Documented clinical facts; every key optional (absent = unknown).
public struct Clinical: Codable, Equatable, Sendable {
    public var painOnset: LocalDate?
    public var findings: Findings?
    public var conservativeTherapy: [ConservativeTherapy]?
    public var pharmacotherapy: [Pharmacotherapy]?
    public var treatmentPlan: [TherapyType]?
    public var priorInjectionResponse: PriorInjectionResponse?
    public var documentation: [DocumentationElement]?

    public init(painOnset: LocalDate? = nil, findings: Findings? = nil,
                conservativeTherapy: [ConservativeTherapy]? = nil, pharmacotherapy: [Pharmacotherapy]? = nil,
                treatmentPlan: [TherapyType]? = nil, priorInjectionResponse: PriorInjectionResponse? = nil,
                documentation: [DocumentationElement]? = nil) {
        self.painOnset = painOnset; self.findings = findings; self.conservativeTherapy = conservativeTherapy
        self.pharmacotherapy = pharmacotherapy; self.treatmentPlan = treatmentPlan
        self.priorInjectionResponse = priorInjectionResponse; self.documentation = documentation
    }
}

/// Examination findings; `nil` = not documented, `false` = documented as absent.
public struct Findings: Codable, Equatable, Sendable {
    public var regionalPainInReferralPattern: Bool?
    public var tautBand: Bool?
    public var spotTenderness: Bool?
    public var restrictedRangeOfMotion: Bool?
    public var localTwitchResponse: Bool?
    public var referredPainReproduced: Bool?
    public var muscleWeakness: Bool?

    public init(regionalPainInReferralPattern: Bool? = nil, tautBand: Bool? = nil, spotTenderness: Bool? = nil,
                restrictedRangeOfMotion: Bool? = nil, localTwitchResponse: Bool? = nil,
                referredPainReproduced: Bool? = nil, muscleWeakness: Bool? = nil) {
        self.regionalPainInReferralPattern = regionalPainInReferralPattern; self.tautBand = tautBand
        self.spotTenderness = spotTenderness; self.restrictedRangeOfMotion = restrictedRangeOfMotion
        self.localTwitchResponse = localTwitchResponse; self.referredPainReproduced = referredPainReproduced
        self.muscleWeakness = muscleWeakness
    }

    /// A finding by name, for policies that refer to findings by their JSON key.
    public subscript(finding: Finding) -> Bool? {
        get {
            switch finding {
            case .regionalPainInReferralPattern: return regionalPainInReferralPattern
            case .tautBand: return tautBand
            case .spotTenderness: return spotTenderness
            case .restrictedRangeOfMotion: return restrictedRangeOfMotion
            case .localTwitchResponse: return localTwitchResponse
            case .referredPainReproduced: return referredPainReproduced
            case .muscleWeakness: return muscleWeakness
            }
        }
        set {
            switch finding {
            case .regionalPainInReferralPattern: regionalPainInReferralPattern = newValue
            case .tautBand: tautBand = newValue
            case .spotTenderness: spotTenderness = newValue
            case .restrictedRangeOfMotion: restrictedRangeOfMotion = newValue
            case .localTwitchResponse: localTwitchResponse = newValue
            case .referredPainReproduced: referredPainReproduced = newValue
            case .muscleWeakness: muscleWeakness = newValue
            }
        }
    }
}

/// The examination findings an encounter can document, by their JSON key.
public enum Finding: String, CaseIterable, Sendable {
    case regionalPainInReferralPattern, tautBand, spotTenderness, restrictedRangeOfMotion
    case localTwitchResponse, referredPainReproduced, muscleWeakness
}

/// A course of conservative (non-invasive) therapy.
public struct ConservativeTherapy: Codable, Equatable, Sendable {
    public var type: TherapyType
    public var start: LocalDate?
    public var end: LocalDate?
    public var outcome: TherapyOutcome?

    public init(type: TherapyType, start: LocalDate? = nil, end: LocalDate? = nil, outcome: TherapyOutcome? = nil) {
        self.type = type; self.start = start; self.end = end; self.outcome = outcome
    }
}

/// Conservative therapy types (also the components of a treatment plan).
public enum TherapyType: String, Codable, CaseIterable, Sendable {
    case physicalTherapy = "physical_therapy", occupationalTherapy = "occupational_therapy"
    case activeExercise = "active_exercise", homeExerciseProgram = "home_exercise_program"
    case activityModification = "activity_modification", bedRest = "bed_rest", ultrasound
    case rangeOfMotion = "range_of_motion", heatCold = "heat_cold"
    case manipulativeTherapy = "manipulative_therapy", massage, stretchAndSpray = "stretch_and_spray"
}

/// How a course of therapy ended.
public enum TherapyOutcome: String, Codable, CaseIterable, Sendable {
    case failed, intolerant, improved, ongoing
    case notFeasible = "not_feasible", contraindicated
}

/// A medication class the member has taken.
public struct Pharmacotherapy: Codable, Equatable, Sendable {
    public var drugClass: DrugClass
    public var start: LocalDate?
    public var end: LocalDate?
    /// How the course went (failed, intolerant …); absent when the record does not say.
    public var outcome: TherapyOutcome?

    public init(drugClass: DrugClass, start: LocalDate? = nil, end: LocalDate? = nil, outcome: TherapyOutcome? = nil) {
        self.drugClass = drugClass; self.start = start; self.end = end; self.outcome = outcome
    }

    enum CodingKeys: String, CodingKey { case drugClass = "class", start, end, outcome }
}

/// Medication classes policies name.
public enum DrugClass: String, Codable, CaseIterable, Sendable {
    case nsaid, muscleRelaxant = "muscle_relaxant", nonNarcoticAnalgesic = "non_narcotic_analgesic"
    case antidepressant, anticonvulsant, opioid, other
}

/// The member's response to the most recent previous injection.
public struct PriorInjectionResponse: Codable, Equatable, Sendable {
    public var percentPainImprovement: Int?
    public var functionalImprovement: Bool?
    public var rangeOfMotionImproved: Bool?

    public init(percentPainImprovement: Int? = nil, functionalImprovement: Bool? = nil, rangeOfMotionImproved: Bool? = nil) {
        self.percentPainImprovement = percentPainImprovement; self.functionalImprovement = functionalImprovement
        self.rangeOfMotionImproved = rangeOfMotionImproved
    }
}

/// Documents in the medical record that can be sent to the payer.
public enum DocumentationElement: String, Codable, CaseIterable, Sendable {
    case historyAndPhysical = "history_and_physical", visitNote = "visit_note", treatmentPlan = "treatment_plan"
    case medicationList = "medication_list", physicalTherapyAssessment = "physical_therapy_assessment"
    case physicalTherapyProgressNote = "physical_therapy_progress_note", procedureNote = "procedure_note"
    case informedConsent = "informed_consent", reasonForTherapy = "reason_for_therapy"
    case priorTreatmentResults = "prior_treatment_results", injectionFrequencyPlan = "injection_frequency_plan"
}

/// A service already rendered to the member (from the encounter or from the history store).
public struct PriorService: Codable, Equatable, Sendable {
    // `code` is declared first so that the memberwise initializer has labels of its own (see
    // ``Determination``'s initializer: this one is built for every service a history read returns).
    public var code: String
    public var id: String
    public var dateOfService: LocalDate
    public var units: Int?
    public var sites: [InjectionSite]?

    enum CodingKeys: String, CodingKey { case id, dateOfService, code, units, sites }
}

extension PriorService {
    public init(id: String, dateOfService: LocalDate, code: String, units: Int? = nil, sites: [InjectionSite]? = nil) {
        self.init(code: code, id: id, dateOfService: dateOfService, units: units, sites: sites)
    }
}
