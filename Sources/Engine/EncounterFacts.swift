import CodeSets
import Model
import Policies

/// A muscle on one side: the unit 20552/20553 count (docs/decisions.md: left and right trapezius are two muscles).
struct MuscleSide: Hashable, Sendable {
    /// Position in ``CodeSets/MuscleCatalog/muscles``.
    let muscle: Int
    /// `nil` for midline muscles, and for paired muscles whose side was not documented.
    let side: Laterality?
}

/// Where a service was done, as far as the record tells.
struct ServiceSites: Sendable {
    /// Specific muscles, by side, each once, in the order documented.
    let muscles: [MuscleSide]
    /// Anatomic regions of the muscles, as bits (``FactMasks/regions``).
    let regions: UInt64
    /// Names that are not one muscle ("paraspinals"), with the hint what to name instead.
    let nonSpecific: [(name: String, hint: String)]
    /// Names the catalog does not know.
    let unrecognized: [String]
    /// Paired muscles documented without a side.
    let missingSide: [String]
    /// Whether any site was documented at all.
    let documented: Bool
    /// True when every documented site resolved to a specific muscle.
    let isComplete: Bool

    /// The fewest distinct muscles the sites can be: a muscle without a side next to the same muscle
    /// with a side may be that one (docs/decisions.md counts (muscle, side) pairs).
    var minimumMuscleCount: Int {
        muscles.count { candidate in
            candidate.side != nil || !muscles.contains { $0.muscle == candidate.muscle && $0.side != nil }
        }
    }

    init(muscles: [MuscleSide], regions: UInt64, nonSpecific: [(name: String, hint: String)], unrecognized: [String],
         missingSide: [String], documented: Bool) {
        self.muscles = muscles; self.regions = regions; self.nonSpecific = nonSpecific; self.unrecognized = unrecognized
        self.missingSide = missingSide; self.documented = documented
        isComplete = documented && nonSpecific.isEmpty && unrecognized.isEmpty
    }

    /// Whether this service and `other` share a scope, three-valued: unknown when either side's sites are not known well enough.
    func overlaps(_ other: ServiceSites, in scope: LimitScope) -> Truth {
        switch scope {
        case .member:
            return .yes
        case .anatomicRegion:
            if regions & other.regions != 0 { return .yes }
            return isComplete && other.isComplete ? .no : .unknown
        case .muscle:
            if muscles.contains(where: { mine in other.muscles.contains { $0.matches(mine) } }) { return .yes }
            return isComplete && other.isComplete ? .no : .unknown
        }
    }
}

extension ServiceSites {
    init(_ sites: [InjectionSite]?, catalog: MuscleCatalog) {
        guard let sites, !sites.isEmpty else {
            self.init(muscles: [], regions: 0, nonSpecific: [], unrecognized: [], missingSide: [], documented: false)
            return
        }
        var muscles: [MuscleSide] = [], regions: UInt64 = 0
        var nonSpecific: [(name: String, hint: String)] = [], unrecognized: [String] = [], missingSide: [String] = []
        muscles.reserveCapacity(sites.count * 2)  // a bilateral site is two muscles
        func add(_ muscle: MuscleSide) {
            if !muscles.contains(muscle) { muscles.append(muscle) }
        }
        for site in sites {
            switch catalog.entry(for: site.muscle) {
            case .muscle(let muscle)?:
                let entry = catalog.muscles[muscle]
                regions |= FactMasks.regions.bit(entry.region)
                guard entry.paired else {
                    add(MuscleSide(muscle: muscle, side: nil))
                    continue
                }
                switch site.laterality {
                case .bilateral?:
                    add(MuscleSide(muscle: muscle, side: .left))
                    add(MuscleSide(muscle: muscle, side: .right))
                case let side?:
                    add(MuscleSide(muscle: muscle, side: side))
                case nil:
                    missingSide.append(entry.name)
                    add(MuscleSide(muscle: muscle, side: nil))
                }
            case .group(let group)?:
                nonSpecific.append((catalog.groups[group].name, catalog.groups[group].hint))
            case nil:
                unrecognized.append(site.muscle)
            }
        }
        self.init(muscles: muscles, regions: regions, nonSpecific: nonSpecific, unrecognized: unrecognized,
                  missingSide: missingSide, documented: true)
    }
}

