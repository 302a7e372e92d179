import Foundation
import Interchange
import Model
import SyntheticClaims
import TestSupport
import Testing

@Suite("837 reader on damaged input")
struct FuzzTests {
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

    @Test("2000 damaged files: no crash; every error is located; fatal only for a damaged ISA")
    func damagedInputs() throws {
        let sources = try ["multiple-claims.837", "commercial.837", "cob-two-payers.837", "replacement-void.837"].map { Array(try fixture($0).utf8) }
            + [Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 40, seed: 9)).bytes().bytes]
        var random = SplitMix64(seed: 2025)
        var fatal = 0, located = 0, claims = 0
        for iteration in 0 ..< 2000 {
            let source = sources[iteration % sources.count]
            let damaged = Self.mutate(source, &random)
            do {
                let result = try X12Reader837(bytes: damaged).readAll()
                let segments = result.summary.segments
                for error in result.claimErrors {
                    #expect(error.issue.segmentNumber >= 1 && error.issue.segmentNumber <= segments + 1, "\(error)")
                    #expect(error.description.contains("segment \(error.issue.segmentNumber)"))
                    located += 1
                }
                for issue in result.envelopeIssues {
                    #expect(issue.segmentNumber >= 1 && issue.segmentNumber <= segments + 1, "\(issue)")
                    #expect(issue.description.hasPrefix("segment \(issue.segmentNumber)"))
                    located += 1
                }
                claims += result.claims.count
                for claim in result.claims { #expect(!claim.encounter.lines.isEmpty) }
            } catch {
                // Only an unreadable interchange header stops the reader.
                #expect(error.message.contains("ISA") || error.message.contains("empty"), "\(error)")
                fatal += 1
            }
        }
        #expect(located > 1000)
        #expect(claims > 1000)
        #expect(fatal < 2000 / 4)
    }

    @Test("every prefix of a file reads without a crash, and reports the missing trailer")
    func everyTruncation() throws {
        let bytes = Array(try fixture("replacement-void.837").utf8)
        for length in stride(from: 106, to: bytes.count - 20, by: 7) {
            let result = try X12Reader837(bytes: Array(bytes[..<length])).readAll()
            #expect(result.envelopeIssues.contains { $0.message.contains("no IEA") }, "length \(length)")
        }
    }
}
