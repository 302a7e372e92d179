import Foundation
import Testing

/// `medpolicy batch` with dependents (2000C) and with files that remit nothing (issue 25, items 4 and 5).
@Suite("medpolicy batch: patients and empty remittances")
struct BatchPatientTests {
    let scratch: Scratch

    init() throws { scratch = try Scratch("batch-patient") }

    /// One 837P interchange: a billing provider, then `subscribers` (each the HL 22 loop, with an
    /// optional HL 23 dependent and its claims), with SE01 counted.
    static func interchange(payer: String, payerId: String, filing: String, _ subscribers: [[String]]) -> String {
        var body: [String] = [
            "ST*837*0001*005010X222A1",
            "BHT*0019*00*0001*20250915*1200*CH",
            "NM1*41*2*PREMIER BILLING SERVICE*****46*TGJ23",
            "PER*IC*JERRY*TE*3055552222",
            "NM1*40*2*KEY INSURANCE COMPANY*****46*66783JJT",
            "HL*1**20*1",
            "NM1*85*2*BEN KILDARE SERVICE*****XX*1234567893",
            "N3*234 SEAWAY ST",
            "N4*MIAMI*FL*331111234",
            "REF*EI*587654321",
        ]
        var hl = 1
        for subscriber in subscribers {
            for segment in subscriber {
                if segment.hasPrefix("HL*") {
                    hl += 1
                    // `HL*@*<parent offset>*…`: number HLs in order.
                    let parts = segment.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
                    let parent = parts[2] == "1" ? "1" : String(hl - 1)
                    body.append((["HL", String(hl), parent] + parts[3...]).joined(separator: "*"))
                } else {
                    body.append(segment.replacingOccurrences(of: "{PAYER}", with: "NM1*PR*2*\(payer)*****PI*\(payerId)")
                        .replacingOccurrences(of: "{FILING}", with: filing))
                }
            }
        }
        body.append("SE*\(body.count + 1)*0001")
        return (["ISA*00*          *00*          *ZZ*SUBMITTERID    *ZZ*RECEIVERID     *250915*1253*^*00501*000000101*0*T*:",
                 "GS*HC*SUBMITTERID*RECEIVERID*20250915*1253*101*X*005010X222A1"] + body + ["GE*1*101", "IEA*1*000000101"])
            .map { $0 + "~\n" }.joined()
    }

    static func claim(_ id: String, date: String = "20250910") -> [String] {
        ["CLM*\(id)*150***11:B:1*Y*A*Y*Y", "HI*ABK:M62838", "LX*1", "SV1*HC:20552*150*UN*1***1", "DTP*472*D8*\(date)"]
    }

    /// A parent with a claim, the same parent's child (2000C) with a claim for the same code and
    /// date, then the parent again billing that same service under another claim id.
    static let family = interchange(payer: "FLORIDA BLUE", payerId: "00590", filing: "BL", [
        ["HL*@*1*22*0", "SBR*P*18*GR00786******{FILING}", "NM1*IL*1*SMITH*TED****MI*XYZ123456789", "DMG*D8*19700501*M", "{PAYER}"]
            + claim("PARENT-1"),
        ["HL*@*1*22*1", "SBR*P**GR00786******{FILING}", "NM1*IL*1*SMITH*TED****MI*XYZ123456789", "{PAYER}",
         "HL*@*2*23*0", "PAT*19", "NM1*QC*1*SMITH*JANE", "DMG*D8*20120301*F"] + claim("CHILD-1"),
        ["HL*@*1*22*0", "SBR*P*18*GR00786******{FILING}", "NM1*IL*1*SMITH*TED****MI*XYZ123456789", "DMG*D8*19700501*M", "{PAYER}"]
            + claim("PARENT-2"),
    ])

    @Test("a dependent keeps a history of her own: her claim is no duplicate of her parent's, the parent's second claim is")
    func dependentHistory() throws {
        let file = scratch.path("family.837"), json = scratch.path("family.json"), out = scratch.path("family.835")
        try Data(Self.family.utf8).write(to: URL(fileURLWithPath: file))
        let run = try medpolicy(["batch", file, "--db", scratch.path("history.sqlite"), "--json", json, "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let determinations = try #require(document["determinations"] as? [[String: Any]])
        func carcs(_ id: String) -> [String] {
            guard let determination = determinations.first(where: { $0["encounterId"] as? String == id }),
                  let lines = determination["lines"] as? [[String: Any]] else { return ["missing"] }
            return lines.flatMap { ($0["reasons"] as? [[String: Any]] ?? []).compactMap { $0["carc"] as? String } }
        }
        #expect(!carcs("CHILD-1").contains("18"), "\(carcs("CHILD-1"))")
        #expect(!carcs("PARENT-1").contains("18"))
        #expect(carcs("PARENT-2").contains("18"), "\(carcs("PARENT-2"))")
        // The 835: the parent's remitted duplicate has NM1*QC with his id and no NM1*IL (the child's
        // pended claim is not remitted; her NM1*QC/NM1*IL loop is checked in Remittance835Tests).
        let remittance = try String(contentsOfFile: out, encoding: .utf8)
        let segments = remittance.split(separator: "\n").map { String($0.dropLast()) }
        func loop(_ id: String) -> [String] {
            guard let start = segments.firstIndex(where: { $0.hasPrefix("CLP*\(id)*") }) else { return [] }
            return Array(segments[(start + 1)...].prefix { !$0.hasPrefix("CLP*") && !$0.hasPrefix("SE*") }.filter { $0.hasPrefix("NM1*") })
        }
        #expect(loop("CHILD-1") == [] || loop("CHILD-1") == ["NM1*QC*1*SMITH*JANE", "NM1*IL*1*SMITH*TED****MI*XYZ123456789"], "\(remittance)")
        #expect(loop("PARENT-2") == ["NM1*QC*1*SMITH*TED****MI*XYZ123456789"], "\(remittance)")
    }

    @Test("a file whose every claim is not applicable writes no 835 and says so; other outputs are written")
    func nothingRemitted() throws {
        // TrueCare's policy applies to dates of service 2025-07-01 … 2025-12-31 only.
        let text = Self.interchange(payer: "TRUECARE", payerId: "TC001", filing: "MC", [
            ["HL*@*1*22*0", "SBR*P*18*GR1******{FILING}", "NM1*IL*1*DOE*ANN****MI*TC1", "DMG*D8*19700501*F", "{PAYER}"]
                + Self.claim("EARLY-1", date: "20240110"),
        ])
        let file = scratch.path("early.837"), out = scratch.path("early.835"), json = scratch.path("early.json")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let run = try medpolicy(["batch", file, "--payer", "truecare", "--out", out, "--json", json])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(FileManager.default.fileExists(atPath: json))
        #expect(run.stdout.contains("835: none written to \(out): no claim was remitted (1 pended, not adjudicated or void claims)"), "\(run.stdout)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.folder).filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty)
        let document = try #require(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let determinations = try #require(document["determinations"] as? [[String: Any]])
        #expect(determinations.map { $0["outcome"] as? String } == ["not_applicable"])
    }
}
