import Foundation
import Interchange
import CodeSets
import Model
import SyntheticClaims
import TestSupport
import Testing

@Suite("synthetic 837P generator")
struct GeneratorTests {
    @Test("the same seed writes the same bytes; another seed writes other claims")
    func deterministic() {
        let first = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 300, seed: 42)).bytes()
        let again = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 300, seed: 42)).bytes()
        let other = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 300, seed: 43)).bytes()
        #expect(first.bytes == again.bytes)
        #expect(first.bytes != other.bytes)
        #expect(first.summary == again.summary)
        #expect(first.summary.claims == 300)
    }

    @Test("a valid file: every claim reads, all five payers, histories with replacements and voids, several ST")
    func validByDefault() throws {
        let (bytes, summary) = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout,
            claimCount: 1200, seed: 7, claimsPerTransaction: 500, subscribersPerBillingProvider: 10)).bytes()
        let result = try X12Reader837(bytes: bytes).readAll()
        #expect(result.claimErrors.isEmpty)
        #expect(result.envelopeIssues.isEmpty)
        #expect(result.claims.count == 1200)
        #expect(summary.transactions >= 3)
        #expect(result.summary.transactions == summary.transactions)
        #expect(summary.bytes == bytes.count)
        let payers = Set(result.claims.map(\.encounter.coverage.payer))
        #expect(payers == ["florida-blue", "harvard-pilgrim", "truecare", "aetna", "medicare"])
        var perPayer: [String: Int] = [:]
        for claim in result.claims { perPayer[claim.encounter.coverage.payer, default: 0] += 1 }
        #expect(perPayer == summary.claimsPerPayer)
        let replacements = result.claims.filter { $0.encounter.frequency == .replacement }
        let voids = result.claims.filter { $0.encounter.frequency == .void }
        #expect(replacements.count == summary.replacements)
        #expect(voids.count == summary.voids)
        #expect(!replacements.isEmpty && !voids.isEmpty)
        // A replacement or void names an earlier claim of the same member.
        var seen: [String: String] = [:]
        for claim in result.claims {
            if let replaced = claim.encounter.replaces {
                #expect(seen[replaced] == claim.encounter.member.id)
            }
            seen[claim.encounter.id] = claim.encounter.member.id
        }
        // Members with several claims over time.
        var claimsPerMember: [String: Int] = [:]
        for claim in result.claims { claimsPerMember[claim.encounter.member.id, default: 0] += 1 }
        #expect(claimsPerMember.values.contains { $0 >= 4 })
        let codes = Set(result.claims.flatMap { $0.encounter.lines.map(\.code) })
        #expect(codes.isSuperset(of: ["20552", "20553", "99213", "J3301", "J1030"]))
        // A clean file: an E/M visit always carries 25, and every diagnosis is billable on its date of service.
        let evaluationAndManagement = result.claims.flatMap(\.encounter.lines).filter { $0.code == "99213" }
        #expect(!evaluationAndManagement.isEmpty)
        #expect(evaluationAndManagement.allSatisfy { $0.modifiers == ["25"] })
        let icd = try ICD10CM.loadBundled()
        let unbillable = result.claims.flatMap { claim in
            claim.encounter.diagnosisList.filter { icd.status(of: $0, on: claim.encounter.dateOfService) != .billable }
        }
        #expect(unbillable.isEmpty, "\(unbillable.prefix(10))")
        #expect(Set(result.claims.flatMap(\.encounter.diagnosisList)).count > 50)
        #expect(summary.claimsWithErrors.isEmpty)
        #expect(summary.expectations.count == 1200)
        #expect(summary.expectations.allSatisfy { $0.kind == nil && ($0.result == .outcome(.approved) || $0.rule == "claim.void") })
        // TrueCare's policy is in effect from 2025-07-01 only: its members' visits are inside it.
        #expect(result.claims.filter { $0.encounter.coverage.payer == "truecare" }
            .allSatisfy { $0.encounter.dateOfService >= LocalDate(year: 2025, month: 7, day: 1)! })
        #expect(result.claims.contains { $0.encounter.coverage.lineOfBusiness == .medicareAdvantage })
        #expect(result.claims.contains { !$0.notes.isEmpty })
        // A note's muscle count is what the code billed is for: 1–2 for 20552, 3 or more for 20553.
        for claim in result.claims {
            for note in claim.notes {
                let muscles = try #require(Int(note.split(separator: " ")[4]), "\(note)")
                #expect(claim.encounter.lines.contains { $0.code == "20553" } ? muscles >= 3 : muscles <= 2, "\(claim.encounter.id): \(note)")
            }
        }
    }

    @Test("with an error rate, exactly the claims written with an error are reported, each located")
    func deliberateErrors() throws {
        let (bytes, summary) = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 600, seed: 11, errorRate: 0.1)).bytes()
        let result = try X12Reader837(bytes: bytes).readAll()
        #expect(summary.claimsWithErrors.count > 30)
        #expect(result.envelopeIssues.isEmpty)
        #expect(result.claims.count + result.claimErrors.count == 600)
        #expect(result.claimErrors.compactMap(\.claimId) == summary.claimsWithErrors)
        #expect(result.claimErrors.allSatisfy { $0.issue.segmentNumber >= $0.claimSegmentNumber })
        let elements = Set(result.claimErrors.compactMap(\.issue.element))
        #expect(elements.isSuperset(of: ["SV104", "SV102", "CLM02", "HI01-1", "CLM05-1", "SV101-2"]))
    }

    @Test("streamed to a file, the file reads back in small chunks to the same claims")
    func streamsToFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("claims.837").path
        let configuration = Synthetic837Configuration(rules: .sourceCheckout, claimCount: 2000, seed: 5, claimsPerTransaction: 700)
        let summary = try Synthetic837Generator(configuration).write(toFile: path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == summary.bytes)
        #expect(summary.bytes > 64 * 1024 * 4)
        let fromFile = try X12Reader837(path: path, chunkSize: 4096).readAll()
        let fromMemory = try X12Reader837(bytes: Synthetic837Generator(configuration).bytes().bytes).readAll()
        #expect(fromFile.claims.count == 2000)
        #expect(fromFile.claims == fromMemory.claims)
        #expect(fromFile.summary.transactions == 3)
    }

    @Test("other delimiters and no line breaks give the same encounters")
    func otherDelimiters() throws {
        let standard = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 150, seed: 3)).bytes().bytes
        let unusual = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout,
            claimCount: 150, seed: 3,
            delimiters: X12Delimiters(element: UInt8(ascii: "|"), component: UInt8(ascii: "^"), repetition: UInt8(ascii: "{"),
                                      segment: UInt8(ascii: "!")),
            lineBreaks: false)).bytes().bytes
        #expect(!unusual.contains(0x0A))
        let a = try X12Reader837(bytes: standard).readAll()
        let b = try X12Reader837(bytes: unusual).readAll()
        #expect(b.envelopeIssues.isEmpty)
        #expect(a.claims.map(\.encounter) == b.claims.map(\.encounter))
    }

    @Test("every kind is written with its expectation, and the sidecar reads back claim by claim")
    func errorKindsAndSidecar() throws {
        let configuration = Synthetic837Configuration(rules: .sourceCheckout, claimCount: 1500, seed: 4, errorRate: 0.3, errorKinds: SyntheticErrorKind.allCases)
        let (bytes, summary) = Synthetic837Generator(configuration).bytes()
        #expect(Set(summary.claimsPerKind.keys) == Set(SyntheticErrorKind.allCases))
        #expect(summary.claimsWithErrors.count == summary.claimsPerKind.values.reduce(0, +))
        // The reader skips exactly the x12-syntax claims.
        let result = try X12Reader837(bytes: bytes).readAll()
        let syntax = summary.expectations.filter { $0.kind == .x12Syntax }
        #expect(Set(result.claimErrors.compactMap(\.claimId)) == Set(syntax.map(\.claimId)))
        #expect(syntax.allSatisfy { $0.result == .claimError })
        // Reserved kinds have no expected outcome yet; every other kind has one.
        #expect(summary.expectations.allSatisfy { $0.result != .unknown })
        #expect(summary.expectations.filter { $0.kind == .noAuthorization }.allSatisfy { $0.carc == "197" })
        #expect(summary.expectations.filter { $0.kind == .authorizationUnits }.allSatisfy { $0.carc == "198" })
        // Harvard Pilgrim claims carry their member's prior-authorization number, but those written as no-auth;
        // each Harvard Pilgrim member has one authorization, and an auth-units one covers a unit fewer than billed.
        let text = String(decoding: bytes, as: UTF8.self)
        var segmentsOfClaim: [String: [Substring]] = [:]
        var current: String?
        for segment in text.split(separator: "\n") {
            if segment.hasPrefix("CLM*") { current = String(segment.split(separator: "*")[1]) }
            if segment.hasPrefix("SE*") || segment.hasPrefix("HL*") { current = nil }
            if let current { segmentsOfClaim[current, default: []].append(segment) }
        }
        let numbers = Set(summary.authorizations.map(\.number))
        #expect(summary.authorizations.allSatisfy { $0.payer == "harvard-pilgrim" && !$0.items.isEmpty })
        for expectation in summary.expectations where expectation.payer == "harvard-pilgrim" {
            let references = segmentsOfClaim[expectation.claimId, default: []].filter { $0.hasPrefix("REF*G1*") }
            if expectation.kind == .noAuthorization {
                #expect(references.isEmpty, "\(expectation.claimId)")
            } else {
                #expect(references.count == 1 && numbers.contains(String(references[0].dropFirst(7).dropLast())), "\(expectation.claimId)")
            }
        }
        #expect(summary.expectations.contains { $0.kind == .noAuthorization })
        let records = try #require(try JSONSerialization.jsonObject(with: Data(try SyntheticAuthorizations.json(summary.authorizations).utf8)) as? [[String: Any]])
        // The file is what `medpolicy authorizations import` reads.
        #expect(try AuthorizationReader.decodeList(Data(try SyntheticAuthorizations.json(summary.authorizations).utf8)) == summary.authorizations)
        #expect(records.count == summary.authorizations.count)
        #expect(records.first?["status"] as? String == "approved")
        #expect((records.first?["clinical"] as? [String: Any])?["conservativeTherapy"] != nil)

        let sidecar = SyntheticExpectation.sidecarJSON(summary.expectations, configuration: configuration)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(sidecar.utf8)) as? [String: Any])
        let claims = try #require(document["claims"] as? [String: [String: Any]])
        #expect(claims.count == 1500)
        for expectation in summary.expectations {
            let entry = try #require(claims[expectation.claimId])
            #expect(entry["kind"] as? String == expectation.kind?.rawValue)
            #expect(entry["outcome"] as? String == expectation.result.name)
            #expect(entry["carc"] as? String == expectation.carc)
            #expect(entry["payer"] as? String == expectation.payer)
        }
        #expect((claims.values.first { $0["kind"] is NSNull }?["outcome"] as? String) == "approved")
    }

    @Test("error kinds parse from a list; an unknown one is named with the kinds there are")
    func kindList() {
        #expect((try? SyntheticErrorKind.parseList("header-dx, units,units").get()) == [.headerDiagnosis, .units])
        guard case .failure(let unknown) = SyntheticErrorKind.parseList("units,header") else {
            Issue.record("an unknown kind parsed"); return
        }
        #expect(unknown.name == "header")
        #expect(unknown.description.contains("header-dx, uncovered-dx"))
        #expect(SyntheticErrorKind.adjudicated == SyntheticErrorKind.allCases)
    }

    @Test("SplitMix64 gives the reference sequence for seed 0")
    func splitMix() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }
}
