import Foundation
import Model

/// The loaded policies, checked against each other, and how one is chosen for an encounter.
public struct PolicyLibrary: Sendable {
    /// The policies that decide claims (with a stand-in, it in place of those it replaces).
    public private(set) var policies: [Policy]
    /// The policies selection runs over, as loaded: a stand-in takes over what selection picks.
    private let selectable: [Policy]
    private let byId: [String: Policy]
    /// A policy deciding every claim that selection gives to one of `replaced` (`policies impact`).
    private var standIn: (replaced: Set<String>, policy: Policy)?

    /// Builds a library from parsed policies; cross-file errors (duplicate ids, overlapping
    /// effective periods for one payer and line of business, unknown route targets) throw.
    public init(_ policies: [Policy]) throws(PolicyLoadError) {
        let issues = PolicyLibrary.crossCheck(policies)
        guard issues.isEmpty else { throw PolicyLoadError(issues) }
        self.policies = policies.sorted { ($0.payer, $0.effectiveFrom) < ($1.payer, $1.effectiveFrom) }
        selectable = self.policies
        byId = Dictionary(uniqueKeysWithValues: policies.map { ($0.id, $0) })
        payers = Array(Set(policies.map(\.payer))).sorted()
    }

    /// Loads every `*.yaml` / `*.yml` file under `directory`. Any error in any file throws, with all of them.
    public static func load(directory: String) throws(PolicyLoadError) -> (library: PolicyLibrary, warnings: [PolicyIssue]) {
        let (policies, issues) = parseDirectory(directory)
        let errors = issues.filter { $0.severity == .error }
        guard errors.isEmpty else { throw PolicyLoadError(errors) }
        return (try PolicyLibrary(policies), issues.filter { $0.severity == .warning })
    }

