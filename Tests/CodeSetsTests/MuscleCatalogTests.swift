import CodeSets
import Testing

@Suite("MuscleCatalog")
struct MuscleCatalogTests {
    let catalog: MuscleCatalog

    init() throws {
        catalog = try MuscleCatalog.loadBundled()
    }

    private func resolvedName(_ name: String) -> String? {
        if case .muscle(let muscle) = catalog.resolve(name) { return muscle.name }
        return nil
    }

    // MARK: Catalog shape

    @Test func catalogIsLargeAndCoversEveryRegion() {
        #expect(catalog.muscles.count >= 70)
        for region in AnatomicRegion.allCases where region != .abdomen {
            #expect(!catalog.muscles(in: region).isEmpty, "no muscles in \(region)")
        }
        #expect(catalog.muscles(in: .neck).contains { $0.name == "sternocleidomastoid" })
        #expect(catalog.muscles(in: .lowerBack).contains { $0.name == "quadratus lumborum" })
        #expect(!catalog.muscles(in: .hipPelvis).contains { $0.name == "quadratus lumborum" })
    }

    @Test("a region in words is its code with spaces for underscores, for every region")
    func regionWords() {
        for region in AnatomicRegion.allCases {
            #expect(region.words == region.rawValue.split(separator: "_").joined(separator: " "))
        }
        #expect(AnatomicRegion.upperBack.words == "upper back")
    }

    @Test func namesAreUnique() {
        let names = catalog.muscles.map(\.name)
        #expect(Set(names).count == names.count)
        let groups = catalog.groups.map(\.name)
        #expect(Set(groups).count == groups.count)
        #expect(Set(names).isDisjoint(with: groups))
    }

    @Test func everyNameAndSynonymResolvesToItsOwnMuscle() {
        for muscle in catalog.muscles {
            #expect(catalog.resolve(muscle.name) == .muscle(muscle))
            for synonym in muscle.synonyms {
                #expect(catalog.resolve(synonym) == .muscle(muscle), "\"\(synonym)\" should be \(muscle.name)")
            }
        }
    }

    @Test func noNameMatchesTwoEntries() {
        var owner: [String: String] = [:]
        var clashes: [String] = []
        func claim(_ name: String, _ entry: String) {
            let key = MuscleCatalog.normalize(name)
            if let other = owner[key], other != entry { clashes.append("\(name): \(other) / \(entry)") }
            owner[key] = entry
        }
        for muscle in catalog.muscles {
            claim(muscle.name, "muscle \(muscle.name)")
            muscle.synonyms.forEach { claim($0, "muscle \(muscle.name)") }
        }
        for group in catalog.groups {
            claim(group.name, "group \(group.name)")
            group.aliases.forEach { claim($0, "group \(group.name)") }
        }
        #expect(clashes.isEmpty, "\(clashes)")
    }

