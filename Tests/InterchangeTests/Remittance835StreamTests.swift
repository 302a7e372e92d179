import Foundation
import Interchange
import Model
import SyntheticClaims
import TestSupport
import Testing

/// The streaming 835 writer that `medpolicy batch` uses: claims arrive in chunks, each payer's
/// transaction sets are spooled, and one interchange per payer is written at the end.
@Suite("835 stream")
struct Remittance835StreamTests {
    static let adjudicated: [AdjudicatedClaim] = {
        let claims = (try? X12Reader837(bytes: Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 300, seed: 77)).bytes().bytes)
            .readAll().claims) ?? []
        return syntheticDeterminations(claims)
    }()

    /// Streams `adjudicated` in chunks of `chunk` through spool files and returns the file's text.
    func streamed(chunk: Int) throws -> (text: String, totals: [String: Remittance835Stream.Totals], unremitted: Int) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stream = Remittance835Stream(writer: Remittance835Writer(settings: remittanceSettings), firstControlNumber: 40,
                                         spoolDirectory: directory)
        var unremitted = 0
        for start in stride(from: 0, to: Self.adjudicated.count, by: chunk) {
            unremitted += try stream.add(Array(Self.adjudicated[start..<min(start + chunk, Self.adjudicated.count)])).count
        }
        let output = X12Output()
        var totals: [String: Remittance835Stream.Totals] = [:]
        for payer in stream.payers { totals[payer] = try stream.finish(payer: payer, into: output) }
        // Every spool file was removed.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        return (output.text, totals, unremitted)
    }

    @Test("claims in chunks become one interchange per payer with balanced counts")
    func chunkedStreamIsOneInterchangePerPayer() throws {
        #expect(Self.adjudicated.count == 300)
        let whole = try Remittance835Writer(settings: remittanceSettings).write(Self.adjudicated, firstControlNumber: 40)
        let (text, totals, unremitted) = try streamed(chunk: 45)
        let segments = text.split(separator: "\n").map(String.init)

        #expect(segments.filter { $0.hasPrefix("ISA*") }.count == 5)
        #expect(segments.filter { $0.hasPrefix("IEA*1*") }.count == 5)
        #expect(Set(totals.values.map(\.controlNumber)) == Set(40..<45))
        // The same claims are remitted, paid the same, whether written at once or streamed.
        #expect(unremitted == whole.unremitted.count)
        #expect(segments.filter { $0.hasPrefix("CLP*") }.count == whole.remittances.map(\.claimCount).reduce(0, +))
        for remittance in whole.remittances {
            #expect(totals[remittance.payer]?.claimCount == remittance.claimCount, "\(remittance.payer)")
            #expect(totals[remittance.payer]?.paidCents == remittance.paidCents, "\(remittance.payer)")
        }
        // GE01 counts each interchange's transaction sets; more chunks, more sets.
        for (payer, total) in totals {
            #expect(segments.contains("GE*\(total.transactions)*\(total.controlNumber)~"), "\(payer)")
            #expect(total.transactions > 1, "\(payer)")
        }
        // Every SE01 counts its transaction's segments.
        var count = 0
        for segment in segments {
            if segment.hasPrefix("ST*") { count = 0 }
            count += 1
            if segment.hasPrefix("SE*") {
                #expect(segment.split(separator: "*")[1] == Substring(String(count)), "\(segment)")
            }
        }
    }

    @Test("a streamed multi-payer 835 file passes x12valid")
    func streamedFilePassesX12Valid() throws {
        let (text, _, _) = try streamed(chunk: 60)
        let problems = try X12Valid.problems(Array(text.utf8), name: "streamed.835",
                                             ignoring: ["Failed to create 999 response"])
        #expect(problems == [])
    }

    @Test("finishing a payer without remitted claims is an error")
    func finishingAnUnknownPayer() throws {
        let stream = Remittance835Stream(writer: Remittance835Writer(settings: remittanceSettings), firstControlNumber: 1)
        #expect(throws: RemittanceError.self) { _ = try stream.finish(payer: "aetna", into: X12Output()) }
    }
}

/// Encounters read from 837 files (charges in cents, birth dates, places of service) are stored by
/// the history in `CanonicalJSON`'s form, which must equal JSONEncoder's (see EngineTests).
@Suite("Canonical JSON of 837 encounters")
struct CanonicalJSONOf837Tests {
    @Test("300 generated claims encode byte for byte as JSONEncoder writes them")
    func generatedEncounters() throws {
        let claims = try X12Reader837(bytes: Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 300, seed: 12)).bytes().bytes)
            .readAll().claims
        #expect(claims.count == 300)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for claim in claims {
            #expect(try CanonicalJSON.encode(claim.encounter) == Array(try encoder.encode(claim.encounter)), "\(claim.encounter.id)")
        }
    }
}
