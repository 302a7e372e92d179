import CodeSets
import Model
import Policies

/// One frequency limit's window ending on a date, and the services it counts there, by scope key
/// (the member, a region or a muscle): what `history show` explains. Counting here is per service
/// line, as listed; the decision itself counts with the limit's own rules (procedures or dates).
public struct LimitWindow: Sendable, Equatable, Encodable {
    public let policy: String
    public let rule: String
    public let max: Int
    public let count: FrequencyLimit.Count
    public let window: Window
    public let scope: LimitScope
    public let from: LocalDate
    public let to: LocalDate
    public let counted: [String: Int]
}

extension LimitWindow {
    private enum CodingKeys: String, CodingKey { case policy, rule, max, count, window, scope, from, to, counted }

    /// Each limit as `history show --format json` lists it: the window and scope as they are written in policies.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(policy, forKey: .policy)
        try container.encode(rule, forKey: .rule)
        try container.encode(max, forKey: .max)
        try container.encode(count.rawValue, forKey: .count)
        try container.encode(window.description, forKey: .window)
        try container.encode(scope.rawValue, forKey: .scope)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(counted, forKey: .counted)
    }
}

/// A payer's recorded service: the limit windows of that payer's policies count it.
public struct PayerService: Sendable {
    public let payer: String
    public let service: PriorService

    public init(payer: String, service: PriorService) {
        self.payer = payer; self.service = service
    }
}

extension LimitWindow {
    /// Every limit of the policies in effect on `day` for the payers of `services`, payers in
    /// name order, each policy's limits in rule order. A limit counts the member's services of its
    /// codes whatever payer they were billed to.
    public static func windows(of services: [PayerService], on day: LocalDate, library: PolicyLibrary,
                               muscles: MuscleCatalog) -> [LimitWindow] {
        var windows: [LimitWindow] = []
        for payer in Set(services.map(\.payer)).sorted() {
            for policy in library.policies where policy.payer == payer && policy.isEffective(on: day) {
                for rule in policy.rules {
                    guard case .limit(let limit) = rule.check else { continue }
                    let from = limit.window.start(endingOn: day)
                    var counted: [String: Int] = [:]
                    for entry in services where limit.codes.contains(entry.service.code)
                        && entry.service.dateOfService >= from && entry.service.dateOfService <= day {
                        let sites = entry.service.sites ?? []
                        let keys: [String]
                        switch limit.scope {
                        case .member: keys = ["member"]
                        case .anatomicRegion:
                            let regions = Self.regions(of: sites, muscles: muscles)
                            keys = regions.isEmpty ? ["region not documented"] : regions
                        case .muscle: keys = sites.isEmpty ? ["muscle not documented"] : sites.map(Self.label)
                        }
                        for key in Set(keys) { counted[key, default: 0] += 1 }
                    }
                    windows.append(LimitWindow(policy: policy.id, rule: rule.id, max: limit.max, count: limit.count,
                                               window: limit.window, scope: limit.scope, from: from, to: day, counted: counted))
                }
            }
        }
        return windows
    }

    /// The anatomic regions of the sites' muscles the catalog knows, in name order.
    public static func regions(of sites: [InjectionSite], muscles: MuscleCatalog) -> [String] {
        Array(Set(sites.compactMap { site -> String? in
            if case .muscle(let muscle) = muscles.resolve(site.muscle) { return muscle.region.rawValue }
            return nil
        })).sorted()
    }

    /// A site as written: "left trapezius", or the muscle alone without a side.
    public static func label(_ site: InjectionSite) -> String {
        (site.laterality.map { $0.rawValue + " " } ?? "") + site.muscle
    }
}
