import Foundation
import Testing

/// `medpolicy authorizations import` and `history show` (issue 19): prior authorizations on file,
/// and a submitted Harvard Pilgrim claim held to them.
@Suite("medpolicy authorizations")
struct AuthorizationsCLITests {
    let scratch: Scratch

    init() throws { scratch = try Scratch("authorizations") }

    static let authorizations = """
        [{"number":"PA-CLI-1","payer":"harvard-pilgrim","memberId":"M-001","status":"approved","issued":"2025-08-01",
          "policy":"harvard-pilgrim/trigger-point-injections",
          "items":[{"code":"20552","units":2,"from":"2025-08-01","to":"2026-01-31"}],
          "clinical":{"conservativeTherapy":[{"type":"physical_therapy","start":"2025-06-05","end":"2025-07-25","outcome":"failed"}]}},
         {"number":"PA-CLI-2","payer":"aetna","memberId":"M-001","status":"partial","issued":"2025-09-01",
          "items":[{"code":"20553","units":1,"from":"2025-09-01","to":"2025-12-31"}]}]
        """

    func onFile(_ member: String, db: String) throws -> [[String: Any]] { try historyShown(member, db: db, "authorizations") }

    @Test func importsAndHistoryShowListsThem() throws {
        let db = scratch.path("h.sqlite")
        let run = try medpolicy(["authorizations", "import", try scratch.write(Self.authorizations, "pa.json"), "--db", db])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Recorded 2 prior authorizations"))
        let listed = try onFile("M-001", db: db)
        #expect(listed.compactMap { $0["number"] as? String } == ["PA-CLI-1", "PA-CLI-2"])
        #expect((listed.first?["items"] as? [[String: Any]])?.first?["units"] as? Int == 2)
        let text = try medpolicy(["history", "show", "M-001", "--db", db])
        #expect(text.stdout.contains("Prior authorizations on file:"))
        #expect(text.stdout.contains("PA-CLI-1  harvard-pilgrim  approved, issued 2025-08-01  harvard-pilgrim/trigger-point-injections  20552 ×2 2025-08-01 … 2026-01-31"))
        #expect(try onFile("M-OTHER", db: db).isEmpty)
    }

    @Test func aBadFileIsExitTwoWithLocatedErrorsAndRecordsNothing() throws {
        let db = scratch.path("bad.sqlite")
        let bad = Self.authorizations.replacingOccurrences(of: #""units":1"#, with: #""units":0"#)
            .replacingOccurrences(of: #""status":"partial""#, with: #""status":"pending""#)
        let file = try scratch.write(bad, "bad.json")
        let run = try medpolicy(["authorizations", "import", file, "--db", db])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(file): [1].status"), "\(run.stderr)")
        #expect(run.stderr.contains("\(file): [1].items[0].units"), "\(run.stderr)")
        // The first, valid authorization was not recorded either.
        #expect(try onFile("M-001", db: db).isEmpty)
        let notJSON = try medpolicy(["authorizations", "import", try scratch.write("[{", "broken.json"), "--db", db])
        #expect(notJSON.status == 2)
        #expect(notJSON.stderr.contains("not valid JSON"))
        let noStore = try medpolicy(["authorizations", "import", file])
        #expect(noStore.status == 2)
    }

    @Test func aSubmittedClaimIsHeldToTheAuthorizationOnFile() throws {
        let db = scratch.path("claim.sqlite")
        #expect(try medpolicy(["authorizations", "import", try scratch.write(Self.authorizations, "pa.json"), "--db", db]).status == 0)
        let example = try Data(contentsOf: repositoryRoot.appendingPathComponent("Examples/harvard-pilgrim-approved.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: example) as? [String: Any])
        json["stage"] = "claim"
        json["clinical"] = nil
        func check(_ id: String, number: String?) throws -> [String: Any] {
            json["id"] = id
            json["priorAuthorization"] = number
            let file = scratch.url.appendingPathComponent("\(id).json")
            try JSONSerialization.data(withJSONObject: json).write(to: file)
            let run = try medpolicy(["check", file.path, "--db", db, "--format", "json"])
            #expect(run.status == 0, "\(run.stderr)")
            return try #require(run.json as? [String: Any])
        }
        let paid = try check("HP-CLAIM-1", number: "PA-CLI-1")
        #expect(paid["outcome"] as? String == "approved")
        #expect((paid["lines"] as? [[String: Any]])?.first?["authorization"] as? String == "PA-CLI-1")
        json["dateOfService"] = "2025-09-20"  // another session, not a duplicate of the first
        let wrong = try check("HP-CLAIM-2", number: "PA-NOPE")
        #expect(wrong["outcome"] as? String == "denied")
        #expect(((wrong["lines"] as? [[String: Any]])?.first?["reasons"] as? [[String: Any]])?.first?["carc"] as? String == "15")
    }
}
