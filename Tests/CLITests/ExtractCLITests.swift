import Foundation
import Testing

@Suite("medpolicy extract")
struct ExtractCLITests {
    @Test("a note becomes a JSON draft with evidence and questions")
    func noteToJSON() throws {
        let run = try medpolicy(["extract", "Tests/NoteIntakeTests/Corpus/01-templated-neck.txt", "--payer", "florida-blue", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let answer = try #require(run.json as? [String: Any])
        let encounter = try #require(answer["encounter"] as? [String: Any])
        #expect((encounter["coverage"] as? [String: Any])?["payer"] as? String == "florida-blue")
        #expect(encounter["dateOfService"] as? String == "2025-03-14")
        #expect(((answer["evidence"] as? [[String: Any]]) ?? []).contains { $0["fact"] as? String == "procedure.sites[0].muscle" })
    }

    @Test("the text output lists sites and questions")
    func noteToText() throws {
        let run = try medpolicy(["extract", "-"], stdin: "TPI lumbar paraspinals x4 with lidocaine. CPT 20553.")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Questions for the coder"))
        #expect(run.stdout.contains("lumbar paraspinals"))
    }

    @Test("empty, foreign-language notes and bad dates exit 2 with a message")
    func badInput() throws {
        let empty = try medpolicy(["extract", "-"], stdin: "")
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("empty"))
        let german = try medpolicy(["extract", "-"], stdin: "Patientin klagt über Nackenschmerzen seit drei Monaten.")
        #expect(german.status == 2)
        #expect(german.stderr.contains("no trigger point"))
        let date = try medpolicy(["extract", "-", "--date", "14.03.2025"], stdin: "TPI left trapezius x2.")
        #expect(date.status == 2)
        #expect(date.stderr.contains("--date"))
    }
}
