import CodeSets
import Model
import Policies

/// The policies' criteria, flattened once per context: nodes in one array, each node's children
/// by position, and every distinct fact once, reduced to plain values (bit sets instead of Swift
/// sets). A fact that several rules or payers ask about is decided once per encounter
/// (``EncounterFacts/memo``).
struct CriterionProgram: Sendable {
    enum Node: Sendable {
        /// Children are `children[range]`.
        case all(Range<Int>)
        case any(Range<Int>)
        case atLeast(Int, Range<Int>)
        case not(Int)
        case fact(Int)
    }

    let nodes: [Node]
    let children: [Int]
    /// Distinct facts, by index.
    let facts: [FactTest]
    /// The prior-service counts facts test, by the index their ``FactTest/priorServices(_:)`` holds.
    let priorCounts: [PriorServiceCount]
    /// What each fact requires, in words, by index (explanations repeat them on every claim that
    /// leaves them unmet or unknown).
    let requirements: [String]

    init(_ compiler: CriterionCompiler) {
        nodes = compiler.nodes
        children = compiler.children
        facts = compiler.facts
        priorCounts = compiler.priorCounts
        requirements = compiler.requirements
    }
}

/// Builds a ``CriterionProgram`` rule by rule.
struct CriterionCompiler {
    private(set) var nodes: [CriterionProgram.Node] = []
    private(set) var children: [Int] = []
    private(set) var facts: [FactTest] = []
    private(set) var priorCounts: [PriorServiceCount] = []
    private(set) var requirements: [String] = []
    private var factIndex: [Fact: Int] = [:]

    /// Adds a rule's `when` and criteria check; returns their roots.
    mutating func compile(_ rule: Rule) -> RuleCriteria {
        var roots = RuleCriteria(when: rule.when.map { compile($0) })
        if case .criteria(let criterion) = rule.check { roots.check = compile(criterion) }
        return roots
    }

    /// Adds a criterion; returns its root node.
    mutating func compile(_ criterion: Criterion) -> Int {
        switch criterion {
        case .all(let parts): return append(.all(compile(parts)))
        case .any(let parts): return append(.any(compile(parts)))
        case .atLeast(let n, let parts): return append(.atLeast(n, compile(parts)))
        case .not(let inner): return append(.not(compile(inner)))
        case .fact(let fact):
            if let known = factIndex[fact] { return append(.fact(known)) }
            factIndex[fact] = facts.count
            facts.append(FactTest(fact, priorCounts: &priorCounts))
            requirements.append(fact.requirement)
            return append(.fact(facts.count - 1))
        }
    }

    private mutating func compile(_ parts: [Criterion]) -> Range<Int> {
        var roots: [Int] = []
        for part in parts { roots.append(compile(part)) }
        children.append(contentsOf: roots)
        return (children.count - roots.count)..<children.count
    }

    private mutating func append(_ node: CriterionProgram.Node) -> Int {
        nodes.append(node)
        return nodes.count - 1
    }
}

/// A fact with its sets as bit masks (``CaseBits``), so that testing it copies no set.
enum FactTest: Sendable {
    case finding(Finding)
    /// `nil` masks and bounds mean "any".
    case conservativeTherapy(types: UInt64?, minDays: Int?, minMonths: Int?, outcomes: UInt64?)
    case pharmacotherapy(classes: UInt64?, minDays: Int?, outcomes: UInt64?, current: Bool)
    case treatmentPlan(UInt64)
    case documented(UInt64)
    case painOnset(OnsetBound)
    case priorImprovement(minPercent: Int)
    case priorResponse(pain: Bool, function: Bool, rangeOfMotion: Bool)
    case sitesDocumented
    /// Its count is `priorCounts[index]` in the program.
    case priorServices(Int)

    /// - Parameter priorCounts: where a prior-service count is kept; its index goes in the test.
    init(_ fact: Fact, priorCounts: inout [PriorServiceCount]) {
        switch fact {
        case .finding(let finding): self = .finding(finding)
        case .conservativeTherapy(let types, let minDays, let minMonths, let outcomes):
            self = .conservativeTherapy(types: types.map(FactMasks.therapyTypes.mask), minDays: minDays, minMonths: minMonths,
                                        outcomes: outcomes.map(FactMasks.therapyOutcomes.mask))
        case .pharmacotherapy(let classes, let minDays, let outcomes, let current):
            self = .pharmacotherapy(classes: classes.map(FactMasks.drugClasses.mask), minDays: minDays,
                                    outcomes: outcomes.map(FactMasks.therapyOutcomes.mask), current: current)
        case .treatmentPlan(let components): self = .treatmentPlan(FactMasks.therapyTypes.mask(components))
        case .documented(let elements): self = .documented(FactMasks.documents.mask(elements))
        case .painOnset(let bound): self = .painOnset(bound)
        case .priorImprovement(let percent): self = .priorImprovement(minPercent: percent)
        case .priorResponse(let measures):
            self = .priorResponse(pain: measures.contains(.pain), function: measures.contains(.function),
                                  rangeOfMotion: measures.contains(.rangeOfMotion))
        case .sitesDocumented: self = .sitesDocumented
        case .priorServices(let count):
            priorCounts.append(count)
            self = .priorServices(priorCounts.count - 1)
        }
    }
}

/// One bit per case of a small enum, in declaration order.
struct CaseBits<Value: CaseIterable & Equatable>: Sendable where Value: Sendable {
    let order: [Value]

    init() {
        order = Array(Value.allCases)
        precondition(order.count <= 64, "\(Value.self) has more cases than a 64-bit mask holds")
    }

    func bit(_ value: Value) -> UInt64 {
        // Every case is in `order`: the loop always returns.
        for (position, candidate) in order.enumerated() where candidate == value { return 1 << UInt64(position) }
        return 0
    }

    func mask(_ values: some Sequence<Value>) -> UInt64 { values.reduce(0) { $0 | bit($1) } }

    /// The values whose bits are set, in declaration order.
    func values(_ mask: UInt64) -> [Value] {
        order.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { order[$0] }
    }
}

/// The masks of the sets the engine tests, by the enum they are sets of: facts' sets, and a
/// service's anatomic regions.
enum FactMasks {
    static let therapyTypes = CaseBits<TherapyType>()
    static let therapyOutcomes = CaseBits<TherapyOutcome>()
    static let drugClasses = CaseBits<DrugClass>()
    static let documents = CaseBits<DocumentationElement>()
    static let regions = CaseBits<AnatomicRegion>()
}
