import Foundation
import Interchange
import Model
import TestSupport
import Testing

@Suite("encounter → 837P writer")
struct Encounter837WriterTests {
    static let created = LocalDate("2026-01-15")!

    /// What an 837 carries of an encounter, in the form the reader gives back (dotted diagnoses,
    /// pointers and units made explicit, charges present; DMG carries sex only beside a birth date,
    /// and an unknown sex beside one as U).
    static func claimFields(_ encounter: Encounter) -> Encounter {
        let diagnoses = encounter.diagnosisList.map { $0.replacingOccurrences(of: ".", with: "") }
        let pointers = Array(1...min(diagnoses.count, 4))
        return Encounter(
            id: encounter.id, frequency: encounter.effectiveFrequency, replaces: encounter.effectiveFrequency == .original ? nil : encounter.replaces,
            member: Member(id: encounter.member.id, birthDate: encounter.member.birthDate,
                           sex: encounter.member.birthDate == nil ? nil : encounter.member.sex ?? .U),
            // The writer's billing provider is in FL unless the encounter names its provider state.
            coverage: Coverage(payer: encounter.coverage.payer, lineOfBusiness: encounter.coverage.effectiveLineOfBusiness,
                               providerState: encounter.coverage.providerState ?? "FL"),
            dateOfService: encounter.dateOfService, placeOfService: encounter.placeOfService ?? "11",
            diagnoses: diagnoses,
            lines: encounter.lines.map {
                ServiceLine(code: $0.code, modifiers: $0.modifierList, units: $0.effectiveUnits,
                            diagnosisPointers: $0.diagnosisPointers ?? pointers, charge: $0.charge ?? 0)
            })
    }

    @Test("every example round-trips through X12Reader837 to the same claim fields")
    func roundTrip() throws {
        let examples = try Repository.examples()
        #expect(examples.count >= 15)
        for (name, encounter) in examples {
            let bytes = try Encounter837Writer().bytes(for: encounter, creationDate: Self.created)
            let result = try X12Reader837(bytes: bytes).readAll()
            #expect(result.claimErrors.isEmpty, "\(name): \(result.claimErrors)")
            #expect(result.envelopeIssues.isEmpty, "\(name): \(result.envelopeIssues)")
            let read = try #require(result.claims.first, "\(name)")
            #expect(result.claims.count == 1)
            #expect(Self.claimFields(read.encounter) == Self.claimFields(encounter), "\(name)")
            #expect(read.encounter.procedure == nil && read.encounter.clinical == nil)
        }
    }

    @Test("a replacement keeps its frequency and the claim it replaces")
    func replacement() throws {
        var encounter = try Repository.example("aetna-approved")
        encounter.frequency = .replacement
        encounter.replaces = "CLM-OLD-1"
        encounter.coverage.lineOfBusiness = .medicareAdvantage
        let read = try #require(try X12Reader837(bytes: Encounter837Writer().bytes(for: encounter, creationDate: Self.created)).readAll().claims.first)
        #expect(read.encounter.frequency == .replacement)
        #expect(read.encounter.replaces == "CLM-OLD-1")
        #expect(read.encounter.coverage.lineOfBusiness == .medicareAdvantage)
        #expect(read.claimFilingIndicator == "16")
    }

    @Test("a prior authorization number is written as 2300 REF*G1 and read back (issue 19)")
    func priorAuthorization() throws {
        var encounter = try Repository.example("aetna-approved")
        encounter.priorAuthorization = "PA-2025-0001"
        let bytes = try Encounter837Writer().bytes(for: encounter, creationDate: Self.created)
        #expect(String(decoding: bytes, as: UTF8.self).contains("REF*G1*PA-2025-0001~"))
        let read = try #require(try X12Reader837(bytes: bytes).readAll().claims.first)
        #expect(read.encounter.priorAuthorization == "PA-2025-0001")
        // Without one, none is written or read.
        encounter.priorAuthorization = nil
        let plain = try Encounter837Writer().bytes(for: encounter, creationDate: Self.created)
        #expect(!String(decoding: plain, as: UTF8.self).contains("REF*G1"))
        #expect(try #require(try X12Reader837(bytes: plain).readAll().claims.first).encounter.priorAuthorization == nil)
        // An empty REF*G1 is a located claim error.
        let empty = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "REF*G1*PA-2025-0001~", with: "REF*G1*~")
        let result = try X12Reader837(bytes: Array(empty.utf8)).readAll()
        #expect(result.claims.isEmpty)
        #expect(result.claimErrors.contains { "\($0)".contains("REF*G1") })
    }

    @Test("what an 837 cannot carry is refused with the JSON path")
    func refusals() throws {
        var encounter = try Repository.example("aetna-approved")
        encounter.diagnoses = []
        encounter.coverage.lineOfBusiness = .exchange
        #expect(throws: InputErrors.self) { try Encounter837Writer().bytes(for: encounter, creationDate: Self.created) }
        do {
            _ = try Encounter837Writer().bytes(for: encounter, creationDate: Self.created)
        } catch {
            #expect(error.errors.map(\.path) == ["coverage.lineOfBusiness"])
        }
        encounter.coverage.lineOfBusiness = .commercial
        encounter.coverage.payer = "nowhere-health"
        encounter.frequency = .void
        do {
            _ = try Encounter837Writer().bytes(for: encounter, creationDate: Self.created)
            Issue.record("expected a refusal")
        } catch {
            // The example's explicit pointers now point past the emptied diagnoses: refused too.
            #expect(Set(error.errors.map(\.path)) == ["coverage.payer", "diagnoses", "replaces", "lines[0].diagnosisPointers", "lines[1].diagnosisPointers"])
        }
    }

    @Test("the written 837P passes x12valid for every example")
    func conformance() throws {
        for (name, encounter) in try Repository.examples() {
            let bytes = try Encounter837Writer().bytes(for: encounter, creationDate: Self.created)
            #expect(try X12Valid.problems(bytes, name: "\(name).837") == [], "\(name)")
        }
        // With a prior authorization number (2300 REF*G1) and with it beside a replacement's REF*F8.
        var authorized = try Repository.example("harvard-pilgrim-approved")
        authorized.priorAuthorization = "MP-HP-APPROVED-001"
        #expect(try X12Valid.problems(Encounter837Writer().bytes(for: authorized, creationDate: Self.created), name: "authorized.837") == [])
        authorized.frequency = .replacement
        authorized.replaces = "HP-APPROVED-000"
        #expect(try X12Valid.problems(Encounter837Writer().bytes(for: authorized, creationDate: Self.created), name: "authorized-replacement.837") == [])
    }
}
