import Foundation
import Model

/// The anatomic regions "per anatomic location" limits count by (docs/determinations.md § Code sets).
public enum AnatomicRegion: String, Sendable, CaseIterable, Codable {
    case headJaw = "head_jaw"
    case neck
    case upperBack = "upper_back"
    case shoulderGirdle = "shoulder_girdle"
    case chest
    case abdomen
    case upperLimb = "upper_limb"
    case lowerBack = "lower_back"
    case hipPelvis = "hip_pelvis"
    case lowerLimb = "lower_limb"

    /// The region in words ("upper back"), as messages name it; a switch, since every limit message
    /// by location names the encounter's regions.
    public var words: String {
        switch self {
        case .headJaw: "head jaw"
        case .neck: "neck"
        case .upperBack: "upper back"
        case .shoulderGirdle: "shoulder girdle"
        case .chest: "chest"
        case .abdomen: "abdomen"
        case .upperLimb: "upper limb"
        case .lowerBack: "lower back"
        case .hipPelvis: "hip pelvis"
        case .lowerLimb: "lower limb"
        }
    }
}

/// One skeletal muscle of the catalog.
public struct Muscle: Sendable, Hashable {
    /// The canonical name (lower case, e.g. "levator scapulae").
    public let name: String
    /// Other names, abbreviations and common misspellings that mean this muscle.
    public let synonyms: [String]
    public let region: AnatomicRegion
    /// Whether there is a left and a right muscle (each counts as one muscle when injected).
    public let paired: Bool

    public init(name: String, synonyms: [String] = [], region: AnatomicRegion, paired: Bool = true) {
        self.name = name; self.synonyms = synonyms; self.region = region; self.paired = paired
    }
}

/// A name that stands for several muscles ("paraspinals", "rotator cuff") or for none in particular
/// ("back"): documenting it instead of the muscles is a documentation issue.
public struct MuscleGroup: Sendable, Hashable {
    public let name: String
    public let aliases: [String]
    /// The region all members lie in, when they share one.
    public let region: AnatomicRegion?
    /// Catalog names of the muscles the group stands for (may be empty).
    public let members: [String]
    /// Which muscles the note should name instead.
    public let hint: String
}

public enum MuscleResolution: Sendable, Equatable {
    case muscle(Muscle)
    case nonSpecific(group: String, hint: String)
    case unknown
}

/// The catalog of injectable muscles and of the group names that are not one muscle.
///
/// A class: every decision resolves its sites through it, and a struct of four tables was copied,
/// each table retained, on every call.
public final class MuscleCatalog: Sendable {
    public static let file = "muscles.tsv"

    /// Every muscle, in file order.
    public let muscles: [Muscle]
    /// Every group name, in file order.
    public let groups: [MuscleGroup]

    /// What a name stands for, by position in ``muscles`` or ``groups``.
    public enum Entry: Sendable, Hashable {
        case muscle(Int), group(Int)
    }
    /// Normalized name → entry. Every site of every decision is looked up here.
    private let index: [String: Entry]
    /// Normalized name with its words sorted → entry, only for word bags that identify one entry.
    private let bagIndex: [String: Entry]

    public static func loadBundled() throws -> MuscleCatalog {
        try MuscleCatalog(tsv: TSV.resource("muscles"), file: file)
    }

    /// Parses a catalog in the format of `Resources/muscles.tsv` (described in its header).
    public init(tsv text: String, file: String = MuscleCatalog.file) throws {
        var muscles: [Muscle] = []
        var groups: [MuscleGroup] = []
        var groupRows: [TSVRow] = []
        var index: [String: (entry: Entry, line: Int, name: String)] = [:]

        func register(_ name: String, _ entry: Entry, owner: String, row: TSVRow) throws {
            let key = Self.normalize(name)
            guard !key.isEmpty else { throw row.error("\"\(name)\" has no words left to match on") }
            if let existing = index[key] {
                if existing.entry == entry { return }  // e.g. "traps" and "trap": same key, same muscle
                throw row.error("\"\(name)\" of \(owner) matches the same as \"\(existing.name)\" on line \(existing.line)")
            }
            index[key] = (entry, row.line, name)
        }

        for row in TSV.parse(text, file: file) {
            switch row[0] {
            case "muscle":
                try row.expectFields(4...5, "muscle, name, region, paired, synonyms")
                let name = try row.required(1, "name")
                let region = try Self.region(try row.required(2, "region"), row: row)
                let paired: Bool
                switch try row.required(3, "paired") {
                case "yes": paired = true
                case "no": paired = false
                default: throw row.error("paired must be yes or no, found \"\(row[3])\"")
                }
                let synonyms = listField(row[4])
                let entry = Entry.muscle(muscles.count)
                try register(name, entry, owner: name, row: row)
                for synonym in synonyms { try register(synonym, entry, owner: name, row: row) }
                muscles.append(Muscle(name: name, synonyms: synonyms, region: region, paired: paired))
            case "group":
                try row.expectFields(6...6, "group, name, region, members, aliases, hint")
                let name = try row.required(1, "name")
                let regionField = try row.required(2, "region")
                let region = regionField == "-" ? nil : try Self.region(regionField, row: row)
                let aliases = listField(try row.required(4, "aliases"))
                let hint = try row.required(5, "hint")
                let entry = Entry.group(groups.count)
                try register(name, entry, owner: "group \(name)", row: row)
                for alias in aliases { try register(alias, entry, owner: "group \(name)", row: row) }
                groups.append(MuscleGroup(name: name, aliases: aliases, region: region,
                                          members: listField(row[3]), hint: hint))
                groupRows.append(row)
            default:
                throw row.error("unknown row kind \"\(row[0])\" (expected muscle or group)")
            }
        }

        // Group members must be catalog muscles, in the group's region when it has one.
        let byName = Dictionary(uniqueKeysWithValues: muscles.map { ($0.name, $0) })
        for (group, row) in zip(groups, groupRows) {
            for member in group.members {
                guard let muscle = byName[member] else {
                    throw row.error("group \(group.name): member \"\(member)\" is not a muscle of the catalog")
                }
                if let region = group.region, muscle.region != region {
                    throw row.error("group \(group.name) is in \(region.rawValue) but member \(member) is in \(muscle.region.rawValue)")
                }
            }
        }

        var bags: [String: Entry?] = [:]
        for (key, value) in index {
            let bag = Self.bag(key)
            if let existing = bags[bag], existing != value.entry {
                bags[bag] = .some(nil)  // ambiguous word bag: only exact matches resolve
            } else {
                bags[bag] = value.entry
            }
        }

        self.muscles = muscles
        self.groups = groups
        self.index = index.mapValues(\.entry)
        self.bagIndex = bags.compactMapValues { $0 }
    }

