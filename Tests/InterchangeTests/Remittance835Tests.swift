import Foundation
import Interchange
import Model
import SyntheticClaims
import TestSupport
import Testing

let remittancePayers: [String: RemittancePayer] = {
    var payers: [String: RemittancePayer] = [:]
    for (offset, payer) in ["florida-blue", "harvard-pilgrim", "truecare", "aetna", "medicare"].enumerated() {
        payers[payer] = RemittancePayer(name: PayerDirectory.standard.displayName(for: payer),
                                        originatingCompanyId: "1" + String(repeating: String(offset + 1), count: 9),
                                        addressLine: "\(offset + 1) PAYER PLAZA", city: "JACKSONVILLE", state: "FL",
                                        postalCode: "32246", technicalContactPhone: "800555010\(offset)")
    }
    return payers
}()

let remittanceSettings = RemittanceSettings(senderId: "MPPAYER", receiverId: "MPPROVIDER",
                                            productionDate: LocalDate("2026-01-20")!, payers: remittancePayers)

let denialReason = Reason(rule: "coding.diagnosis", carc: "16", rarc: ["M76"], message: "header diagnosis", citation: nil)
let criteriaReason = Reason(rule: "fb.criteria", carc: "50", message: "criteria not met", citation: nil)

/// A determination in the contract's shape: line i gets `lines[i]`.
func determination(_ claim: ParsedClaim, _ outcome: Outcome, lines: [Outcome], reasons: [Reason] = [denialReason]) -> Determination {
    Determination(encounterId: claim.encounter.id, payer: claim.encounter.coverage.payer, policy: nil, outcome: outcome,
                  lines: lines.enumerated().map { index, lineOutcome in
                      LineDetermination(index: index + 1, code: claim.encounter.lines[index].code, outcome: lineOutcome,
                                        reasons: lineOutcome == .denied ? reasons : [])
                  },
                  reasons: [], coding: CodingAdvice(), documentation: DocumentationAdvice())
}

/// Segments of an 835 written with the standard delimiters, each split into elements.
func segments(_ text: String) -> [[String]] {
    text.split(separator: "~").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        .map { $0.split(separator: "*", omittingEmptySubsequences: false).map(String.init) }
}

func cents(_ text: String) -> Int { Int((Double(text)! * 100).rounded()) }

