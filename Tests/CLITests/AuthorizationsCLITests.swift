import Foundation
import Testing

/// `medpolicy authorizations import` and `history show` (issue 19): prior authorizations on file,
/// and a submitted Harvard Pilgrim claim held to them.
@Suite("medpolicy authorizations")
struct AuthorizationsCLITests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-authorizations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    static let authorizations = """
        [{"number":"PA-CLI-1","payer":"harvard-pilgrim","memberId":"M-001","status":"approved","issued":"2025-08-01",
          "policy":"harvard-pilgrim/trigger-point-injections",
          "items":[{"code":"20552","units":2,"from":"2025-08-01","to":"2026-01-31"}],
          "clinical":{"conservativeTherapy":[{"type":"physical_therapy","start":"2025-06-05","end":"2025-07-25","outcome":"failed"}]}},
         {"number":"PA-CLI-2","payer":"aetna","memberId":"M-001","status":"partial","issued":"2025-09-01",
          "items":[{"code":"20553","units":1,"from":"2025-09-01","to":"2025-12-31"}]}]
        """

    func write(_ text: String, _ name: String) throws -> String {
        let path = scratch.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func onFile(_ member: String, db: String) throws -> [[String: Any]] {
        let run = try medpolicy(["history", "show", member, "--db", db, "--format", "json"])
        // Nothing was ever recorded: there is no database, and showing one never creates it (issue 27.10).
        if !FileManager.default.fileExists(atPath: db) {
            #expect(run.status == 2, "\(run.stderr)")
            return []
        }
        #expect(run.status == 0, "\(run.stderr)")
        let view = try #require(run.json as? [String: Any])
        return try #require(view["authorizations"] as? [[String: Any]])
    }

    @Test func importsAndHistoryShowListsThem() throws {
        let db = scratch.appendingPathComponent("h.sqlite").path
        let run = try medpolicy(["authorizations", "import", try write(Self.authorizations, "pa.json"), "--db", db])
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
        let db = scratch.appendingPathComponent("bad.sqlite").path
        let bad = Self.authorizations.replacingOccurrences(of: #""units":1"#, with: #""units":0"#)
            .replacingOccurrences(of: #""status":"partial""#, with: #""status":"pending""#)
        let file = try write(bad, "bad.json")
        let run = try medpolicy(["authorizations", "import", file, "--db", db])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(file): [1].status"), "\(run.stderr)")
        #expect(run.stderr.contains("\(file): [1].items[0].units"), "\(run.stderr)")
        // The first, valid authorization was not recorded either.
        #expect(try onFile("M-001", db: db).isEmpty)
        let notJSON = try medpolicy(["authorizations", "import", try write("[{", "broken.json"), "--db", db])
        #expect(notJSON.status == 2)
        #expect(notJSON.stderr.contains("not valid JSON"))
        let noStore = try medpolicy(["authorizations", "import", file])
        #expect(noStore.status == 2)
    }

    @Test func aSubmittedClaimIsHeldToTheAuthorizationOnFile() throws {
        let db = scratch.appendingPathComponent("claim.sqlite").path
        #expect(try medpolicy(["authorizations", "import", try write(Self.authorizations, "pa.json"), "--db", db]).status == 0)
        let example = try Data(contentsOf: repositoryRoot.appendingPathComponent("Examples/harvard-pilgrim-approved.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: example) as? [String: Any])
        json["stage"] = "claim"
        json["clinical"] = nil
        func check(_ id: String, number: String?) throws -> [String: Any] {
            json["id"] = id
            json["priorAuthorization"] = number
            let file = scratch.appendingPathComponent("\(id).json")
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
