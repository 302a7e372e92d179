import Foundation
import Interchange
import Model
import Policies
import SyntheticClaims
import TestSupport
@testable import ReaderContracts
import Testing

/// The repository's `Fuzz/` folder (seed corpus and regression inputs).
let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fuzz")

/// The committed inputs for one reader: its seed corpus and the inputs fuzzing once broke it with.
func committedInputs(_ reader: ReaderContract) throws -> [(name: String, bytes: [UInt8])] {
    try ["corpus", "regressions"].flatMap { kind -> [(name: String, bytes: [UInt8])] in
        let folder = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(reader.rawValue)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted().map { name in
            (kind + "/" + name, Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }
}

@Suite("837 reader on damaged input")
struct DamagedX12Tests {
    /// Deterministic damage: truncation, byte changes (often to delimiters), deletions and duplications.
    static func mutate(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        let alphabet = Array("*:^~\n\r0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ .-".utf8) + [0, 0xFF, 0xC3]
        for _ in 0 ..< Int(random.next() % 4) + 1 {
            guard !bytes.isEmpty else { break }
            let position = Int(random.next() % UInt64(bytes.count))
            switch random.next() % 5 {
            case 0: bytes.removeSubrange(position...)
            case 1, 2: bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            case 3: bytes.removeSubrange(position ..< min(bytes.count, position + Int(random.next() % 40) + 1))
            default:
                let end = min(bytes.count, position + Int(random.next() % 80) + 1)
                bytes.insert(contentsOf: bytes[position ..< end], at: position)
            }
        }
        return bytes
    }

    @Test("2000 damaged files keep the reader's contract: no crash, every error located, claims whole; fatal only for a damaged ISA")
    func damagedInputs() throws {
        let sources = try committedInputs(.x12).map(\.bytes)
            + [Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 40, seed: 9)).bytes().bytes]
        var random = SplitMix64(seed: 2025)
        var fatal = 0, located = 0, claims = 0
        for iteration in 0 ..< 2000 {
            let damaged = Self.mutate(sources[iteration % sources.count], &random)
            #expect(ReaderContract.x12.violations(of: damaged) == [], "iteration \(iteration)")
            do {
                let result = try X12Reader837(bytes: damaged).readAll()
                for error in result.claimErrors { #expect(error.description.contains("segment \(error.issue.segmentNumber)")) }
                for issue in result.envelopeIssues { #expect(issue.description.hasPrefix("segment \(issue.segmentNumber)")) }
                located += result.claimErrors.count + result.envelopeIssues.count
                claims += result.claims.count
            } catch {
                fatal += 1
            }
        }
        // The damage is varied enough to reach claims, located errors and fatal headers alike.
        #expect(located > 1000)
        #expect(claims > 1000)
        #expect(fatal > 0 && fatal < 2000 / 4)
    }

    @Test("every prefix of a file reads without a crash, and reports the missing trailer")
    func everyTruncation() throws {
        let bytes = try #require(committedInputs(.x12).first { $0.name.hasSuffix("replacement-void.837") }).bytes
        for length in stride(from: 106, to: bytes.count - 20, by: 7) {
            let result = try X12Reader837(bytes: Array(bytes[..<length])).readAll()
            #expect(result.envelopeIssues.contains { $0.message.contains("no IEA") }, "length \(length)")
        }
    }
}

@Suite("Reader contracts on the committed corpus and regressions")
struct CommittedInputTests {
    @Test("every committed input keeps its reader's contract", arguments: ReaderContract.allCases)
    func committed(reader: ReaderContract) throws {
        let inputs = try committedInputs(reader)
        #expect(!inputs.filter { $0.name.hasPrefix("corpus/") }.isEmpty, "a seed corpus for \(reader.rawValue)")
        for input in inputs { #expect(reader.violations(of: input.bytes) == [], "\(input.name)") }
    }

    @Test("the contract checks are not vacuous: unlocated errors, disagreeing counts and errors beside a policy are caught")
    func contractCatchesBreaches() {
        var result = X12ReadResult()
        result.summary.segments = 10
        result.envelopeIssues = [X12Issue(segmentNumber: 0, segmentId: "", message: "nowhere")]
        result.claimErrors = [ClaimError(claimId: "C1", claimSegmentNumber: 5, issue: X12Issue(segmentNumber: 40, segmentId: "SV1", message: "past the end"))]
        let x12 = ReaderContract.violations(in: result)
        #expect(x12.contains { $0.contains("envelope issue at segment 0") })
        #expect(x12.contains { $0.contains("claim error at segment 40") })
        #expect(x12.contains { $0.contains("summary counts") })
        #expect(ReaderContract.violations(in: X12ReadResult()) == [])

        let error = PolicyIssue(.error, SourceLocation(file: "p.yaml", line: 7), "bad")
        #expect(ReaderContract.violations(policy: nil, issues: [], file: "p.yaml", lines: 5) == ["no policy and no error"])
        #expect(ReaderContract.violations(policy: nil, issues: [error], file: "p.yaml", lines: 5).contains { $0.contains("not located") })
        #expect(ReaderContract.violations(policy: nil, issues: [error], file: "p.yaml", lines: 9) == [])
    }
}
