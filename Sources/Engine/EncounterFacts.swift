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
    /// Specific muscles, by side.
    var muscles: Set<MuscleSide> = []
    var regions: Set<AnatomicRegion> = []
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
        let sided = Set(muscles.filter { $0.side != nil }.map(\.muscle))
        return muscles.filter { $0.side != nil || !sided.contains($0.muscle) }.count
    }

    init() {}

    init(_ sites: [InjectionSite]?, catalog: MuscleCatalog) {
        guard let sites, !sites.isEmpty else { return }
        documented = true
        for site in sites {
            switch catalog.resolve(site.muscle) {
            case .muscle(let muscle):
                regions.insert(muscle.region)
                guard muscle.paired else {
                    muscles.insert(MuscleSide(muscle: muscle.name, side: nil))
                    continue
                }
                switch site.laterality {
                case .bilateral?:
                    muscles.insert(MuscleSide(muscle: muscle.name, side: .left))
                    muscles.insert(MuscleSide(muscle: muscle.name, side: .right))
                case let side?:
                    muscles.insert(MuscleSide(muscle: muscle.name, side: side))
                case nil:
                    missingSide.append(muscle.name)
                    muscles.insert(MuscleSide(muscle: muscle.name, side: nil))
                }
            case .nonSpecific(let group, let hint):
                nonSpecific.append((group, hint))
            case .unknown:
                unrecognized.append(site.muscle)
            }
        }
    }

    /// Whether this service and `other` share a scope, three-valued: unknown when either side's sites are not known well enough.
    func overlaps(_ other: ServiceSites, in scope: LimitScope) -> Truth {
        switch scope {
        case .member:
            return .yes
        case .anatomicRegion:
            if !regions.isDisjoint(with: other.regions) { return .yes }
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
        dateOfService = encounter.dateOfService
        sites = ServiceSites(encounter.procedure?.sites, catalog: context.muscles)
        diagnoses = encounter.diagnosisList.map { ($0, context.icd.status(of: $0, on: encounter.dateOfService)) }
        let replaced = encounter.replaces
        prior = priorServices
            .filter { $0.id != encounter.id && $0.id != replaced && $0.dateOfService <= encounter.dateOfService }
            .map { PriorRecord(service: $0, sites: ServiceSites($0.sites, catalog: context.muscles)) }
        categories = encounter.lines.map { context.tables.procedure($0.code)?.category }
    }

    var clinical: Clinical? { encounter.clinical }

    /// Status of a diagnosis code on the date of service.
    func status(of code: String) -> DiagnosisStatus {
        diagnoses.first { $0.code == code }?.status ?? .notValid
    }

    /// Prior services of `codes` in `window` (all history when nil), each with whether it shares `scope` with this encounter.
    func priorServices(codes: [String], window: Window?, scope: LimitScope) -> [(record: PriorRecord, inScope: Truth)] {
        prior.compactMap { record in
            guard codes.contains(record.service.code) else { return nil }
            if let window, !window.contains(record.service.dateOfService, endingOn: dateOfService) { return nil }
            let inScope = sites.overlaps(record.sites, in: scope)
            return inScope == .no ? nil : (record, inScope)
        }
    }
}