extension MuscleSide {
    /// The same muscle on the same side; an undocumented side matches either side.
    func matches(_ other: MuscleSide) -> Bool {
        muscle == other.muscle && (side == nil || other.side == nil || side == other.side)
    }
}

/// A claim diagnosis as the rules read it: its status on the date of service, and its key (`nil`
/// when it is not a code), which is how supporting-diagnosis sets hold codes.
struct DiagnosisFact {
    let status: DiagnosisStatus
    let key: DiagnosisKey?
}

/// A prior service that counts: where the service and its resolved sites are in ``EncounterFacts``.
struct PriorRecord: Sendable {
    /// Position in ``EncounterFacts/priorServices``.
    let service: Int
    /// Position in ``EncounterFacts/priorSites``.
    let sites: Int
    let dateOfService: LocalDate
}

/// What the engine derives from an encounter before any rule runs: resolved sites, diagnosis
/// status on the date of service, and the prior services that count.
///
/// A class: the memo of fact truths fills in as rules and payers ask, shared by every evaluator
/// of the encounter.
final class EncounterFacts {
    let id: String
    let frequency: ClaimFrequency
    /// When the policy is applied (a submitted claim handles what it cannot carry as each rule declares).
    let stage: AdjudicationStage
    /// The claim a replacement or void names (``Model/Encounter/replaces``).
    let replaces: String?
    let coverage: Coverage
    let lines: [ServiceLine]
    /// The claim diagnoses as billed, in claim order.
    let diagnosisCodes: [String]
    /// What the procedure note says was injected (``Model/Procedure/injectate``); `nil` when unknown.
    let injectate: [String]?
    /// Whether the procedure note lists sites at all (an empty list included).
    let sitesListed: Bool
    /// The codes of the claim's lines.
    let billedCodes: Set<String>
    let dateOfService: LocalDate
    let sites: ServiceSites
    /// By position in ``diagnosisCodes``: each diagnosis's status on the date of service, and its key.
    let diagnoses: [DiagnosisFact]
    /// By fact index in the context's ``CriterionProgram``: the truths decided so far for this
    /// encounter, whichever rules and payers asked (`nil`: not decided yet).
    var memo: [Truth?]
    /// The prior services as given; ``prior`` says which of them count.
    let priorServices: [PriorService]
    /// The member's other services that count, whatever their date: not this claim (a
    /// resubmission), not the claim it replaces.
    let prior: [PriorRecord]
    /// The distinct site lists of the prior services, resolved.
    let priorSites: [ServiceSites]

    /// - Parameter given: the member's prior services; the encounter's `history` when nil.
    init(encounter: Encounter, priorServices given: [PriorService]?, context: EvaluationContext) {
        memo = Array(repeating: nil, count: context.criteria.facts.count)
        let priorServices = given ?? encounter.history ?? []
        id = encounter.id
        frequency = encounter.effectiveFrequency
        stage = encounter.effectiveStage
        replaces = encounter.replaces
        coverage = encounter.coverage
        lines = encounter.lines
        billedCodes = Set(encounter.lines.lazy.map(\.code))
        diagnosisCodes = encounter.diagnosisList
        injectate = encounter.procedure?.injectate
        sitesListed = encounter.procedure?.sites != nil
        let clinical = encounter.clinical
        findings = clinical?.findings
        conservativeTherapy = clinical?.conservativeTherapy
        pharmacotherapy = clinical?.pharmacotherapy
        treatmentPlan = clinical?.treatmentPlan
        documentation = clinical?.documentation
        painOnset = clinical?.painOnset
        priorInjectionResponse = clinical?.priorInjectionResponse
        dateOfService = encounter.dateOfService
        sites = ServiceSites(encounter.procedure?.sites, catalog: context.muscles)
        diagnoses = encounter.diagnosisList.map { code in
            let key = DiagnosisKey(code)
            return DiagnosisFact(status: context.icd.status(of: key, on: encounter.dateOfService), key: key)
        }
        self.priorServices = priorServices
        let replaced = encounter.replaces
        // A member's services usually repeat the same sites: resolve each distinct list once
        // (the first eight distinct lists are remembered; past that each is resolved on its own).
        var known: [(sites: [InjectionSite]?, index: Int)] = []
        var resolved: [ServiceSites] = []
        var counting: [PriorRecord] = []
        for (position, service) in priorServices.enumerated() {
            // Services dated after this one are kept: a late claim is checked against every limit
            // window that contains its date (issue 27.4); criteria about earlier services ask up to
            // the date of service only.
            guard service.id != encounter.id, service.id != replaced else { continue }
            var sites = -1
            for entry in known where entry.sites == service.sites {
                sites = entry.index
                break
            }
            if sites < 0 {
                sites = resolved.count
                resolved.append(ServiceSites(service.sites, catalog: context.muscles))
                if known.count < 8 { known.append((service.sites, sites)) }
            }
            counting.append(PriorRecord(service: position, sites: sites, dateOfService: service.dateOfService))
        }
        prior = counting
        priorSites = resolved
    }

