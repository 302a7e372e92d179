import Foundation
import Interchange
import Model
import Testing

@Suite("837 envelopes")
struct EnvelopeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let old: String
        let new: String
        let segment: Int
        let element: String?
        let fragment: String
        /// Whether the claim is still read (envelope problems do not make a claim wrong).
        let claimRead: Bool
        var testDescription: String { "\(element ?? "-"): \(fragment)" }
    }

    static let cases: [Case] = [
        Case(old: "IEA*1*000000905", new: "IEA*2*000000905", segment: 33, element: "IEA01", fragment: "number of functional groups is 1, IEA01 says \"2\"", claimRead: true),
        Case(old: "IEA*1*000000905", new: "IEA*1*000000999", segment: 33, element: "IEA02", fragment: "does not match ISA13 \"000000905\"", claimRead: true),
        Case(old: "GE*1*905", new: "GE*3*905", segment: 32, element: "GE01", fragment: "number of transaction sets is 1, GE01 says \"3\"", claimRead: true),
        Case(old: "GE*1*905", new: "GE*1*906", segment: 32, element: "GE02", fragment: "does not match GS06 \"905\"", claimRead: true),
        Case(old: "SE*29*0021", new: "SE*28*0021", segment: 31, element: "SE01", fragment: "has 29 segments (ST through SE), SE01 says \"28\"", claimRead: true),
        Case(old: "SE*29*0021", new: "SE*29*0022", segment: 31, element: "SE02", fragment: "does not match ST02 \"0021\"", claimRead: true),
        Case(old: "ST*837*0021*005010X222A1", new: "ST*837*0021*005010X223A2", segment: 3, element: "ST03", fragment: "005010X222A1", claimRead: true),
        Case(old: "ST*837*0021*005010X222A1", new: "ST*835*0021*005010X222A1", segment: 3, element: "ST01", fragment: "must be 837, got \"835\"", claimRead: false),
        Case(old: "GS*HC*SUBMITTERID*RECEIVERID*20250915*1253*905*X*005010X222A1", new: "GS*HC*SUBMITTERID*RECEIVERID*20250915*1253*905*X*005010X223A2", segment: 2, element: "GS08", fragment: "005010X222A1", claimRead: true),
        Case(old: "GS*HC*SUBMITTERID*RECEIVERID*20250915*1253*905*X*005010X222A1", new: "GS*HP*SUBMITTERID*RECEIVERID*20250915*1253*905*X*005010X222A1", segment: 2, element: "GS01", fragment: "must be HC", claimRead: true),
    ]

    @Test("envelope counts, control numbers and versions are checked", arguments: cases)
    func envelope(_ c: Case) throws {
        let text = try fixture("commercial.837")
        #expect(text.contains(c.old + "~"))
        let result = try read837(text.replacingOccurrences(of: c.old + "~", with: c.new + "~"))
        #expect(result.envelopeIssues.count == 1)
        let issue = try #require(result.envelopeIssues.first)
        #expect(issue.segmentNumber == c.segment)
        #expect(issue.element == c.element)
        #expect(issue.message.contains(c.fragment), "\(issue)")
        #expect(result.claims.count == (c.claimRead ? 1 : 0))
        #expect(result.claimErrors.isEmpty)
    }

    @Test("no ISA, an empty input and an ISA of the wrong width stop with a clear error")
    func fatal() throws {
        let text = try fixture("commercial.837")
        #expect(throws: X12FatalError.self) { try read837("") }
        #expect(throws: X12FatalError.self) { try read837("\n\n  ") }
        do {
            _ = try read837(String(text.drop(while: { $0 != "\n" }).dropFirst()))
            Issue.record("expected an error for a file starting with GS")
        } catch let error as X12FatalError {
            #expect(error.message == "segment 1: an interchange must start with an ISA segment")
        }
        do {
            _ = try read837(text.replacingOccurrences(of: "*ZZ*SUBMITTERID    *", with: "*ZZ*SUBMITTERID   *"))
            Issue.record("expected an error for a short ISA")
        } catch let error as X12FatalError {
            #expect(error.message.hasPrefix("segment 1 (ISA): the ISA segment is not fixed-width"))
        }
        do {
            _ = try read837(String(text.prefix(80)))
            Issue.record("expected an error for a truncated ISA")
        } catch let error as X12FatalError {
            #expect(error.message.contains("must be 106 characters"))
        }
        #expect(throws: X12FatalError.self) { try X12Reader837(path: "/nonexistent/claims.837") }
    }

    @Test("an input that ends early reports the missing SE, GE and IEA; the claims read so far stay")
    func truncated() throws {
        let text = try fixture("commercial.837")
        let cut = String(text[..<text.range(of: "SE*29")!.lowerBound])
        let result = try read837(cut)
        #expect(result.claims.count == 1)
        #expect(result.envelopeIssues.map(\.message) == [
            "the input ends inside transaction set 0021 (no SE)",
            "the input ends inside functional group 905 (no GE)",
            "the input ends inside interchange 000000905 (no IEA)",
        ])
        #expect(result.envelopeIssues.allSatisfy { $0.segmentNumber == 30 })
    }

    @Test("a last segment without terminator is read and reported")
    func unterminatedLastSegment() throws {
        let text = try fixture("no-newlines.837")
        let result = try read837(String(text.dropLast()))
        #expect(result.claims.count == 1)
        #expect(result.envelopeIssues.count == 1)
        #expect(result.envelopeIssues.first?.segmentNumber == 33)
        #expect(result.envelopeIssues.first?.message.contains("without a segment terminator") == true)
    }

    @Test("interchanges back to back, each with its own delimiters, are all read")
    func consecutiveInterchanges() throws {
        let text = try fixture("commercial.837") + fixture("unusual-delimiters.837") + fixture("replacement-void.837")
        let result = try read837(text)
        #expect(result.envelopeIssues.isEmpty)
        #expect(result.claims.map(\.encounter.id) == ["26463774", "26463774", "FB-1001", "FB-1001R", "FB-1002V"])
        #expect(result.summary.interchanges == 3)
        #expect(result.summary.interchangeControlNumbers == ["000000905", "000000907", "000000910"])
        // Segment numbers run on across interchanges.
        #expect(result.claims[1].segmentNumber == 33 + 21)
    }

    @Test("bytes after the IEA that are not an ISA are reported")
    func trailingGarbage() throws {
        let result = try read837(try fixture("commercial.837") + "HELLO WORLD~")
        #expect(result.claims.count == 1)
        #expect(result.envelopeIssues.count == 1)
        #expect(result.envelopeIssues.first?.segmentNumber == 34)
        #expect(result.envelopeIssues.first?.message.contains("after IEA, expected another ISA") == true)
    }

    @Test("segments outside ST…SE and an SE without ST are reported")
    func structure() throws {
        let text = try fixture("commercial.837").replacingOccurrences(of: "GE*1*905~", with: "SE*2*0021~\nGE*1*905~")
        let result = try read837(text)
        #expect(result.claims.count == 1)
        #expect(result.envelopeIssues.map(\.description) == ["segment 32 (SE): SE without ST"])
    }
}