    /// What a documented muscle name means: a catalog muscle, a group that is not one muscle, or unknown.
    /// Ignores case, hyphens and punctuation, simple plurals, the words "muscle", "left", "right",
    /// "bilateral", "of", "the", and word order when the words identify one entry:
    /// "Upper Trapezius", "trapezius muscle", "Levator-Scapulae", "R trapezius, upper fibers".
    public func resolve(_ name: String) -> MuscleResolution {
        guard let entry = entry(for: name) else { return .unknown }
        switch entry {
        case .muscle(let i):
            return .muscle(muscles[i])
        case .group(let i):
            return .nonSpecific(group: groups[i].name, hint: groups[i].hint)
        }
    }

    /// What `name` stands for, by position, matched as ``resolve(_:)`` matches it; `nil` when unknown.
    /// Positions, not values: the engine resolves every site of every decision, and a ``Muscle``
    /// copy retained its name and synonyms.
    public func entry(for name: String) -> Entry? {
        // Fast path: most records use the catalog's own spelling; normalizing goes through Foundation.
        if let exact = index[name] { return exact }
        let key = Self.normalize(name)
        return key.isEmpty ? nil : index[key] ?? bagIndex[Self.bag(key)]
    }

    /// The muscles of a region, in file order.
    public func muscles(in region: AnatomicRegion) -> [Muscle] {
        muscles.filter { $0.region == region }
    }

    /// The catalog muscle with this canonical name.
    public func muscle(named name: String) -> Muscle? {
        muscles.first { $0.name == name }
    }

    /// The group a name resolves to, for its region and members.
    public func group(_ name: String) -> MuscleGroup? {
        guard case .nonSpecific(let group, _) = resolve(name) else { return nil }
        return groups.first { $0.name == group }
    }

    // MARK: Normalization

    /// Words dropped before matching.
    private static let ignoredWords: Set<String> = [
        "muscle", "musculus", "m", "mm", "the", "of",
        "left", "right", "bilateral", "bilat", "l", "r", "lt", "rt", "both",
    ]
    /// Latin and Greek endings that look like English plurals but are not ("gluteus", "abdominis", "psoas").
    private static let keptEndings = ["us", "is", "ss", "as", "os"]
    private static let keptWords: Set<String> = ["biceps", "triceps", "quadriceps"]

    /// The matching key of a name: lower case, diacritics folded, punctuation as spaces, words singular,
    /// ignored words dropped, words joined by one space.
    public static func normalize(_ name: String) -> String {
        let folded = name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        let spaced = String(folded.map { $0.isLetter || $0.isNumber ? $0 : " " })
        return spaced.split(separator: " ")
            .map { singular(String($0)) }
            .filter { !ignoredWords.contains($0) }
            .joined(separator: " ")
    }

    private static func singular(_ word: String) -> String {
        var word = word
        if word == "fibres" || word == "fibre" { word = "fiber" }
        guard word.count >= 3, word.hasSuffix("s"), !keptWords.contains(word),
              !keptEndings.contains(where: word.hasSuffix) else { return word }
        return String(word.dropLast())
    }

    private static func bag(_ key: String) -> String {
        key.split(separator: " ").sorted().joined(separator: " ")
    }

    private static func region(_ value: String, row: TSVRow) throws -> AnatomicRegion {
        guard let region = AnatomicRegion(rawValue: value) else {
            let known = AnatomicRegion.allCases.map(\.rawValue).joined(separator: ", ")
            throw row.error("unknown region \"\(value)\" (expected one of: \(known))")
        }
        return region
    }
}