    @Test func groupAliasesResolveToTheirGroupAndMembersExist() {
        for group in catalog.groups {
            for alias in [group.name] + group.aliases {
                #expect(catalog.resolve(alias) == .nonSpecific(group: group.name, hint: group.hint), "\"\(alias)\"")
            }
            #expect(!group.hint.isEmpty)
            for member in group.members {
                let muscle = catalog.muscle(named: member)
                #expect(muscle != nil, "\(group.name): \(member)")
                if let region = group.region { #expect(muscle?.region == region) }
            }
        }
    }

    // MARK: Resolution

    @Test(arguments: [
        ("Upper Trapezius", "trapezius"),
        ("trapezius muscle", "trapezius"),
        ("trapezius upper fibers", "trapezius"),
        ("upper fibers of the trapezius", "trapezius"),
        ("R trapezius, upper fibers", "trapezius"),
        ("TRAPS", "trapezius"),
        ("Levator-Scapulae", "levator scapulae"),
        ("levator scap", "levator scapulae"),
        ("QL", "quadratus lumborum"),
        ("quadratus lumborum muscles", "quadratus lumborum"),
        ("SCM", "sternocleidomastoid"),
        ("gluteus med", "gluteus medius"),
        ("Left Gluteus Medius Muscle", "gluteus medius"),
        ("gluteus  medius", "gluteus medius"),
        ("rhomboid major", "rhomboid major"),
        ("major rhomboid", "rhomboid major"),
        ("scalenus anterior", "anterior scalene"),
        ("scalene, anterior", "anterior scalene"),
        ("Tensor Fascia Lata", "tensor fasciae latae"),
        ("TFL", "tensor fasciae latae"),
        ("lumbar multifidus", "multifidus"),
        ("multifidi", "multifidus"),
        ("psoas", "psoas major"),
        ("lateral pterygoid", "lateral pterygoid"),
        ("pterygoideus medialis", "medial pterygoid"),
        ("ECRB", "extensor carpi radialis brevis"),
        ("biceps", "biceps brachii"),
        ("Piriformis", "piriformis"),
        ("pec minor", "pectoralis minor"),
        ("lats", "latissimus dorsi"),
        ("teres minor", "teres minor"),
        ("Infraspinatus", "infraspinatus"),
    ])
    func synonymsResolve(input: String, expected: String) {
        #expect(resolvedName(input) == expected)
    }

    @Test func erectorSpinaePartsMapToTheirRegion() {
        let cases: [(String, String, AnatomicRegion)] = [
            ("iliocostalis cervicis", "iliocostalis cervicis", .neck),
            ("thoracic iliocostalis", "iliocostalis thoracis", .upperBack),
            ("lumbar iliocostalis", "iliocostalis lumborum", .lowerBack),
            ("longissimus capitis", "longissimus capitis", .neck),
            ("thoracic longissimus", "longissimus thoracis", .upperBack),
            ("lumbar longissimus", "longissimus thoracis pars lumborum", .lowerBack),
            ("spinalis thoracis", "spinalis thoracis", .upperBack),
            ("cervical multifidus", "cervical multifidus", .neck),
            ("semispinalis capitis", "semispinalis capitis", .neck),
        ]
        for (input, name, region) in cases {
            guard case .muscle(let muscle) = catalog.resolve(input) else {
                Issue.record("\"\(input)\" did not resolve to a muscle")
                continue
            }
            #expect(muscle.name == name)
            #expect(muscle.region == region, "\(input)")
            #expect(muscle.paired)
        }
    }

    @Test(arguments: [
        ("paraspinals", "paraspinals"),
        ("Paraspinal", "paraspinals"),
        ("paraspinous muscles", "paraspinals"),
        ("lumbar paraspinals", "lumbar paraspinals"),
        ("cervical paraspinal muscles", "cervical paraspinals"),
        ("erector spinae", "erector spinae"),
        ("rotator cuff", "rotator cuff"),
        ("Rotator-Cuff muscles", "rotator cuff"),
        ("hamstrings", "hamstrings"),
        ("quadriceps", "quadriceps"),
        ("quads", "quadriceps"),
        ("neck muscles", "neck muscles"),
        ("back", "back"),
        ("shoulder", "shoulder"),
        ("gluteals", "gluteals"),
        ("glutes", "gluteals"),
        ("suboccipitals", "suboccipitals"),
        ("scalenes", "scalenes"),
        ("rhomboids", "rhomboids"),
        ("longissimus", "longissimus"),
        ("iliopsoas", "iliopsoas"),
    ])
    func groupNamesAreNonSpecific(input: String, group: String) {
        guard case .nonSpecific(let resolved, let hint) = catalog.resolve(input) else {
            Issue.record("\"\(input)\" should be non-specific, got \(catalog.resolve(input))")
            return
        }
        #expect(resolved == group)
        #expect(!hint.isEmpty)
    }

    @Test func groupHintsNameTheMuscles() throws {
        guard case .nonSpecific(_, let hint) = catalog.resolve("rotator cuff") else {
            Issue.record("rotator cuff should be non-specific")
            return
        }
        for muscle in ["supraspinatus", "infraspinatus", "teres minor", "subscapularis"] {
            #expect(hint.contains(muscle))
        }
        let lumbar = try #require(catalog.group("lumbar paraspinals"))
        #expect(lumbar.region == .lowerBack)
        #expect(lumbar.members.contains("multifidus"))
        #expect(catalog.group("paraspinals")?.region == nil)
        #expect(catalog.group("trapezius") == nil)
    }

    @Test func unknownNames() {
        #expect(catalog.resolve("xyz") == .unknown)
        #expect(catalog.resolve("") == .unknown)
        #expect(catalog.resolve("   ") == .unknown)
        #expect(catalog.resolve("muscle") == .unknown)
        #expect(catalog.resolve("left") == .unknown)
        #expect(catalog.resolve("trapezoid") == .unknown)
    }

    @Test func normalization() {
        #expect(MuscleCatalog.normalize("  Levator-Scapulae  Muscles ") == "levator scapulae")
        #expect(MuscleCatalog.normalize("Gluteus Medius (R)") == "gluteus medius")
        #expect(MuscleCatalog.normalize("rhomboids") == "rhomboid")
        #expect(MuscleCatalog.normalize("biceps") == "biceps")
        #expect(MuscleCatalog.normalize("traps") == "trap")
        #expect(MuscleCatalog.normalize("psoas") == "psoas")
        #expect(MuscleCatalog.normalize("rectus abdominis") == "rectus abdominis")
    }

    // MARK: Parsing and located errors

    private func parseError(_ tsv: String) -> CodeTableError? {
        do {
            _ = try MuscleCatalog(tsv: tsv, file: "m.tsv")
            return nil
        } catch let error as CodeTableError {
            return error
        } catch {
            return nil
        }
    }

    @Test func malformedCatalogRowsAreLocatedErrors() throws {
        let region = parseError("# c\nmuscle\ttrapezius\tneck\tyes\t\nmuscle\tsoleus\tcalf\tyes\t")
        #expect(region?.line == 3)
        #expect(region?.message.hasPrefix("unknown region \"calf\"") == true)

        let fields = parseError("muscle\ttrapezius neck yes")
        #expect(fields?.line == 1)
        #expect(fields.map(String.init(describing:))?.hasPrefix("m.tsv:1: expected 4 to 5 tab-separated fields") == true)
        #expect(fields?.message.hasSuffix("found 2") == true)

        let spaces = parseError("muscle trapezius neck yes")
        #expect(spaces?.message == "unknown row kind \"muscle trapezius neck yes\" (expected muscle or group)")

        let paired = parseError("muscle\ttrapezius\tneck\tmaybe\t")
        #expect(paired == CodeTableError(file: "m.tsv", line: 1, message: "paired must be yes or no, found \"maybe\""))

        let clash = parseError("muscle\ttrapezius\tneck\tyes\ttrap\nmuscle\ttrapezoid\tneck\tyes\ttraps")
        #expect(clash?.line == 2)
        #expect(clash?.message.contains("\"traps\" of trapezoid matches the same as \"trap\" on line 1") == true)

        let member = parseError("muscle\ttrapezius\tneck\tyes\t\ngroup\tneck\tneck\ttrapezius; platysma\tneck\tname them")
        #expect(member?.line == 2)
        #expect(member?.message.contains("member \"platysma\" is not a muscle") == true)

        let kind = parseError("tendon\tachilles")
        #expect(kind?.line == 1)

        // Well-formed input parses, including "\r\n" line ends and an empty synonym list.
        let small = try MuscleCatalog(tsv: "muscle\tmasseter\thead_jaw\tno\t\r\ngroup\tjaw\thead_jaw\tmasseter\tjaw muscles\tmasseter\r\n")
        #expect(small.muscles == [Muscle(name: "masseter", synonyms: [], region: .headJaw, paired: false)])
        #expect(small.resolve("jaw") == .nonSpecific(group: "jaw", hint: "masseter"))
    }
}
