import Foundation
import Testing
import Engine
import Model
import SyntheticClaims

/// `CanonicalJSON` must write exactly what `JSONEncoder([.sortedKeys, .withoutEscapingSlashes])`
/// writes: the history stores compare encounters by these bytes, and rows written by earlier
/// versions (with JSONEncoder) must keep replaying. Compared here on every example encounter and
/// on every determination the engine makes of it under every payer.
@Suite("Canonical JSON")
struct CanonicalJSONTests {
    static func foundation<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static let examples: [String] = {
        let directory = Fixture.repositoryRoot.appendingPathComponent("Examples")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted().map { directory.appendingPathComponent($0).path }
    }()

    @Test("every example encounter and every determination of it, under every payer, byte for byte")
    func examplesAndDeterminations() throws {
        #expect(Self.examples.count >= 15)
        var compared = 0
        for path in Self.examples {
            let encounter = try EncounterReader.decode(try #require(FileManager.default.contents(atPath: path)))
            #expect(try CanonicalJSON.encode(encounter) == Self.foundation(encounter), "\(path)")
            for determination in try Fixture.evaluator().evaluateAllPayers(encounter) {
                #expect(try CanonicalJSON.encode(determination) == Self.foundation(determination), "\(path) \(determination.payer)")
                compared += 1
            }
        }
        #expect(compared >= 75)
    }

    @Test("escapes, numbers and key order as JSONEncoder writes them")
    func awkwardValues() throws {
        let text = "q\"b\\s/c\u{0}\u{1}\u{8}\u{9}\u{a}\u{c}\u{d}\u{1f}\u{7f}\u{2028}\u{2029}é😀"
        #expect(try CanonicalJSON.encode([text]) == Self.foundation([text]))
        let numbers = [150.0, 150.5, 0.1, 1e20, 1e-7, 123456789012345680.0, -0.0, 1e16, 1e15, 12345.678, 100.25, 3.0e10]
        #expect(try CanonicalJSON.string(numbers) == String(decoding: try Self.foundation(numbers), as: UTF8.self))
        let keys = ["a": 1, "B": 2, "_x": 3, "aa": 4, "a1": 5, "A": 6, "b": 7, "Z": 8, "é": 9, "ab": 10]
        #expect(try CanonicalJSON.encode(keys) == Self.foundation(keys))
        var line = ServiceLine(code: "20552", modifiers: ["RT", "59"], units: 3, diagnosisPointers: [1, 2])
        line.charge = 1234.5
        #expect(try CanonicalJSON.encode(line) == Self.foundation(line))
        #expect(try CanonicalJSON.string([String: Int]()) == "{}")
    }

    @Test("generated encounters and determinations, every field set and unset, byte for byte")
    func generatedValues() throws {
        var random = SplitMix64(seed: 20261123)
        for round in 0..<400 {
            let encounter = Self.encounter(&random, round: round)
            #expect(try CanonicalJSON.encode(encounter) == Self.foundation(encounter), "encounter \(round)")
            let determination = Self.determination(&random, round: round)
            #expect(try CanonicalJSON.encode(determination) == Self.foundation(determination), "determination \(round)")
        }
    }

    @Test("contract values nested in other encodable values are written as JSONEncoder writes them")
    func nestedContractValues() throws {
        var random = SplitMix64(seed: 7)
        let determinations = (0..<5).map { Self.determination(&random, round: $0) }
        #expect(try CanonicalJSON.encode(determinations) == Self.foundation(determinations))
        let keyed = ["b": Self.encounter(&random, round: 1), "a": Self.encounter(&random, round: 2)]
        #expect(try CanonicalJSON.encode(keyed) == Self.foundation(keyed))
    }

    @Test("a number JSON cannot hold is an error, not a guess")
    func nonFiniteNumbers() {
        #expect(throws: CanonicalJSON.Unrepresentable.self) { _ = try CanonicalJSON.encode([Double.nan]) }
        #expect(throws: CanonicalJSON.Unrepresentable.self) { _ = try CanonicalJSON.encode([Double.infinity]) }
        let line = ServiceLine(code: "20552", charge: .nan)
        #expect(throws: CanonicalJSON.Unrepresentable.self) { _ = try CanonicalJSON.encode(line) }
    }

    // MARK: Generated values: each optional present about half the time.

    /// A small seeded generator, so a failure names a round that reproduces.

    static let texts = ["", "a", "M79.18", "trapezius \"upper\"", "back\\slash/and/slash", "tab\there", "é😀", "line\nbreak",
                        "\u{1}\u{1f}", "Ω", "20552"]

    static func maybe<T>(_ random: inout SplitMix64, _ make: (inout SplitMix64) -> T) -> T? {
        Bool.random(using: &random) ? make(&random) : nil
    }

    static func text(_ random: inout SplitMix64) -> String { texts.randomElement(using: &random)! }

    static func date(_ random: inout SplitMix64) -> LocalDate {
        LocalDate(year: Int.random(in: 1900...2100, using: &random), month: Int.random(in: 1...12, using: &random),
                  day: Int.random(in: 1...28, using: &random))!
    }

    static func list<T>(_ random: inout SplitMix64, _ make: (inout SplitMix64) -> T) -> [T] {
        (0..<Int.random(in: 0...3, using: &random)).map { _ in make(&random) }
    }

    static func number(_ random: inout SplitMix64) -> Int {
        [0, 1, -1, 7, 42, 100, 2_147_483_648, Int.max, Int.min, -987_654_321].randomElement(using: &random)!
    }

    static func site(_ random: inout SplitMix64) -> InjectionSite {
        InjectionSite(muscle: text(&random), laterality: maybe(&random) { Laterality.allCases.randomElement(using: &$0)! },
                      triggerPoints: maybe(&random) { number(&$0) })
    }

    static func encounter(_ random: inout SplitMix64, round: Int) -> Encounter {
        let charges = [150.0, 150.5, 0.1, 1e20, 1e-7, -0.0, 12345.678, 100.25, 3.0e10, 0]
        let findings = maybe(&random) { random -> Findings in
            var findings = Findings()
            for finding in Finding.allCases { findings[finding] = maybe(&random) { Bool.random(using: &$0) } }
            return findings
        }
        let clinical = maybe(&random) { random in
            Clinical(painOnset: maybe(&random) { date(&$0) }, findings: findings,
                     conservativeTherapy: maybe(&random) { random in list(&random) { random in
                         ConservativeTherapy(type: TherapyType.allCases.randomElement(using: &random)!,
                                             start: maybe(&random) { date(&$0) }, end: maybe(&random) { date(&$0) },
                                             outcome: maybe(&random) { TherapyOutcome.allCases.randomElement(using: &$0)! })
                     } },
                     pharmacotherapy: maybe(&random) { random in list(&random) { random in
                         Pharmacotherapy(drugClass: DrugClass.allCases.randomElement(using: &random)!,
                                         start: maybe(&random) { date(&$0) }, end: maybe(&random) { date(&$0) })
                     } },
                     treatmentPlan: maybe(&random) { random in list(&random) { TherapyType.allCases.randomElement(using: &$0)! } },
                     priorInjectionResponse: maybe(&random) { random in
                         PriorInjectionResponse(percentPainImprovement: maybe(&random) { number(&$0) },
                                                functionalImprovement: maybe(&random) { Bool.random(using: &$0) },
                                                rangeOfMotionImproved: maybe(&random) { Bool.random(using: &$0) })
                     },
                     documentation: maybe(&random) { random in list(&random) { DocumentationElement.allCases.randomElement(using: &$0)! } })
        }
        return Encounter(
            id: "claim-\(round)-\(text(&random))",
            frequency: maybe(&random) { ClaimFrequency.allCases.randomElement(using: &$0)! },
            replaces: maybe(&random) { text(&$0) },
            member: Member(id: text(&random), birthDate: maybe(&random) { date(&$0) }, sex: maybe(&random) { Sex.allCases.randomElement(using: &$0)! }),
            coverage: Coverage(payer: text(&random), lineOfBusiness: maybe(&random) { LineOfBusiness.allCases.randomElement(using: &$0)! }),
            dateOfService: date(&random),
            placeOfService: maybe(&random) { text(&$0) },
            diagnoses: maybe(&random) { random in list(&random) { text(&$0) } },
            lines: list(&random) { random in
                ServiceLine(code: text(&random), modifiers: maybe(&random) { random in list(&random) { text(&$0) } },
                            units: maybe(&random) { number(&$0) },
                            diagnosisPointers: maybe(&random) { random in list(&random) { number(&$0) } },
                            charge: maybe(&random) { charges.randomElement(using: &$0)! })
            },
            procedure: maybe(&random) { random in
                Procedure(sites: maybe(&random) { random in list(&random) { site(&$0) } },
                          injectate: maybe(&random) { random in list(&random) { text(&$0) } },
                          imagingGuidance: maybe(&random) { ImagingGuidance.allCases.randomElement(using: &$0)! })
            },
            clinical: clinical,
            history: maybe(&random) { random in list(&random) { random in
                PriorService(id: text(&random), dateOfService: date(&random), code: text(&random),
                             units: maybe(&random) { number(&$0) }, sites: maybe(&random) { random in list(&random) { site(&$0) } })
            } },
            stage: maybe(&random) { AdjudicationStage.allCases.randomElement(using: &$0)! },
            priorAuthorization: maybe(&random) { text(&$0) })
    }

    static func reason(_ random: inout SplitMix64) -> Reason {
        Reason(rule: text(&random), carc: maybe(&random) { text(&$0) }, rarc: list(&random) { text(&$0) }, message: text(&random),
               citation: maybe(&random) { Citation(source: text(&$0), section: text(&$0)) },
               interpretation: maybe(&random) { text(&$0) })
    }

    static func determination(_ random: inout SplitMix64, round: Int) -> Determination {
        Determination(
            encounterId: "claim-\(round)", payer: text(&random),
            policy: maybe(&random) { PolicyReference(id: text(&$0), title: text(&$0), effectiveFrom: date(&$0),
                                                     effectiveTo: maybe(&$0) { date(&$0) }) },
            outcome: Outcome.allCases.randomElement(using: &random)!,
            lines: list(&random) { random in
                LineDetermination(index: number(&random), code: text(&random), outcome: Outcome.allCases.randomElement(using: &random)!,
                                  reasons: list(&random) { reason(&$0) },
                                  evaluated: maybe(&random) { random in list(&random) { text(&$0) } },
                                  attested: maybe(&random) { random in list(&random) { text(&$0) } },
                                  authorization: maybe(&random) { text(&$0) })
            },
            reasons: list(&random) { reason(&$0) },
            coding: CodingAdvice(recommended: list(&random) { random in
                                     RecommendedLine(code: text(&random), units: number(&random), modifiers: list(&random) { text(&$0) })
                                 },
                                 issues: list(&random) { random in
                                     CodingIssue(rule: text(&random), message: text(&random),
                                                 lines: maybe(&random) { random in list(&random) { number(&$0) } })
                                 }),
            documentation: DocumentationAdvice(requests: list(&random) { random in
                                                   DocumentRequest(name: text(&random), loinc: maybe(&random) { text(&$0) },
                                                                   timeFrame: maybe(&random) { text(&$0) })
                                               },
                                               missing: list(&random) { text(&$0) }))
    }
}
