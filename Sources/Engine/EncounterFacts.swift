import CodeSets
import Model
import Policies

/// A muscle on one side: the unit 20552/20553 count (DESIGN.md: left and right trapezius are two muscles).
struct MuscleSide: Hashable, Sendable {
    /// Position in ``CodeSets/MuscleCatalog/muscles``: a plain value, so a list of sides is
    /// copied and compared without touching a string.
    let muscle: Int
    /// `nil` for midline muscles, and for paired muscles whose side was not documented.
    let side: Laterality?
}

/// Where a service was done, as far as the record tells.
///
/// Resolved once and only read after, field by field: a binding of the whole value would copy it
/// and retain every list. A value stored in the facts, not an object of its own: one allocation
/// fewer per decision.
struct ServiceSites: Sendable {
    // Arrays, not sets: a session names a handful of sites, and a linear search of a few
    // elements is cheaper than hashing muscle names on every decision.
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
    /// with a side may be that one (DESIGN.md counts (muscle, side) pairs).
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
    // `__shared`: an initializer takes its arguments owned, so the caller retained the list to hand it over.
    init(_ sites: __shared [InjectionSite]?, catalog: MuscleCatalog) {
        guard let sites, !sites.isEmpty else {
            self.init(muscles: [], regions: 0, nonSpecific: [], unrecognized: [], missingSide: [], documented: false)
            return
        }
        var muscles: [MuscleSide] = [], regions: UInt64 = 0
        var nonSpecific: [(name: String, hint: String)] = [], unrecognized: [String] = [], missingSide: [String] = []
        // Room for every site at once (a bilateral site is two muscles): growing reallocated.
        muscles.reserveCapacity(sites.count * 2)
        func add(_ muscle: MuscleSide) {
            if !muscles.contains(muscle) { muscles.append(muscle) }
        }
        // Catalog fields are read in place by position: a `Muscle` copy retained its name and synonyms.
        let catalogMuscles = catalog.muscles
        // Sites by position: a for-in copied each one, retaining and releasing its name.
        for index in sites.indices {
            switch catalog.entry(for: sites[index].muscle) {
            case .muscle(let muscle)?:
                regions |= FactMasks.regions.bit(catalogMuscles[muscle].region)
                guard catalogMuscles[muscle].paired else {
                    add(MuscleSide(muscle: muscle, side: nil))
                    continue
                }
                switch sites[index].laterality {
                case .bilateral?:
                    add(MuscleSide(muscle: muscle, side: .left))
                    add(MuscleSide(muscle: muscle, side: .right))
                case let side?:
                    add(MuscleSide(muscle: muscle, side: side))
                case nil:
                    missingSide.append(catalogMuscles[muscle].name)
                    add(MuscleSide(muscle: muscle, side: nil))
                }
            case .group(let group)?:
                nonSpecific.append((catalog.groups[group].name, catalog.groups[group].hint))
            case nil:
                unrecognized.append(sites[index].muscle)
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

/// A prior service that counts, by position: the date limits compare is kept inline, the service
/// and its resolved sites stay in ``EncounterFacts`` arrays (a record copies no reference).
struct PriorRecord: Sendable {
    /// Position in ``EncounterFacts/priorServices``.
    let service: Int
    /// Position in ``EncounterFacts/priorSites``.
    let sites: Int
    let dateOfService: LocalDate
}

/// What the engine derives from an encounter before any rule runs: resolved sites, diagnosis
/// status on the date of service, and the prior services that count.
final class EncounterFacts {
    // The parts of the encounter the rules read, each stored on its own: keeping the encounter
    // whole copied it, and retained every field of it (clinical record and history included),
    // on every decision.
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
    let dateOfService: LocalDate
    let sites: ServiceSites
    /// By position in ``diagnosisCodes``: each diagnosis's status on the date of service, and its
    /// key. Inline: a claim usually has one to three diagnoses, and a list of them was an
    /// allocation per decision.
    let diagnoses: InlineList<DiagnosisFact>
    /// Truths of the policies' facts, decided once for this encounter whichever rules and payers ask.
    let memo: FactMemo
    /// The prior services as given; ``prior`` says which of them count.
    let priorServices: [PriorService]
    /// The member's other services that count, whatever their date: not this claim (a
    /// resubmission), not the claim it replaces.
    let prior: [PriorRecord]
    /// The distinct site lists of the prior services, resolved.
    let priorSites: [ServiceSites]

    /// - Parameter given: the member's prior services; the encounter's `history` when nil.
    init(encounter: borrowing Encounter, priorServices given: [PriorService]?, context: EvaluationContext) {
        // `borrowing`: an initializer takes its arguments owned by default, and the caller copied
        // the whole encounter (every field retained) to hand it over.
        // The memo first: allocated after the lists below, it made the optimizer retain and
        // release them around the allocation.
        memo = .allocate(count: context.criteria.facts.count)
        let priorServices = given ?? encounter.history ?? []
        id = encounter.id
        frequency = encounter.effectiveFrequency
        stage = encounter.effectiveStage
        replaces = encounter.replaces
        coverage = encounter.coverage
        lines = encounter.lines
        diagnosisCodes = encounter.diagnosisList
        // The procedure's parts, not the procedure: the optional struct was copied through the
        // runtime's generic witness (two calls a decision), and only these two are read.
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
        var diagnoses = InlineList(filler: DiagnosisFact(status: .notValid, key: nil))
        for index in diagnosisCodes.indices {
            let key = DiagnosisKey(diagnosisCodes[index])
            diagnoses.append(DiagnosisFact(status: context.icd.status(of: key, on: encounter.dateOfService), key: key))
        }
        // `consume`: a plain assignment copied the list through its generic value witness and
        // then destroyed the local (245 instructions a decision).
        self.diagnoses = consume diagnoses
        self.priorServices = priorServices
        let replaced = encounter.replaces
        // A member's services usually repeat the same sites: resolve each distinct list once
        // (the first eight distinct lists are remembered; past that each is resolved on its own).
        var known: [(sites: [InjectionSite]?, index: Int)] = []
        var resolved: [ServiceSites] = []
        var counting: [PriorRecord] = []
        if !priorServices.isEmpty { counting.reserveCapacity(priorServices.count) }  // none: nothing to set up
        // Fields are read in place: copying a service out of the array retains its three references.
        for position in priorServices.indices {
            let date = priorServices[position].dateOfService
            // Services dated after this one are kept: a late claim is checked against every limit
            // window that contains its date (issue 27.4); criteria about earlier services ask up to
            // the date of service only.
            guard priorServices[position].id != encounter.id,
                  priorServices[position].id != replaced else { continue }
            var sites = -1
            for entry in known where entry.sites == priorServices[position].sites {
                sites = entry.index
                break
            }
            if sites < 0 {
                sites = resolved.count
                resolved.append(ServiceSites(priorServices[position].sites, catalog: context.muscles))
                if known.count < 8 { known.append((priorServices[position].sites, sites)) }
            }
            counting.append(PriorRecord(service: position, sites: sites, dateOfService: date))
        }
        prior = counting
        priorSites = resolved
    }

    deinit { memo.deallocate() }

    // The clinical record's parts, each stored on its own: reading `clinical?.findings` through
    // this class copied the whole record (every array retained) for each fact decided.
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
    /// it does (yes or unknown). Positions, not copies: a limit usually only counts them.
    func priorServices(codes: [String], window: Window?, scope: LimitScope) -> [(index: Int, inScope: Truth)] {
        priorServices(codes: codes, from: window?.start(endingOn: dateOfService), through: dateOfService, scope: scope)
    }

    /// Services of `codes` dated `start` (any when nil) through `end` that may share `scope` with this
    /// encounter. With `region` (one bit of ``FactMasks/regions``) an anatomic-region scope is that one
    /// region of this session: a service counts there if it was in that region, is unknown if its
    /// sites are not all known, else does not count.
    func priorServices(codes: [String], from start: LocalDate?, through end: LocalDate, scope: LimitScope,
                       region: UInt64? = nil) -> [(index: Int, inScope: Truth)] {
        // A member without history (most claims): no window to work out, no list to set up.
        if prior.isEmpty { return [] }
        // Each distinct site list is compared with this encounter's sites once, not once per service.
        var overlaps = [Truth?](repeating: nil, count: scope == .member ? 0 : priorSites.count)
        var found: [(index: Int, inScope: Truth)] = []
        // Room for every record at once: growing one append at a time reallocated the list
        // six times for a member with 50 services.
        found.reserveCapacity(prior.count)
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
