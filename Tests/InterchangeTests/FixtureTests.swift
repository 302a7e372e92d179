import Foundation
import Interchange
import Model
import Testing

@Suite("837P fixtures")
struct FixtureTests {
    @Test("a commercial claim: every encounter field, the billed payer, notes and amounts")
    func commercialClaim() throws {
        let result = try read837(try fixture("commercial.837"))
        #expect(result.claimErrors.isEmpty)
        #expect(result.envelopeIssues.isEmpty)
        #expect(result.claims.count == 1)
        let claim = try #require(result.claims.first)
        let encounter = claim.encounter
        #expect(encounter.id == "26463774")
        #expect(encounter.frequency == .original)
        #expect(encounter.replaces == nil)
        #expect(encounter.member == Member(id: "XYZ123456789", birthDate: LocalDate("1943-05-01"), sex: .M))
        #expect(encounter.coverage == Coverage(payer: "florida-blue", lineOfBusiness: .commercial, providerState: "FL"))
        #expect(encounter.dateOfService == LocalDate("2025-09-10"))
        #expect(encounter.placeOfService == "11")
        #expect(encounter.diagnoses == ["M79.18", "M54.2"])
        #expect(encounter.lines == [
            ServiceLine(code: "99213", modifiers: ["25"], units: 1, diagnosisPointers: [1], charge: 110),
            ServiceLine(code: "20552", modifiers: [], units: 1, diagnosisPointers: [1, 2], charge: 150),
        ])
        // Only what X12 says: DTP*431 (onset) does not become a clinical fact.
        #expect(encounter.clinical == nil)
        #expect(encounter.procedure == nil)
        #expect(claim.payer == BilledPayer(name: "FLORIDA BLUE", id: "00590"))
        #expect(claim.claimFilingIndicator == "BL")
        #expect(claim.notes == ["TRIGGER POINTS IN RIGHT TRAPEZIUS AND LEVATOR SCAPULAE"])
        #expect(claim.segmentNumber == 21)
        #expect(claim.totalChargeCents == 26000)
        #expect(claim.facilityCode == "11")
        #expect(claim.frequencyCode == "1")
        #expect(claim.patientName == PersonName(last: "SMITH", first: "TED"))
        #expect(claim.billingProvider == BillingProvider(name: "BEN KILDARE SERVICE", npi: "1234567893", state: "FL"))
        #expect(claim.transactionControlNumber == "0021")
        #expect(claim.lines.map(\.lineNumber) == [1, 2])
        #expect(claim.lines.map(\.chargeCents) == [11000, 15000])
        #expect(claim.lines.map(\.qualifier) == ["HC", "HC"])
        #expect(claim.lines.map(\.unitBasis) == ["UN", "UN"])
        #expect(result.summary.interchanges == 1)
        #expect(result.summary.functionalGroups == 1)
        #expect(result.summary.transactions == 1)
        #expect(result.summary.segments == 33)
        #expect(result.summary.interchangeControlNumbers == ["000000905"])
    }

    @Test("the same claim without line breaks, and with | ^ ! delimiters and CRLF, reads the same")
    func delimitersAndLineBreaks() throws {
        let reference = try #require(try read837(try fixture("commercial.837")).claims.first)
        for name in ["no-newlines.837", "unusual-delimiters.837"] {
            let text = try fixture(name)
            let result = try read837(text)
            #expect(result.claimErrors.isEmpty, "\(name)")
            #expect(result.envelopeIssues.isEmpty, "\(name)")
            let claim = try #require(result.claims.first)
            #expect(claim.encounter == reference.encounter, "\(name)")
            #expect(claim.notes == reference.notes)
            #expect(claim.segmentNumber == 21)
        }
        #expect(!(try fixture("no-newlines.837")).contains("\n"))
        #expect(try fixture("unusual-delimiters.837").hasPrefix("ISA|00|"))
    }

    @Test("coordination of benefits: the 2320/2330 loops do not replace the subscriber or the payer")
    func coordinationOfBenefits() throws {
        let result = try read837(try fixture("cob-two-payers.837"))
        #expect(result.claimErrors.isEmpty)
        let claim = try #require(result.claims.first)
        #expect(claim.encounter.id == "HPCOB001")
        #expect(claim.encounter.member == Member(id: "HP998877", birthDate: LocalDate("1980-02-12"), sex: .F))
        #expect(claim.encounter.coverage == Coverage(payer: "harvard-pilgrim", lineOfBusiness: .commercial, providerState: "FL"))
        #expect(claim.payer == BilledPayer(name: "HARVARD PILGRIM HEALTH CARE", id: "04271"))
        #expect(claim.claimFilingIndicator == "HM")
        #expect(claim.otherPayers == [BilledPayer(name: "AETNA", id: "60054"), BilledPayer(name: "TRUECARE", id: "TRUCR")])
        #expect(claim.encounter.diagnoses == ["M62.838"])
        #expect(claim.encounter.lines == [ServiceLine(code: "20553", modifiers: [], units: 1, diagnosisPointers: [1], charge: 175)])
        // RD8: the first date of the range is the date of service.
        #expect(claim.encounter.dateOfService == LocalDate("2025-09-02"))
        #expect(claim.lines[0].serviceDateThrough == LocalDate("2025-09-03"))
    }

    @Test("several claims per subscriber, a dependent patient (2000C), two billing providers, SV105")
    func multipleClaims() throws {
        let result = try read837(try fixture("multiple-claims.837"))
        #expect(result.claimErrors.isEmpty)
        #expect(result.envelopeIssues.isEmpty)
        #expect(result.claims.map(\.encounter.id) == ["AET-1", "AET-2", "TC-77", "MCR-9"])
        let first = result.claims[0].encounter, second = result.claims[1].encounter
        #expect(first.member == Member(id: "W100200300", birthDate: LocalDate("1965-11-20"), sex: .F))
        #expect(second.member == first.member)
        #expect(first.coverage == Coverage(payer: "aetna", lineOfBusiness: .commercial, providerState: "FL"))
        #expect(first.lines == [ServiceLine(code: "20552", modifiers: ["RT"], units: 1, diagnosisPointers: [1], charge: 150)])
        #expect(second.diagnoses == ["M79.12", "M79.7"])
        #expect(second.lines[1] == ServiceLine(code: "J3301", modifiers: [], units: 2, diagnosisPointers: [1], charge: 25))
        // The dependent: her history is keyed by the subscriber's id with her own identity (2010CA),
        // birth date and sex are hers; the subscriber's id stays for the 835's NM1*IL.
        let dependent = result.claims[2]
        #expect(dependent.encounter.member == Member(id: "TC555000111/GARCIA SOFIA/2005-03-14", birthDate: LocalDate("2005-03-14"), sex: .F))
        #expect(dependent.subscriberMemberId == "TC555000111" && dependent.patientIsDependent && dependent.patientMemberId == nil)
        #expect(!result.claims[0].patientIsDependent && result.claims[0].subscriberMemberId == "W100200300")
        #expect(dependent.encounter.coverage == Coverage(payer: "truecare", lineOfBusiness: .medicaid, providerState: "FL"))
        #expect(dependent.patientName == PersonName(last: "GARCIA", first: "SOFIA"))
        #expect(dependent.subscriberName == PersonName(last: "GARCIA", first: "LUIS"))
        #expect(dependent.billingProvider.npi == "1234567893")
        // Medicare, under the second billing provider, with SV105 22 on every line.
        let medicare = result.claims[3]
        #expect(medicare.encounter.coverage == Coverage(payer: "medicare", lineOfBusiness: .medicare, providerState: "FL"))
        #expect(medicare.payer == BilledPayer(name: "FIRST COAST SERVICE OPTIONS", id: "09102"))
        #expect(medicare.encounter.placeOfService == "22")
        #expect(medicare.facilityCode == "11")
        #expect(medicare.lines.map(\.placeOfService) == ["22", "22"])
        #expect(medicare.billingProvider == BillingProvider(name: "COASTAL PAIN PARTNERS", npi: "1987654328", state: "FL"))
        #expect(medicare.encounter.lines[1].modifiers == ["LT"])
    }

    @Test("replacement (7) and void (8) claims carry REF*F8 as replaces; SBR09 16 is Medicare Advantage")
    func replacementAndVoid() throws {
        let result = try read837(try fixture("replacement-void.837"))
        #expect(result.claimErrors.isEmpty)
        let encounters = result.claims.map(\.encounter)
        #expect(encounters.map(\.id) == ["FB-1001", "FB-1001R", "FB-1002V"])
        #expect(encounters.map(\.frequency) == [.original, .replacement, .void])
        #expect(encounters.map(\.replaces) == [nil, "FB-1001", "FB-1000"])
        #expect(encounters.allSatisfy { $0.coverage == Coverage(payer: "florida-blue", lineOfBusiness: .medicareAdvantage, providerState: "FL") })
        #expect(encounters[1].lines == [ServiceLine(code: "20553", modifiers: [], units: 1, diagnosisPointers: [1, 2], charge: 175)])
        #expect(result.claims.map(\.frequencyCode) == ["1", "7", "8"])
    }

    @Test("reading from a file path in small chunks gives the same claims as reading from memory")
    func fileInSmallChunks() throws {
        let path = try fixturePath("multiple-claims.837")
        let fromMemory = try read837(try fixture("multiple-claims.837"))
        let reader = try X12Reader837(path: path, chunkSize: 256)
        let fromFile = try reader.readAll()
        #expect(fromFile.claims == fromMemory.claims)
        #expect(fromFile.summary == fromMemory.summary)
    }

    @Test("a payer override forces the payer; an unknown payer is a claim error, not a guess")
    func payerOverrideAndUnknownPayer() throws {
        let text = try fixture("commercial.837").replacingOccurrences(of: "NM1*PR*2*FLORIDA BLUE*****PI*00590",
                                                                      with: "NM1*PR*2*ACME HEALTH*****PI*99999")
        let unknown = try read837(text)
        #expect(unknown.claims.isEmpty)
        let error = try #require(unknown.claimErrors.first)
        #expect(error.claimId == "26463774")
        #expect(error.issue.segmentNumber == 20)
        #expect(error.issue.element == "NM103")
        #expect(error.issue.message.contains("ACME HEALTH"))
        let forced = try read837(text, payerOverride: "aetna")
        #expect(forced.claims.first?.encounter.coverage.payer == "aetna")
        #expect(forced.claims.first?.payer == BilledPayer(name: "ACME HEALTH", id: "99999"))
    }

    @Test("the payer directory resolves ids before names, names ignoring case and extra spaces")
    func payerDirectory() throws {
        let directory = PayerDirectory.standard
        #expect(directory.resolve(name: "harvard  pilgrim", id: "") == "harvard-pilgrim")
        #expect(directory.resolve(name: "BLUE CROSS BLUE SHIELD OF FLORIDA", id: "") == "florida-blue")
        #expect(directory.resolve(name: "SOMETHING ELSE", id: "60054") == "aetna")
        #expect(directory.resolve(name: "TRUECARE", id: "") == "truecare")
        #expect(directory.resolve(name: "MEDICARE", id: "") == "medicare")
        #expect(directory.resolve(name: "NOBODY", id: "00000") == nil)
        #expect(directory.displayName(for: "harvard-pilgrim") == "HARVARD PILGRIM HEALTH CARE")
        #expect(throws: X12FatalError.self) { try PayerDirectory(tsv: "alias\tX\ty\tz") }
    }

    @Test("SBR09 codes map to lines of business as documented")
    func filingIndicators() {
        #expect(ClaimFilingIndicator.lineOfBusiness("MB") == .medicare)
        #expect(ClaimFilingIndicator.lineOfBusiness("MA") == .medicare)
        #expect(ClaimFilingIndicator.lineOfBusiness("16") == .medicareAdvantage)
        #expect(ClaimFilingIndicator.lineOfBusiness("MC") == .medicaid)
        #expect(ClaimFilingIndicator.lineOfBusiness("FI") == .fep)
        #expect(ClaimFilingIndicator.lineOfBusiness("CI") == .commercial)
        #expect(ClaimFilingIndicator.lineOfBusiness("BL") == .commercial)
        #expect(ClaimFilingIndicator.lineOfBusiness("12") == .commercial)
        #expect(ClaimFilingIndicator.lineOfBusiness("WC") == nil)
        #expect(ClaimFilingIndicator.remittanceCode("CI") == "ZZ")
        #expect(ClaimFilingIndicator.remittanceCode("MB") == "MB")
    }
}
