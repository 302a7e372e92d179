import CodeSets
import Model
import Policies

/// A muscle on one side: the unit 20552/20553 count (DESIGN.md: left and right trapezius are two muscles).
struct MuscleSide: Hashable, Sendable {
    let muscle: String
    /// `nil` for midline muscles, and for paired muscles whose side was not documented.
    let side: Laterality?
}

/// Where a service was done, as far as the record tells.
struct ServiceSites: Sendable {
    // Arrays, not sets: a session names a handful of sites, and a linear search of a few
    // elements is cheaper than hashing muscle names on every decision.
    /// Specific muscles, by side, each once, in the order documented.
    private(set) var muscles: [MuscleSide] = []
    /// Anatomic regions of the muscles, each once.
    private(set) var regions: [AnatomicRegion] = []
    /// Names that are not one muscle ("paraspinals"), with the hint what to name instead.
    var nonSpecific: [(name: String, hint: String)] = []
    /// Names the catalog does not know.
    var unrecognized: [String] = []
    /// Paired muscles documented without a side.
    var missingSide: [String] = []
    /// Whether any site was documented at all.
    var documented = false

    /// True when every documented site resolved to a specific muscle.
    var isComplete: Bool { documented && nonSpecific.isEmpty && unrecognized.isEmpty }

    /// The fewest distinct muscles the sites can be: a muscle without a side next to the same muscle
    /// with a side may be that one (DESIGN.md counts (muscle, side) pairs).
    var minimumMuscleCount: Int {
        muscles.count { candidate in
            candidate.side != nil || !muscles.contains { $0.muscle == candidate.muscle && $0.side != nil }
        }
    }

    init() {}

    init(_ sites: [InjectionSite]?, catalog: MuscleCatalog) {
        guard let sites, !sites.isEmpty else { return }
        documented = true
        for site in sites {
            switch catalog.resolve(site.muscle) {
            case .muscle(let muscle):
                if !regions.contains(muscle.region) { regions.append(muscle.region) }
                guard muscle.paired else {
                    add(MuscleSide(muscle: muscle.name, side: nil))
                    continue
                }
                switch site.laterality {
                case .bilateral?:
                    add(MuscleSide(muscle: muscle.name, side: .left))
                    add(MuscleSide(muscle: muscle.name, side: .right))
                case let side?:
                    add(MuscleSide(muscle: muscle.name, side: side))
                case nil:
                    missingSide.append(muscle.name)
                    add(MuscleSide(muscle: muscle.name, side: nil))
                }
            case .nonSpecific(let group, let hint):
                nonSpecific.append((group, hint))
            case .unknown:
                unrecognized.append(site.muscle)
            }
        }
    }

    private mutating func add(_ muscle: MuscleSide) {
        if !muscles.contains(muscle) { muscles.append(muscle) }
    }

    /// Whether this service and `other` share a scope, three-valued: unknown when either side's sites are not known well enough.
    func overlaps(_ other: ServiceSites, in scope: LimitScope) -> Truth {
        switch scope {
        case .member:
            return .yes
        case .anatomicRegion:
            if regions.contains(where: other.regions.contains) { return .yes }
            return isComplete && other.isComplete ? .no : .unknown
        case .muscle:
            if muscles.contains(where: { mine in other.muscles.contains { $0.matches(mine) } }) { return .yes }
            return isComplete && other.isComplete ? .no : .unknown
        }
    }
}

extension MuscleSide {
    /// The same muscle on the same side; an undocumented side matches either side.
    func matches(_ other: MuscleSide) -> Bool {
        muscle == other.muscle && (side == nil || other.side == nil || side == other.side)
    }
}

/// A prior service with its sites resolved once.
struct PriorRecord: Sendable {
    let service: PriorService
    let sites: ServiceSites
}

/// What the engine derives from an encounter before any rule runs: resolved sites, diagnosis
/// status on the date of service, and the prior services that count.
final class EncounterFacts: Sendable {
    let encounter: Encounter
    let dateOfService: LocalDate
    let sites: ServiceSites
    /// Claim diagnoses with their status on the date of service, in claim order.
    let diagnoses: [(code: String, status: DiagnosisStatus)]
    /// Prior services that count: not this claim (a resubmission), not the claim it replaces.
    let prior: [PriorRecord]
    /// Procedure-code category of each line, in claim order.
    let categories: [ProcedureCategory?]

    init(encounter: Encounter, priorServices: [PriorService], context: EvaluationContext) {
        self.encounter = encounter
        clinical = encounter.clinical
        dateOfService = encounter.dateOfService
        sites = ServiceSites(encounter.procedure?.sites, catalog: context.muscles)
        diagnoses = encounter.diagnosisList.map { ($0, context.icd.status(of: $0, on: encounter.dateOfService)) }
        let replaced = encounter.replaces
        // A member's services usually repeat the same sites: resolve each distinct list once.
        var resolved: [(sites: [InjectionSite]?, resolved: ServiceSites)] = []
        var counting: [PriorRecord] = []
        counting.reserveCapacity(priorServices.count)
        for service in priorServices
        where service.id != encounter.id && service.id != replaced && service.dateOfService <= encounter.dateOfService {
            let sites: ServiceSites
            if let known = resolved.first(where: { $0.sites == service.sites }) {
                sites = known.resolved
            } else {
                sites = ServiceSites(service.sites, catalog: context.muscles)
                if resolved.count < 8 { resolved.append((service.sites, sites)) }
            }
            counting.append(PriorRecord(service: service, sites: sites))
        }
        prior = counting
        categories = encounter.lines.map { context.tables.procedure($0.code)?.category }
    }

    /// Stored, not computed from `encounter`: a computed property would copy the whole record
    /// (every field retained) for each fact evaluated.
    let clinical: Clinical?

    /// Status of a diagnosis code on the date of service.
    func status(of code: String) -> DiagnosisStatus {
        diagnoses.first { $0.code == code }?.status ?? .notValid
    }

    /// Prior services of `codes` in `window` (all history when nil) that may share `scope` with this
    /// encounter: their positions in `prior`, each with whether it does (yes or unknown). Positions,
    /// not copies: a limit usually only counts them.
    func priorServices(codes: [String], window: Window?, scope: LimitScope) -> [(index: Int, inScope: Truth)] {
        var found: [(index: Int, inScope: Truth)] = []
        for index in prior.indices where codes.contains(prior[index].service.code) {
            if let window, !window.contains(prior[index].service.dateOfService, endingOn: dateOfService) { continue }
            let inScope = sites.overlaps(prior[index].sites, in: scope)
            if inScope != .no { found.append((index, inScope)) }
        }
        return found
    }

    /// The prior services at `matches` whose scope is `inScope`.
    func services(_ matches: [(index: Int, inScope: Truth)], _ inScope: Truth) -> [PriorService] {
        matches.filter { $0.inScope == inScope }.map { prior[$0.index].service }
    }
}