    /// Parses the files under a directory (or one file), returning what loaded and every issue.
    public static func parseDirectory(_ path: String) -> (policies: [Policy], issues: [PolicyIssue]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ([], [PolicyIssue(.error, SourceLocation(file: path, line: 1), "no such file or directory")])
        }
        let files: [String]
        if isDirectory.boolValue {
            let enumerator = FileManager.default.enumerator(atPath: path)
            var found: [String] = []
            while let relative = enumerator?.nextObject() as? String {
                // Policy authors' test cases live beside the policies, not among them.
                if relative == testDirectoryName { enumerator?.skipDescendants(); continue }
                if relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") { found.append((path as NSString).appendingPathComponent(relative)) }
            }
            files = found.sorted()
            if files.isEmpty {
                return ([], [PolicyIssue(.error, SourceLocation(file: path, line: 1), "no policy files (*.yaml) in this directory")])
            }
        } else {
            files = [path]
        }
        var policies: [Policy] = []
        var issues: [PolicyIssue] = []
        for file in files {
            let (policy, fileIssues) = PolicyLoader.load(path: file)
            issues += fileIssues
            if let policy { policies.append(policy) }
        }
        return (policies, issues)
    }

    /// The folder under a policy directory that holds the policies' test cases (`medpolicy policies test`).
    public static let testDirectoryName = "tests"

    static func crossCheck(_ policies: [Policy]) -> [PolicyIssue] {
        var issues: [PolicyIssue] = []
        var seen: [String: Policy] = [:]
        for policy in policies {
            if let first = seen[policy.id] {
                issues.append(PolicyIssue(.error, policy.location, "duplicate policy id '\(policy.id)' (also in \(first.location))"))
            }
            seen[policy.id] = policy
        }
        for (index, a) in policies.enumerated() {
            for b in policies[(index + 1)...] where a.payer == b.payer && a.id != b.id && Self.sameJurisdiction(a, b) {
                let overlapStart = max(a.effectiveFrom, b.effectiveFrom)
                let ends = [a.effectiveTo, b.effectiveTo].compactMap { $0 }
                if let end = ends.min(), end < overlapStart { continue }
                let lines = LineOfBusiness.allCases.filter { a.covers($0) && b.covers($0) }
                if !lines.isEmpty {
                    issues.append(PolicyIssue(.error, b.location,
                        "effective period of '\(b.id)' overlaps '\(a.id)' (\(a.location)) for payer \(a.payer), line(s) of business \(lines.map(\.rawValue).joined(separator: ", ")) from \(overlapStart)"))
                }
            }
        }
        for policy in policies {
            for exception in policy.exceptions {
                if case .route(let target) = exception.action, seen[target] == nil {
                    issues.append(PolicyIssue(.error, exception.location, "exception '\(exception.id)' routes to unknown policy '\(target)'"))
                }
            }
        }
        return issues
    }

    /// Policies of different contractors, or one limited to a jurisdiction and one not (the payer's
    /// default where no jurisdiction is known), do not compete for a claim.
    static func sameJurisdiction(_ a: Policy, _ b: Policy) -> Bool {
        switch (a.jurisdiction, b.jurisdiction) {
        case (nil, nil): return true
        case let (x?, y?): return x.contractor == y.contractor || !x.states.isDisjoint(with: y.states)
        default: return false
        }
    }

    public func policy(id: String) -> Policy? {
        if let standIn, standIn.replaced.contains(id) { return standIn.policy }
        return byId[id]
    }

    /// Payers that have at least one policy, sorted.
    public private(set) var payers: [String]

    /// This library with `policy` deciding every claim that selection gives to a policy of `ids`
    /// (or of `policy`'s own id): chosen by payer, line of business, date and jurisdiction, or
    /// routed there by a program exception, as the loaded policies say. The stand-in applies its
    /// own effective period, exceptions and lines of business; the rest of the library is unchanged.
    /// `medpolicy policies impact` decides one claim file twice this way.
    public func deciding(by policy: Policy, inPlaceOf ids: Set<String>) -> PolicyLibrary {
        var library = self
        let replaced = ids.union([policy.id])
        library.standIn = (replaced, policy)
        library.policies = (selectable.filter { !replaced.contains($0.id) } + [policy])
            .sorted { ($0.payer, $0.effectiveFrom) < ($1.payer, $1.effectiveFrom) }
        library.payers = Array(Set(library.policies.map(\.payer))).sorted()
        return library
    }

    /// Payers with a policy (their own, or one a program exception routes to) that has a rule met at
    /// claim time by a prior authorization (`atClaim: authorization`): only their claims need the
    /// member's authorizations looked up.
    public var authorizingPayers: Set<String> {
        let authorizing = Set(policies.filter { $0.rules.contains { $0.atClaim == .authorization } }.map(\.id))
        var payers = Set<String>()
        for policy in policies {
            let routes = policy.exceptions.contains {
                if case .route(let target) = $0.action { return authorizing.contains(target) }
                return false
            }
            if authorizing.contains(policy.id) || routes { payers.insert(policy.payer) }
        }
        return payers
    }

    /// Picks the policy for a payer, line of business and date of service.
    /// With a contractor or the billing provider's state, a policy of that jurisdiction in effect on
    /// the date is chosen first (a Medicare LCD); otherwise, and when none is, a policy limited to no
    /// jurisdiction, as before.
    public func select(payer: String, lineOfBusiness: LineOfBusiness, on date: LocalDate,
                       contractor: String? = nil, state: String? = nil) -> PolicySelection {
        let selection = selectLoaded(payer: payer, lineOfBusiness: lineOfBusiness, on: date, contractor: contractor, state: state)
        guard let standIn else { return selection }
        let stand = standIn.policy
        switch selection {
        case .policy(let chosen, let routedBy?) where standIn.replaced.contains(chosen.id):
            // Routed here by another policy's exception: the stand-in receives the route.
            guard stand.isEffective(on: date) else { return .none(reason: Self.notInEffect(stand, chosen, date)) }
            return .policy(stand, routedBy: routedBy)
        case .policy(let chosen, nil) where standIn.replaced.contains(chosen.id),
             .deferred(let chosen, _) where standIn.replaced.contains(chosen.id):
            guard stand.isEffective(on: date) else { return .none(reason: Self.notInEffect(stand, chosen, date)) }
            if let exception = stand.exceptions.first(where: { $0.covers(lineOfBusiness) }) {
                switch exception.action {
                case .defer: return .deferred(stand, exception)
                case .route(let target):
                    guard let routed = byId[target], routed.isEffective(on: date) else {
                        return .none(reason: "\(stand.id) sends \(lineOfBusiness.rawValue) members to \(target), which is not in effect on \(date)")
                    }
                    return .policy(routed, routedBy: (stand, exception))
                }
            }
            guard stand.covers(lineOfBusiness) else {
                return .none(reason: "\(stand.id), deciding in place of \(chosen.id), does not cover line of business \(lineOfBusiness.rawValue)")
            }
            return .policy(stand, routedBy: nil)
        default:
            return selection
        }
    }

    private static func notInEffect(_ stand: Policy, _ chosen: Policy, _ date: LocalDate) -> String {
        "\(stand.id), deciding in place of \(chosen.id), is not in effect on \(date)"
    }

    /// Selection over the policies as loaded.
    private func selectLoaded(payer: String, lineOfBusiness: LineOfBusiness, on date: LocalDate,
                              contractor: String?, state: String?) -> PolicySelection {
        if contractor != nil || state != nil {
            for policy in selectable where policy.payer == payer && policy.isEffective(on: date) && policy.covers(lineOfBusiness)
                && policy.jurisdiction?.matches(contractor: contractor, state: state) == true {
                return .policy(policy, routedBy: nil)
            }
        }
        // Not `filter`: that copies every candidate policy, and this runs once per decision.
        for policy in selectable where policy.payer == payer && policy.isEffective(on: date) && policy.jurisdiction == nil {
            // By position: `first(where:)` copies each exception it looks at, retaining its strings.
            if let found = policy.exceptions.indices.first(where: { policy.exceptions[$0].covers(lineOfBusiness) }) {
                let exception = policy.exceptions[found]
                switch exception.action {
                case .defer: return .deferred(policy, exception)
                case .route(let target):
                    guard let routed = byId[target], routed.isEffective(on: date) else {
                        return .none(reason: "\(policy.id) sends \(lineOfBusiness.rawValue) members to \(target), which is not in effect on \(date)")
                    }
                    return .policy(routed, routedBy: (policy, exception))
                }
            }
            if policy.covers(lineOfBusiness) { return .policy(policy, routedBy: nil) }
        }
        if selectable.contains(where: { $0.payer == payer }) {
            return .none(reason: "no \(payer) policy is in effect on \(date) for line of business \(lineOfBusiness.rawValue)")
        }
        return .none(reason: "no policy for payer '\(payer)' (known payers: \(payers.joined(separator: ", ")))")
    }
}

/// The outcome of choosing a policy.
public enum PolicySelection: Sendable {
    /// This policy decides; `routedBy` names the policy and exception that sent the encounter here.
    case policy(Policy, routedBy: (Policy, ProgramException)?)
    /// The payer's policy defers this line of business elsewhere (FEP, SAO).
    case deferred(Policy, ProgramException)
    /// No policy is in effect.
    case none(reason: String)
}