@Suite("835 writer")
struct Remittance835Tests {
    @Test("approved, denied and partial claims: CLP status, SVC echo, CAS/LQ, balanced amounts, envelope counts")
    func writesBalanced835() throws {
        let claims = try read837(try fixture("multiple-claims.837")).claims
        let aet1 = claims[0], aet2 = claims[1], tc77 = claims[2], mcr9 = claims[3]
        let batch = try Remittance835Writer(settings: remittanceSettings).write([
            AdjudicatedClaim(claim: aet1, determination: determination(aet1, .approved, lines: [.approved])),
            AdjudicatedClaim(claim: aet2, determination: determination(aet2, .partial, lines: [.denied, .notApplicable])),
            AdjudicatedClaim(claim: tc77, determination: determination(tc77, .denied, lines: [.denied], reasons: [criteriaReason])),
            AdjudicatedClaim(claim: mcr9, determination: determination(mcr9, .pended, lines: [.notApplicable, .pended])),
        ], firstControlNumber: 500)
        #expect(batch.remittances.map(\.payer) == ["aetna", "truecare"])
        #expect(batch.remittances.map(\.controlNumber) == [500, 501])
        #expect(batch.nextControlNumber == 502)
        #expect(batch.unremitted == [UnremittedClaim(claimId: "MCR-9", payer: "medicare", outcome: .pended, reason: "pended for medical review")])

        let aetna = batch.remittances[0]
        #expect(aetna.claimCount == 2)
        #expect(aetna.paidCents == 15000 + 2500)
        #expect(aetna.text == """
        ISA*00*          *00*          *ZZ*MPPAYER        *ZZ*MPPROVIDER     *260120*1200*^*00501*000000500*0*T*:~
        GS*HP*MPPAYER*MPPROVIDER*20260120*1200*500*X*005010X221A1~
        ST*835*0001~
        BPR*I*175*C*CHK************20260120~
        TRN*1*MP500-1*1444444444~
        DTM*405*20260120~
        N1*PR*AETNA~
        N3*4 PAYER PLAZA~
        N4*JACKSONVILLE*FL*32246~
        PER*BL*EDI SUPPORT*TE*8005550103~
        N1*PE*BEN KILDARE SERVICE*XX*1234567893~
        LX*1~
        CLP*AET-1*1*150*150**ZZ*MP5000000001*11*1~
        NM1*QC*1*BROWN*LUCY****MI*W100200300~
        SVC*HC:20552:RT*150*150~
        DTM*472*20250804~
        CLP*AET-2*1*200*25**ZZ*MP5000000002*11*1~
        NM1*QC*1*BROWN*LUCY****MI*W100200300~
        SVC*HC:20553*175*0~
        DTM*472*20250905~
        CAS*CO*16*175~
        LQ*HE*M76~
        SVC*HC:J3301*25*25**2~
        DTM*472*20250905~
        SE*23*0001~
        GE*1*500~
        IEA*1*000000500~

        """)

        let truecare = segments(batch.remittances[1].text)
        let clp = try #require(truecare.first { $0[0] == "CLP" })
        #expect(clp == ["CLP", "TC-77", "4", "150", "0", "", "MC", "MP5010000001", "11", "1"])
        #expect(truecare.contains(["BPR", "H", "0", "C", "NON", "", "", "", "", "", "", "", "", "", "", "", "20260120"]))
        // The dependent (2000C) is the patient, with no id of her own; the subscriber is the insured (NM1*IL).
        let names = truecare.filter { $0[0] == "NM1" }
        #expect(names == [["NM1", "QC", "1", "GARCIA", "SOFIA"], ["NM1", "IL", "1", "GARCIA", "LUIS", "", "", "", "MI", "TC555000111"]])
        #expect(truecare.contains(["CAS", "CO", "50", "150"]))
        #expect(!truecare.contains { $0[0] == "LQ" })
    }

    @Test("each CAS goes out under the group X12's usage note names for its CARC: 18 (duplicate) under OA, the others under CO; RARCs follow as LQ*HE (issue 20.12)")
    func groupCodeFollowsTheCARC() throws {
        let aet1 = try read837(try fixture("multiple-claims.837")).claims[0]
        let duplicate = Reason(rule: "coding.duplicate", carc: "18", message: "exact duplicate", citation: nil)
        let notCovered = Reason(rule: "tc.dry-needling", carc: "96", rarc: ["N130"], message: "not covered", citation: nil)
        let cases: [(Reason, String, [[String]])] = [(duplicate, "OA", []), (notCovered, "CO", [["LQ", "HE", "N130"]])]
        for (reason, group, remarks) in cases {
            let batch = try Remittance835Writer(settings: remittanceSettings).write(
                [AdjudicatedClaim(claim: aet1, determination: determination(aet1, .denied, lines: [.denied], reasons: [reason]))],
                firstControlNumber: 1)
            let written = segments(batch.remittances[0].text)
            #expect(written.filter { $0[0] == "CAS" } == [["CAS", group, reason.carc!, "150"]])
            #expect(written.filter { $0[0] == "LQ" } == remarks)
        }
    }

    @Test("a denied claim that still pays an ungoverned line is CLP02 1, not 4 (denied means nothing paid)")
    func deniedClaimWithAPaidLineIsProcessed() throws {
        let aet2 = try read837(try fixture("multiple-claims.837")).claims[1]  // 20553 and J3301
        let batch = try Remittance835Writer(settings: remittanceSettings).write(
            [AdjudicatedClaim(claim: aet2, determination: determination(aet2, .denied, lines: [.denied, .notApplicable]))],
            firstControlNumber: 1)
        let clp = try #require(segments(batch.remittances[0].text).first { $0[0] == "CLP" })
        #expect(clp[2] == "1")
        #expect(clp[4] == "25")
    }

    @Test("totals balance on a generated batch: CLP03 = ΣSVC02, CLP04 = ΣSVC03, SVC02 − SVC03 = ΣCAS, BPR02 = ΣCLP04, SE01 counts")
    func balancesGeneratedBatch() throws {
        let claims = try X12Reader837(bytes: Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 400, seed: 21)).bytes().bytes).readAll().claims
        let adjudicated = syntheticDeterminations(claims)
        let batch = try Remittance835Writer(settings: remittanceSettings).write(adjudicated, firstControlNumber: 1)
        #expect(batch.remittances.count == 5)
        let written = batch.remittances.reduce(0) { $0 + $1.claimCount }
        #expect(written + batch.unremitted.count == claims.count)
        #expect(batch.unremitted.contains { $0.outcome == .pended })
        #expect(batch.unremitted.contains { $0.reason.hasPrefix("void of claim") })
        for remittance in batch.remittances { expectBalanced(remittance.text) }
    }

    @Test("a void reverses the voided claim's payment: CLP02 22, its CLP07, amounts negated; a net negative is forwarded (PLB FB)")
    func voidIsReversed() throws {
        let fixture = try ReversalClaims()
        let void = AdjudicatedClaim(claim: fixture.void, determination: determination(fixture.void, .notApplicable, lines: [.notApplicable]),
                                    reversal: fixture.reversal(of: fixture.original, id: "FB-1000", .approved))
        let batch = try Remittance835Writer(settings: remittanceSettings).write([void], firstControlNumber: 1)
        #expect(batch.unremitted.isEmpty)
        let remittance = try #require(batch.remittances.first)
        #expect(remittance.claimCount == 1)
        #expect(remittance.paidCents == 0)
        let all = segments(remittance.text)
        #expect(all.filter { $0[0] == "CLP" } == [["CLP", "FB-1000", "22", "-150", "-150", "", "16", "MPH0000000007", "11", "1"]])
        #expect(all.contains(["SVC", "HC:20552", "-150", "-150"]))
        #expect(all.contains(["BPR", "H", "0", "C", "NON", "", "", "", "", "", "", "", "", "", "", "", "20260120"]))
        // BPR02 may not be negative: the $150 taken back moves to a later payment.
        #expect(all.filter { $0[0] == "PLB" } == [["PLB", "1234567893", "20261231", "FB:MP1-1", "-150"]])
        expectBalanced(remittance.text)
    }

    @Test("a replacement restates the replaced claim reversed, then itself; a denied original reverses its CAS and RARCs")
    func replacementReversesThenPays() throws {
        let fixture = try ReversalClaims()
        let replacement = fixture.replacement
        func written(_ original: Outcome) throws -> (remittance: Remittance835, segments: [[String]]) {
            let item = AdjudicatedClaim(claim: replacement, determination: determination(replacement, .approved, lines: [.approved]),
                                        payerClaimControlNumber: "MPH0000000009", reversal: fixture.reversal(of: fixture.original, original))
            let batch = try Remittance835Writer(settings: remittanceSettings).write([item], firstControlNumber: 3)
            #expect(batch.unremitted.isEmpty)
            let remittance = try #require(batch.remittances.first)
            expectBalanced(remittance.text)
            return (remittance, segments(remittance.text))
        }
        let paid = try written(.approved)
        #expect(paid.segments.filter { $0[0] == "CLP" } == [
            ["CLP", "FB-1001", "22", "-150", "-150", "", "16", "MPH0000000007", "11", "1"],
            ["CLP", "FB-1001R", "1", "175", "175", "", "16", "MPH0000000009", "11", "7"],
        ])
        #expect(paid.remittance.claimCount == 2)
        #expect(paid.remittance.paidCents == 2500)
        #expect(paid.segments.contains { $0[0] == "BPR" && $0[1] == "I" && $0[2] == "25" })
        #expect(!paid.segments.contains { $0[0] == "PLB" })

        let denied = try written(.denied)
        #expect(denied.segments.filter { $0[0] == "CLP" }.map { Array($0[1...4]) } == [["FB-1001", "22", "-150", "0"], ["FB-1001R", "1", "175", "175"]])
        #expect(denied.segments.contains(["CAS", "CO", "16", "-150"]))
        #expect(denied.segments.contains(["LQ", "HE", "M76"]))
        #expect(denied.remittance.paidCents == 17500)
    }

    @Test("a reversal goes to the 835 of the payer that paid: a replacement or void naming another payer's claim")
    func reversalGoesToThePayerThatPaid() throws {
        let fixture = try ReversalClaims()
        var paidByAetna = fixture.reversal(of: fixture.original, .approved)
        paidByAetna.determination.payer = "aetna"
        let replacement = fixture.replacement, void = fixture.void
        let batch = try Remittance835Writer(settings: remittanceSettings).write([
            AdjudicatedClaim(claim: replacement, determination: determination(replacement, .approved, lines: [.approved]),
                             payerClaimControlNumber: "MPH0000000009", reversal: paidByAetna),
        ], firstControlNumber: 1)
        #expect(batch.remittances.map(\.payer) == ["aetna", "florida-blue"])
        let aetna = segments(batch.remittances[0].text), floridaBlue = segments(batch.remittances[1].text)
        #expect(aetna.filter { $0[0] == "CLP" }.map { Array($0[1...4]) } == [["FB-1001", "22", "-150", "-150"]])
        #expect(aetna.contains { $0[0] == "PLB" })
        #expect(floridaBlue.filter { $0[0] == "CLP" }.map { Array($0[1...4]) } == [["FB-1001R", "1", "175", "175"]])
        for remittance in batch.remittances { expectBalanced(remittance.text) }

        // A void's reversal alone, in the paying payer's 835; the stream counts the void as remitted once.
        var voidedAtAetna = paidByAetna
        voidedAtAetna.encounter.id = "FB-1000"
        let stream = Remittance835Stream(writer: Remittance835Writer(settings: remittanceSettings), firstControlNumber: 1)
        let unremitted = try stream.add([AdjudicatedClaim(claim: void, determination: determination(void, .notApplicable, lines: [.notApplicable]),
                                                          reversal: voidedAtAetna)])
        #expect(unremitted.isEmpty)
        #expect(stream.payers == ["aetna"])
        let totals = try stream.finish(payer: "aetna", into: X12Output())
        #expect(totals.claimCount == 1 && totals.reversals == 1 && totals.remittedClaims == 1)
    }

    @Test("a void with no remittance to reverse is not written, and says why; a replacement not remitted holds its reversal back")
    func unreversibleVoids() throws {
        let fixture = try ReversalClaims()
        let void = fixture.void
        let voidDetermination = determination(void, .notApplicable, lines: [.notApplicable])
        var chargeless = fixture.reversal(of: fixture.original, id: "FB-1000", .approved)
        chargeless.encounter.lines[0].charge = nil
        // Recorded by `check --db` from JSON, which bounds a charge only below: no crash converting it.
        var absurd = chargeless
        absurd.encounter.lines[0].charge = 1e300
        var undecided = fixture.reversal(of: fixture.original, id: "FB-1000", .approved)
        undecided.determination.lines = []
        let cases: [(AdjudicatedClaim, String)] = [
            (AdjudicatedClaim(claim: void, determination: voidDetermination),
             "void of claim FB-1000: its payment is not known without a claim history (--db), so no reversal is written"),
            (AdjudicatedClaim(claim: void, determination: voidDetermination, reversal: fixture.reversal(of: fixture.original, id: "FB-1000", .pended)),
             "void of claim FB-1000: it was pended, so nothing was paid to reverse"),
            (AdjudicatedClaim(claim: void, determination: voidDetermination, reversal: fixture.reversal(of: fixture.original, id: "FB-1000", .notApplicable)),
             "void of claim FB-1000: no policy adjudicated it, so nothing was remitted to reverse"),
            (AdjudicatedClaim(claim: void, determination: voidDetermination, reversal: chargeless),
             "void of claim FB-1000: its recorded line 1 has no charge, so its payment cannot be restated"),
            (AdjudicatedClaim(claim: void, determination: voidDetermination, reversal: absurd),
             "void of claim FB-1000: its recorded line 1 has the charge 1e+300, so its payment cannot be restated"),
            (AdjudicatedClaim(claim: void, determination: voidDetermination, reversal: undecided),
             "void of claim FB-1000: its recorded determination does not decide line 1, so its payment cannot be restated"),
            (AdjudicatedClaim(claim: fixture.replacement, determination: determination(fixture.replacement, .pended, lines: [.pended]),
                              reversal: fixture.reversal(of: fixture.original, .approved)),
             "pended for medical review (the reversal of claim FB-1001 waits with it)"),
            (AdjudicatedClaim(claim: fixture.replacement,
                              determination: Determination(encounterId: "FB-1001R", payer: "florida-blue", policy: nil, outcome: .notApplicable,
                                                           lines: [LineDetermination(index: 1, code: "20553", outcome: .notApplicable, reasons: [])],
                                                           reasons: [Reason(rule: "policy.none", carc: nil, message: "No policy in effect.", citation: nil)],
                                                           coding: CodingAdvice(), documentation: DocumentationAdvice()),
                              reversal: fixture.reversal(of: fixture.original, .approved)),
             "No policy in effect. (the reversal of claim FB-1001 waits with it)"),
        ]
        for (item, reason) in cases {
            let batch = try Remittance835Writer(settings: remittanceSettings).write([item], firstControlNumber: 1)
            #expect(batch.remittances.isEmpty, "\(reason)")
            #expect(batch.unremitted.map(\.reason) == [reason])
        }
    }

    @Test("CLP02 follows the payer's place on the claim (SBR01): 2 secondary, 3 tertiary; 4 when nothing is paid")
    func coordinationOfBenefitsStatus() throws {
        var claim = try #require(try read837(try fixture("cob-two-payers.837")).claims.first)
        #expect(claim.payerResponsibility == "P")
        for (responsibility, outcome, status) in [("P", Outcome.approved, "1"), ("S", .approved, "2"), ("T", .approved, "3"), ("S", .denied, "4")] {
            claim.payerResponsibility = responsibility
            let lines = Array(repeating: outcome, count: claim.lines.count)
            let batch = try Remittance835Writer(settings: remittanceSettings).write(
                [AdjudicatedClaim(claim: claim, determination: determination(claim, outcome, lines: lines))], firstControlNumber: 1)
            let clp = try #require(segments(batch.remittances[0].text).first { $0[0] == "CLP" })
            #expect(clp[2] == status, "SBR01 \(responsibility), \(outcome.rawValue)")
        }
        // The reader takes SBR01 from the subscriber loop (2000B), not from the other payers' 2320 loops.
        let secondary = try fixture("cob-two-payers.837").replacingOccurrences(of: "SBR*P*18*******HM", with: "SBR*S*18*******HM")
        #expect(try read837(secondary).claims.first?.payerResponsibility == "S")
    }

    @Test("payments that add up past the largest 835 amount (R1/18) are refused with the claim that overflows, not trapped")
    func totalsPastTheLargestAmountAreRefused() throws {
        var claim = try read837(try fixture("multiple-claims.837")).claims[0]
        let largest = 99_999_999_999_999_999  // 999,999,999,999,999.99: an 837 amount's limit, one line
        claim.lines = [claim.lines[0]]
        claim.lines[0].chargeCents = largest
        claim.totalChargeCents = largest
        // 93 such approved claims for one payee sum past Int.max cents; 2 already past R1/18.
        let items = (1...93).map { number in
            var copy = claim
            copy.encounter.id = "BIG-\(number)"
            return AdjudicatedClaim(claim: copy, determination: determination(copy, .approved, lines: [.approved]))
        }
        let writer = Remittance835Writer(settings: remittanceSettings)
        #expect(throws: RemittanceError(claimId: "BIG-2", message: "the payments of this transaction add up past 999999999999999.99, the largest amount an 835 carries",
                                        isCallersToFix: true)) {
            try writer.write(items, firstControlNumber: 1)
        }
        // One alone is written.
        let one = try writer.write([items[0]], firstControlNumber: 1)
        #expect(one.remittances.first?.paidCents == largest)

        // One such claim per payee: every transaction fits, the file's total would pass Int.
        let stream = Remittance835Stream(writer: writer, firstControlNumber: 1)
        let separate = items.enumerated().map { offset, item in
            var copy = item
            copy.claim.billingProvider = BillingProvider(name: "PAYEE \(offset)", npi: String(1_000_000_000 + offset))
            return copy
        }
        #expect(throws: RemittanceError(claimId: "BIG-93", message: "the payments of this file for aetna add up past what can be totalled",
                                        isCallersToFix: true)) {
            _ = try stream.add(separate)
        }
    }

    @Test("inconsistent input is refused: missing payer settings, a denied line without CARC, a missing line")
    func refusals() throws {
        let claim = try #require(try read837(try fixture("commercial.837")).claims.first)
        let writer = Remittance835Writer(settings: RemittanceSettings(senderId: "A", receiverId: "B",
                                                                      productionDate: LocalDate("2026-01-20")!, payers: [:]))
        #expect(throws: RemittanceError.self) {
            try writer.write([AdjudicatedClaim(claim: claim, determination: determination(claim, .approved, lines: [.approved, .approved]))],
                             firstControlNumber: 1)
        }
        let full = Remittance835Writer(settings: remittanceSettings)
        let noCARC = Reason(rule: "x", carc: nil, message: "no code", citation: nil)
        #expect(throws: RemittanceError(claimId: "26463774", message: "line 2 is denied without a CARC")) {
            try full.write([AdjudicatedClaim(claim: claim, determination: determination(claim, .partial, lines: [.approved, .denied], reasons: [noCARC]))],
                           firstControlNumber: 1)
        }
        #expect(throws: RemittanceError(claimId: "26463774", message: "the determination has no line 2")) {
            try full.write([AdjudicatedClaim(claim: claim, determination: determination(claim, .approved, lines: [.approved]))],
                           firstControlNumber: 1)
        }
    }
}

/// The 835's totals balance: CLP03 = ΣSVC02, CLP04 = ΣSVC03, SVC02 − SVC03 = ΣCAS,
/// BPR02 = ΣCLP04 − ΣPLB, BPR02 ≥ 0, SE01 counts the segments, GE01 the transaction sets.
func expectBalanced(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let all = segments(text)
    var stStart = 0, bpr = 0, clpPaid = 0, plb = 0, claimCharge = 0, claimPaid = 0, svcCharge = 0, svcPaid = 0
    var lineCharge = 0, linePaid = 0, lineAdjusted = 0, inLine = false, transactions = 0
    func closeLine() {
        if inLine { #expect(lineCharge - linePaid == lineAdjusted, sourceLocation: sourceLocation) }
        inLine = false; lineAdjusted = 0
    }
    func closeClaim() {
        closeLine()
        #expect(claimCharge == svcCharge, sourceLocation: sourceLocation)
        #expect(claimPaid == svcPaid, sourceLocation: sourceLocation)
        svcCharge = 0; svcPaid = 0; claimCharge = 0; claimPaid = 0
    }
    for (index, segment) in all.enumerated() {
        switch segment[0] {
        case "ST": stStart = index; transactions += 1; bpr = 0; clpPaid = 0; plb = 0
        case "BPR": bpr = cents(segment[2])
        case "CLP":
            closeClaim()
            claimCharge = cents(segment[3]); claimPaid = cents(segment[4]); clpPaid += claimPaid
        case "SVC":
            closeLine()
            inLine = true
            lineCharge = cents(segment[2]); linePaid = cents(segment[3])
            svcCharge += lineCharge; svcPaid += linePaid
        case "CAS": lineAdjusted += cents(segment[3])
        case "PLB":
            closeClaim()
            for amount in stride(from: 4, to: segment.count, by: 2) { plb += cents(segment[amount]) }
        case "SE":
            closeClaim()
            #expect(Int(segment[1]) == index - stStart + 1, sourceLocation: sourceLocation)
            #expect(bpr >= 0, sourceLocation: sourceLocation)
            #expect(bpr == clpPaid - plb, sourceLocation: sourceLocation)
        case "GE": #expect(Int(segment[1]) == transactions, sourceLocation: sourceLocation)
        default: break
        }
    }
}

/// The replacement-void fixture's claims: FB-1001 (20552, $150), its replacement FB-1001R (20553,
/// $175) and FB-1002V, a void; `recorded` is FB-1001 as a history would hand it back for the void
/// (the void names FB-1000: the same claim under that id).
struct ReversalClaims {
    let original: ParsedClaim, replacement: ParsedClaim, void: ParsedClaim

    init() throws {
        let claims = try read837(try fixture("replacement-void.837")).claims
        original = claims[0]; replacement = claims[1]; void = claims[2]
    }

    func reversal(of claim: ParsedClaim, id: String? = nil, _ outcome: Outcome, number: Int64 = 7) -> RemittanceReversal {
        var encounter = claim.encounter
        if let id { encounter.id = id }
        let lines = Array(repeating: outcome == .partial ? Outcome.approved : outcome, count: claim.lines.count)
        return RemittanceReversal(encounter: encounter, determination: determination(claim, outcome, lines: lines),
                                  payerClaimControlNumber: Remittance835Writer.payerClaimControlNumber(record: number))
    }
}

/// Determinations of every kind for generated claims: approved, denied (CARC 16/M76), partial, pended, not applicable.
func syntheticDeterminations(_ claims: [ParsedClaim]) -> [AdjudicatedClaim] {
    claims.enumerated().map { offset, claim in
        let count = claim.encounter.lines.count
        if claim.encounter.frequency == .void {
            return AdjudicatedClaim(claim: claim, determination: determination(claim, .notApplicable, lines: []))
        }
        switch offset % 5 {
        case 0: return AdjudicatedClaim(claim: claim, determination: determination(claim, .approved, lines: Array(repeating: .approved, count: count)))
        case 1: return AdjudicatedClaim(claim: claim, determination: determination(claim, .denied, lines: Array(repeating: .denied, count: count)))
        case 2:
            let lines: [Outcome] = count > 1 ? [.denied] + Array(repeating: .approved, count: count - 1) : [.approved]
            return AdjudicatedClaim(claim: claim, determination: determination(claim, count > 1 ? .partial : .approved, lines: lines,
                                                                               reasons: [criteriaReason]))
        case 3: return AdjudicatedClaim(claim: claim, determination: determination(claim, .pended, lines: Array(repeating: .pended, count: count)))
        default: return AdjudicatedClaim(claim: claim, determination: determination(claim, .notApplicable, lines: Array(repeating: .notApplicable, count: count)))
        }
    }
}
