import Foundation
import Testing
import Engine
import Model

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

    @Test("a number JSON cannot hold is an error, not a guess")
    func nonFiniteNumbers() {
        #expect(throws: CanonicalJSON.Unrepresentable.self) { _ = try CanonicalJSON.encode([Double.nan]) }
        #expect(throws: CanonicalJSON.Unrepresentable.self) { _ = try CanonicalJSON.encode([Double.infinity]) }
    }
}