    // The clinical record's parts the facts read.
    let findings: Findings?
    let conservativeTherapy: [ConservativeTherapy]?
    let pharmacotherapy: [Pharmacotherapy]?
    let treatmentPlan: [TherapyType]?
    let documentation: [DocumentationElement]?
    let painOnset: LocalDate?
    let priorInjectionResponse: PriorInjectionResponse?

    /// Positions in ``diagnosisCodes`` of the diagnoses the line at `index` points to
    /// (``Model/Encounter/diagnosisPositions(for:)``).
    func diagnosisPositions(ofLine index: Int) -> DiagnosisPositions {
        DiagnosisPositions(lines[index], diagnosisCount: diagnosisCodes.count)
    }

    /// Prior services of `codes` in `window` ending on the date of service (all earlier history when
    /// nil) that may share `scope` with this encounter: their positions in `prior`, each with whether
    /// it does (yes or unknown).
    func priorServices(codes: [String], window: Window?, scope: LimitScope) -> [(index: Int, inScope: Truth)] {
        priorServices(codes: codes, from: window?.start(endingOn: dateOfService), through: dateOfService, scope: scope)
    }

    /// Services of `codes` dated `start` (any when nil) through `end` that may share `scope` with this
    /// encounter. With `region` (one bit of ``FactMasks/regions``) an anatomic-region scope is that one
    /// region of this session: a service counts there if it was in that region, is unknown if its
    /// sites are not all known, else does not count.
    func priorServices(codes: [String], from start: LocalDate?, through end: LocalDate, scope: LimitScope,
                       region: UInt64? = nil) -> [(index: Int, inScope: Truth)] {
        // Each distinct site list is compared with this encounter's sites once, not once per service.
        var overlaps = [Truth?](repeating: nil, count: scope == .member ? 0 : priorSites.count)
        var found: [(index: Int, inScope: Truth)] = []
        for index in prior.indices {
            let record = prior[index]
            if let start, record.dateOfService < start { continue }
            if record.dateOfService > end { continue }
            guard codes.contains(priorServices[record.service].code) else { continue }
            let inScope: Truth
            if scope == .member {
                inScope = .yes
            } else if scope == .anatomicRegion, let region {
                let other = priorSites[record.sites]
                inScope = other.regions & region != 0 ? .yes : other.isComplete ? .no : .unknown
            } else if let settled = overlaps[record.sites] {
                inScope = settled
            } else {
                inScope = sites.overlaps(priorSites[record.sites], in: scope)
                overlaps[record.sites] = inScope
            }
            if inScope != .no { found.append((index, inScope)) }
        }
        return found
    }

    /// The prior service a record stands for.
    func service(_ record: PriorRecord) -> PriorService { priorServices[record.service] }

    /// The prior services at `matches` whose scope is `inScope`.
    func services(_ matches: [(index: Int, inScope: Truth)], _ inScope: Truth) -> [PriorService] {
        matches.filter { $0.inScope == inScope }.map { service(prior[$0.index]) }
    }
}
