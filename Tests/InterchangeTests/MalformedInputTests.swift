import Foundation
import Interchange
import Model
import Testing

/// The commercial fixture with one segment replaced (or removed when `new` is nil).
func commercial(replacing old: String, with new: String?) throws -> String {
    let text = try fixture("commercial.837")
    let target = old + "~\n"
    guard text.contains(target) else { throw FixtureMissing(name: "segment \(old) in commercial.837") }
    return text.replacingOccurrences(of: target, with: new.map { $0 + "~\n" } ?? "")
}

/// The single problem of a one-claim file whose claim must be skipped.
func onlyClaimIssue(_ text: String) throws -> X12Issue {
    let result = try read837(text)
    #expect(result.claims.isEmpty)
    #expect(result.claimErrors.count == 1)
    return try #require(result.claimErrors.first).issue
}

@Suite("malformed 837 input: located errors")
struct MalformedInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let old: String
        let new: String?
        let segment: Int
        let segmentId: String
        let element: String?
        let fragment: String
        var testDescription: String { "\(segmentId) \(element ?? "-"): \(fragment)" }
    }

    static let sv1 = "SV1*HC:20552*150*UN*1***1:2"
    static let cases: [Case] = [
        Case(old: sv1, new: "SV1*HC:20552*150*UN*X***1:2", segment: 29, segmentId: "SV1", element: "SV104", fragment: "units must be a positive number, got \"X\""),
        Case(old: sv1, new: "SV1*HC:20552*150*UN*0***1:2", segment: 29, segmentId: "SV1", element: "SV104", fragment: "got \"0\""),
        Case(old: sv1, new: "SV1*HC:20552*1,50*UN*1***1:2", segment: 29, segmentId: "SV1", element: "SV102", fragment: "line charge must be an amount"),
        Case(old: sv1, new: "SV1*HC:2055*150*UN*1***1:2", segment: 29, segmentId: "SV1", element: "SV101-2", fragment: "\"2055\" is not a CPT or HCPCS code"),
        Case(old: sv1, new: "SV1*ZZ:20552*150*UN*1***1:2", segment: 29, segmentId: "SV1", element: "SV101-1", fragment: "must be HC"),
        Case(old: sv1, new: "SV1*HC:20552:2*150*UN*1***1:2", segment: 29, segmentId: "SV1", element: "SV101-3", fragment: "modifier must be two letters or digits, got \"2\""),
        Case(old: sv1, new: "SV1*HC:20552*150*XX*1***1:2", segment: 29, segmentId: "SV1", element: "SV103", fragment: "unit basis"),
        Case(old: sv1, new: "SV1*HC:20552*150*UN*1***5", segment: 29, segmentId: "SV1", element: "SV107-1", fragment: "points past the claim's 2 diagnoses"),
        Case(old: sv1, new: "SV1*HC:20552*150*UN*1***1:A", segment: 29, segmentId: "SV1", element: "SV107-2", fragment: "got \"A\""),
        Case(old: sv1, new: "SV1*HC:20552*150*UN*1*1A**1", segment: 29, segmentId: "SV1", element: "SV105", fragment: "two digits"),
        Case(old: "LX*2~\n" + sv1 + "~\nDTP*472*D8*20250910", new: "LX*2~\n" + sv1 + "~\nDTP*472*D8*20250931", segment: 30, segmentId: "DTP", element: "DTP03", fragment: "\"20250931\""),
        Case(old: "LX*2~\n" + sv1 + "~\nDTP*472*D8*20250910", new: "LX*2~\n" + sv1 + "~\nDTP*472*D6*20250910", segment: 30, segmentId: "DTP", element: "DTP02", fragment: "D8 or RD8"),
        Case(old: "LX*2~\n" + sv1 + "~\nDTP*472*D8*20250910", new: "LX*2~\n" + sv1 + "~\nDTP*472*RD8*20250910", segment: 30, segmentId: "DTP", element: "DTP03", fragment: "CCYYMMDD-CCYYMMDD"),
        Case(old: "HI*ABK:M7918*ABF:M542", new: "HI*ABX:M7918*ABF:M542", segment: 24, segmentId: "HI", element: "HI01-1", fragment: "ABK or ABF"),
        Case(old: "HI*ABK:M7918*ABF:M542", new: "HI*ABK:M7918*ABF:5422", segment: 24, segmentId: "HI", element: "HI02-2", fragment: "\"5422\" is not an ICD-10-CM code"),
        Case(old: "HI*ABK:M7918*ABF:M542", new: "HI*ABK:M79.18*ABF:M542", segment: 24, segmentId: "HI", element: "HI01-2", fragment: "without a dot"),
        Case(old: "HI*ABK:M7918*ABF:M542", new: "HI*BK:7291*BF:7231", segment: 24, segmentId: "HI", element: "HI01-1", fragment: "ICD-9-CM"),
        Case(old: "HI*ABK:M7918*ABF:M542", new: "HI*ABF:M7918*ABK:M542", segment: 24, segmentId: "HI", element: "HI01-1", fragment: "before the ABK principal"),
        Case(old: "CLM*26463774*260***11:B:1*Y*A*Y*Y", new: "CLM*26463774*abc***11:B:1*Y*A*Y*Y", segment: 21, segmentId: "CLM", element: "CLM02", fragment: "got \"abc\""),
        Case(old: "CLM*26463774*260***11:B:1*Y*A*Y*Y", new: "CLM*26463774*300***11:B:1*Y*A*Y*Y", segment: 21, segmentId: "CLM", element: "CLM02", fragment: "not the sum of the line charges 260"),
        Case(old: "CLM*26463774*260***11:B:1*Y*A*Y*Y", new: "CLM*26463774*260***11:B:5*Y*A*Y*Y", segment: 21, segmentId: "CLM", element: "CLM05-3", fragment: "got \"5\""),
        Case(old: "CLM*26463774*260***11:B:1*Y*A*Y*Y", new: "CLM*26463774*260***1:B:1*Y*A*Y*Y", segment: 21, segmentId: "CLM", element: "CLM05-1", fragment: "two digits, got \"1\""),
        Case(old: "CLM*26463774*260***11:B:1*Y*A*Y*Y", new: "CLM*26463774*260***11:A:1*Y*A*Y*Y", segment: 21, segmentId: "CLM", element: "CLM05-2", fragment: "must be B"),
        Case(old: "CLM*26463774*260***11:B:1*Y*A*Y*Y", new: "CLM**260***11:B:1*Y*A*Y*Y", segment: 21, segmentId: "CLM", element: "CLM01", fragment: "missing"),
        Case(old: "CLM*26463774*260***11:B:1*Y*A*Y*Y", new: "CLM*26463774*260***11:B:7*Y*A*Y*Y", segment: 21, segmentId: "CLM", element: "CLM05-3", fragment: "REF*F8"),
        Case(old: "DMG*D8*19430501*M", new: "DMG*D8*19430231*M", segment: 19, segmentId: "DMG", element: "DMG02", fragment: "\"19430231\""),
        Case(old: "DMG*D8*19430501*M", new: "DMG*D8*19430501*X", segment: 19, segmentId: "DMG", element: "DMG03", fragment: "F, M or U"),
        Case(old: "DMG*D8*19430501*M", new: "DMG*DB*19430501*M", segment: 19, segmentId: "DMG", element: "DMG01", fragment: "D8"),
        Case(old: "NM1*IL*1*SMITH*TED****MI*XYZ123456789", new: "NM1*IL*1*SMITH*TED", segment: 16, segmentId: "NM1", element: "NM109", fragment: "member id is missing"),
        Case(old: "SBR*P*18*GR00786******BL", new: "SBR*P*18*GR00786******QQ", segment: 15, segmentId: "SBR", element: "SBR09", fragment: "\"QQ\""),
        Case(old: "SBR*P*18*GR00786******BL", new: "SBR*X*18*GR00786******BL", segment: 15, segmentId: "SBR", element: "SBR01",
             fragment: "\"X\" is not a payer responsibility sequence number code"),
        Case(old: "SBR*P*18*GR00786******BL", new: "SBR**18*GR00786******BL", segment: 15, segmentId: "SBR", element: "SBR01",
             fragment: "payer responsibility sequence number code is missing"),
        Case(old: "HL*2*1*22*0", new: "HL*2*9*22*0", segment: 14, segmentId: "HL", element: "HL02", fragment: "\"9\" is not an earlier HL"),
        Case(old: "HL*2*1*22*0", new: "HL*2*1*99*0", segment: 14, segmentId: "HL", element: "HL03", fragment: "got \"99\""),
        Case(old: "HL*2*1*22*0", new: "HL*1*1*22*0", segment: 14, segmentId: "HL", element: "HL01", fragment: "used twice"),
        Case(old: "LX*2", new: "LX*3", segment: 28, segmentId: "LX", element: "LX01", fragment: "expected 2, got 3"),
        Case(old: "LX*2", new: nil, segment: 28, segmentId: "SV1", element: nil, fragment: "a second SV1 in service line 1"),
    ]

    @Test("a bad element names its segment number and element", arguments: cases)
    func located(_ c: Case) throws {
        let issue = try onlyClaimIssue(try commercial(replacing: c.old, with: c.new))
        #expect(issue.segmentNumber == c.segment)
        #expect(issue.segmentId == c.segmentId)
        #expect(issue.element == c.element)
        #expect(issue.message.contains(c.fragment), "\(issue)")
    }

    @Test("the message reads: segment N (ID), element REF: what is wrong")
    func messageShape() throws {
        let issue = try onlyClaimIssue(try commercial(replacing: Self.sv1, with: "SV1*HC:20552*150*UN*X***1:2"))
        #expect(issue.description == "segment 29 (SV1), element SV104: units must be a positive number, got \"X\"")
        let result = try read837(try commercial(replacing: Self.sv1, with: "SV1*HC:20552*150*UN*X***1:2"))
        #expect(result.claimErrors.first?.description
                == "claim \"26463774\" at segment 21: segment 29 (SV1), element SV104: units must be a positive number, got \"X\"")
    }

    @Test("a line without a service date is reported at its SV1")
    func missingServiceDate() throws {
        let issue = try onlyClaimIssue(try commercial(replacing: "LX*2~\n" + Self.sv1 + "~\nDTP*472*D8*20250910", with: "LX*2~\n" + Self.sv1))
        #expect(issue.segmentNumber == 29)
        #expect(issue.segmentId == "SV1")
        #expect(issue.message == "service line 2 has no service date (DTP*472)")
    }

    @Test("without an HI segment, a line's diagnosis pointer points past zero diagnoses")
    func claimWithoutDiagnoses() throws {
        let issue = try onlyClaimIssue(try commercial(replacing: "HI*ABK:M7918*ABF:M542", with: nil))
        #expect(issue.segmentNumber == 25)
        #expect(issue.element == "SV107-1")
        #expect(issue.message == "diagnosis pointer 1 points past the claim's 0 diagnoses")
    }

    @Test("a bad claim is skipped and reading resumes at the next claim")
    func resynchronizes() throws {
        let text = try fixture("multiple-claims.837").replacingOccurrences(of: "SV1*HC:20553*175*UN*1***1:2", with: "SV1*HC:20553*175*UN*Z***1:2")
        let result = try read837(text)
        #expect(result.claims.map(\.encounter.id) == ["AET-1", "TC-77", "MCR-9"])
        #expect(result.claimErrors.map(\.claimId) == ["AET-2"])
        #expect(result.claimErrors.first?.issue.element == "SV104")
        #expect(result.envelopeIssues.isEmpty)
    }

    @Test("a broken subscriber loop fails each of its claims, and only those")
    func brokenSubscriber() throws {
        let text = try fixture("multiple-claims.837").replacingOccurrences(of: "DMG*D8*19651120*F", with: "DMG*D8*1965112*F")
        let result = try read837(text)
        #expect(result.claims.map(\.encounter.id) == ["TC-77", "MCR-9"])
        #expect(result.claimErrors.map(\.claimId) == ["AET-1", "AET-2"])
        #expect(result.claimErrors.allSatisfy { $0.issue.element == "DMG02" })
    }

    /// Issue 27.5: a member id with invalid UTF-8 is a located claim error, never read with U+FFFD
    /// (which made UTFMEM\xff and UTFMEM\xfe one member); a valid non-ASCII name is read.
    @Test func invalidUTF8IsALocatedClaimError() throws {
        let text = try fixture("commercial.837")
        let parts = text.components(separatedBy: "MI*XYZ123456789~")
        #expect(parts.count == 2)
        for bad: [UInt8] in [[0xFF], [0xFE], [0xC3]] {
            let bytes = Array(parts[0].utf8) + Array("MI*UTFMEM".utf8) + bad + Array("~".utf8) + Array(parts[1].utf8)
            let result = try X12Reader837(bytes: bytes).readAll()
            #expect(result.claims.isEmpty)
            let issue = try #require(result.claimErrors.first?.issue)
            #expect(issue.segmentId == "NM1")
            #expect(issue.element == "NM109")
            #expect(issue.message.contains("invalid UTF-8"))
        }
        let accented = try read837(text.replacingOccurrences(of: "NM1*IL*1*SMITH*TED", with: "NM1*IL*1*SMITH*TÉD"))
        #expect(accented.claims.count == 1)
        #expect(accented.claimErrors.isEmpty)
    }
    /// Issue 27.5: invalid UTF-8 in an envelope segment (ISA, GS, ST, SE, GE, IEA) is a located
    /// envelope issue (segment, element), as it is inside a transaction.
    @Test func invalidUTF8InTheEnvelopeIsALocatedIssue() throws {
        let text = try fixture("commercial.837")
        let cases: [(segment: String, replacing: String, with: [UInt8], element: String)] = [
            ("ISA", "*ZZ*SUBMITTERID    *", Array("*ZZ*SUBMITTERID".utf8) + [0xFF] + Array("   *".utf8), "ISA06"),
            ("GS", "GS*HC*SUBMITTERID*", Array("GS*HC*SUBMITTER".utf8) + [0xFE] + Array("*".utf8), "GS02"),
            ("ST", "ST*837*0021*", Array("ST*837*002".utf8) + [0xC3] + Array("*".utf8), "ST02"),
        ]
        for (segment, old, new, element) in cases {
            let parts = text.components(separatedBy: old)
            #expect(parts.count == 2, "\(old)")
            let bytes = Array(parts[0].utf8) + new + Array(parts[1].utf8)
            let result = try X12Reader837(bytes: bytes).readAll()
            let issue = result.envelopeIssues.first { $0.message.contains("invalid UTF-8") }
            #expect(issue?.segmentId == segment, "\(result.envelopeIssues)")
            #expect(issue?.element == element, "\(result.envelopeIssues)")
            #expect(issue?.segmentNumber == (segment == "ISA" ? 1 : segment == "GS" ? 2 : 3))
        }
        // The same envelope in valid UTF-8 (an accented letter) has no such issue.
        let accented = try X12Reader837(bytes: Array(text.replacingOccurrences(of: "GS*HC*SUBMITTERID*", with: "GS*HC*SUBMITTÉRID*").utf8)).readAll()
        #expect(!accented.envelopeIssues.contains { $0.message.contains("invalid UTF-8") })
        #expect(accented.claims.count == 1)
    }
}
