import Foundation
import Interchange
import Model
import SyntheticClaims
import TestSupport
import Testing

/// Shapes that real trading partners send and pyx12 reads (issue 25, items 1–3): the 837 reader
/// takes them too, reporting what it tolerated as an envelope issue rather than refusing the file.
@Suite("837 reader: what real files carry")
struct LenientReaderTests {
    /// The commercial fixture with ISA11 (the repetition separator in 5010) set to `U`, as
    /// 4010-era translators still write it.
    static func withISA11U(_ text: String) -> String {
        text.replacingOccurrences(of: "*1253*^*00501*", with: "*1253*U*00501*")
    }

    @Test("ISA11 = U is read as no repetition separator, with an ISA11 envelope issue; the claim is read")
    func isa11U() throws {
        let text = Self.withISA11U(try fixture("commercial.837"))
        #expect(text.contains("*U*00501*"))
        let result = try read837(text)
        #expect(result.claims.count == 1)
        #expect(result.claimErrors.isEmpty)
        let issue = try #require(result.envelopeIssues.first)
        #expect(result.envelopeIssues.count == 1)
        #expect(issue.segmentNumber == 1 && issue.segmentId == "ISA" && issue.element == "ISA11")
        #expect(issue.message.contains("no repetition separator"), "\(issue)")
    }

    @Test("a generated file with ISA11 set to U loses none of its claims")
    func isa11UGenerated() throws {
        let generated = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 40, seed: 7)).bytes()
        var bytes = generated.bytes
        #expect(bytes[82] == UInt8(ascii: "^"))
        bytes[82] = UInt8(ascii: "U")
        let result = try X12Reader837(bytes: bytes).readAll()
        #expect(result.claims.count == 40)
        #expect(result.envelopeIssues.map(\.element) == ["ISA11"])
    }

    @Test("an ISA11 that is another letter is still refused (a letter is no delimiter)")
    func isa11OtherLetter() throws {
        let text = try fixture("commercial.837").replacingOccurrences(of: "*1253*^*00501*", with: "*1253*X*00501*")
        #expect(throws: X12FatalError.self) { try read837(text) }
    }

    @Test("ISA11 = U in a 4010 interchange is correct there: no ISA11 issue")
    func isa11U4010() throws {
        let text = Self.withISA11U(try fixture("commercial.837")).replacingOccurrences(of: "*U*00501*", with: "*U*00401*")
        let result = try read837(text)
        #expect(result.envelopeIssues.map(\.element) == ["ISA12"])
        #expect(result.claims.count == 1)
    }

    @Test("SV101-7 (procedure description) and empty trailing components are not modifiers")
    func procedureDescription() throws {
        let text = try fixture("commercial.837")
            .replacingOccurrences(of: "SV1*HC:20552*150*", with: "SV1*HC:20552:::::TRIGGER POINT INJ*150*")
            .replacingOccurrences(of: "SV1*HC:99213:25*110*", with: "SV1*HC:99213:25::::*110*")
        let result = try read837(text)
        #expect(result.claimErrors.isEmpty, "\(result.claimErrors)")
        let claim = try #require(result.claims.first)
        #expect(claim.lines.map(\.modifiers) == [["25"], []])
        #expect(claim.encounter.lines.map(\.code) == ["99213", "20552"])
    }

    @Test("a description beside four modifiers is read; SV101-8 and a description over 80 characters are refused")
    func procedureDescriptionLimits() throws {
        let base = try fixture("commercial.837")
        let four = try read837(base.replacingOccurrences(of: "SV1*HC:20552*150*", with: "SV1*HC:20552:59:RT:XS:KX:TPI THREE MUSCLES*150*"))
        #expect(four.claims.first?.lines[1].modifiers == ["59", "RT", "XS", "KX"])
        let eighth = try read837(base.replacingOccurrences(of: "SV1*HC:20552*150*", with: "SV1*HC:20552:::::TPI:X*150*"))
        #expect(eighth.claims.isEmpty)
        #expect(eighth.claimErrors.first?.issue.element == "SV101-8")
        let long = String(repeating: "A", count: 81)
        let tooLong = try read837(base.replacingOccurrences(of: "SV1*HC:20552*150*", with: "SV1*HC:20552:::::\(long)*150*"))
        #expect(tooLong.claimErrors.first?.issue.element == "SV101-7")
        let badModifier = try read837(base.replacingOccurrences(of: "SV1*HC:20552*150*", with: "SV1*HC:20552:5*150*"))
        #expect(badModifier.claimErrors.first?.issue.element == "SV101-3")
    }

    @Test("a UTF-8 byte-order mark before the ISA is skipped and reported")
    func byteOrderMark() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(try fixture("commercial.837").utf8)
        let result = try X12Reader837(bytes: bytes).readAll()
        #expect(result.claims.count == 1)
        #expect(result.claimErrors.isEmpty)
        #expect(result.envelopeIssues.count == 1)
        #expect(result.envelopeIssues.first?.message.contains("byte-order mark") == true)
        // The same through a file read in small chunks.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bom.837").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fromFile = try X12Reader837(path: path, chunkSize: 256).readAll()
        #expect(fromFile.claims == result.claims)
        #expect(fromFile.envelopeIssues == result.envelopeIssues)
    }

    @Test("a byte-order mark anywhere but the very start is not skipped")
    func byteOrderMarkLater() throws {
        let bytes: [UInt8] = Array("\n".utf8) + [0xEF, 0xBB, 0xBF] + Array(try fixture("commercial.837").utf8)
        #expect(throws: X12FatalError.self) { try X12Reader837(bytes: bytes).readAll() }
    }
}
