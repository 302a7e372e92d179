import Foundation
import Testing

/// `medpolicy generate` and `medpolicy batch` end to end, through the binary.
@Suite("medpolicy batch")
struct BatchCLITests {
    let scratch: Scratch

    init() throws { scratch = try Scratch("batch") }

    /// Generates an 837 file; returns its path and the generator's count of deliberate errors.
    func generate(_ name: String, claims: Int, seed: Int, errorRate: Double = 0, errors: String? = nil) throws -> (path: String, errors: Int) {
        let (file, run) = try scratch.generate(name, ["--claims", String(claims), "--seed", String(seed), "--error-rate", String(errorRate)]
            + (errors.map { ["--errors", $0] } ?? []))
        let match = try #require(run.stderr.firstMatch(of: /, (\d+) with deliberate errors/))
        return (file, Int(match.1)!)
    }

    func summary(_ jsonPath: String) throws -> (summary: [String: Any], determinations: [[String: Any]]) {
        let data = try #require(FileManager.default.contents(atPath: jsonPath))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (try #require(document["summary"] as? [String: Any]), try #require(document["determinations"] as? [[String: Any]]))
    }

    @Test func batchWritesThe835TheReportAndTheJSONAndReplaysOnARerun() throws {
        let (file, _) = try generate("claims.837", claims: 400, seed: 11)
        let db = scratch.path("history.sqlite"), out = scratch.path("remit.835"), json = scratch.path("run.json"), report = scratch.path("report.html")
        let run = try medpolicy(["batch", file, "--db", db, "--out", out, "--json", json, "--report", report])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("400 claims"))

        let (stats, determinations) = try summary(json)
        #expect(stats["claims"] as? Int == 400)
        #expect(determinations.count == 400)
        let outcomes = try #require(stats["outcomes"] as? [String: Int])
        #expect(outcomes.values.reduce(0, +) == 400)
        #expect((stats["claimProblems"] as? [Any])?.isEmpty == true)
        // The 835 holds one interchange per payer with a remitted claim, and only remitted claims.
        let remittance = try String(contentsOfFile: out, encoding: .utf8)
        let interchanges = remittance.split(separator: "\n").filter { $0.hasPrefix("ISA*") }.count
        #expect(interchanges >= 1 && interchanges <= 5)
        let clps = remittance.split(separator: "\n").filter { $0.hasPrefix("CLP*") }
            .map { $0.dropLast().split(separator: "*", omittingEmptySubsequences: false).map(String.init) }
        let remitted = try #require(stats["remittedClaims"] as? Int)
        #expect(remitted + (stats["unremitted"] as? Int ?? -1) == 400)
        // Replacements and voids of claims remitted earlier in the file reverse them (CLP02 22): the
        // same claim and payer claim control number (CLP07), every amount negated.
        let reversals = clps.filter { $0[2] == "22" }
        #expect(reversals.count == stats["reversals"] as? Int)
        #expect(!reversals.isEmpty)
        for reversal in reversals {
            let paid = clps.first { $0[1] == reversal[1] && $0[7] == reversal[7] && $0[2] != "22" }
            #expect(paid.map { ["-" + $0[3], "-" + $0[4]] }?.map { $0 == "-0" ? "0" : $0 } == [reversal[3], reversal[4]],
                    "\(reversal)")
        }
        #expect(clps.count >= remitted)
        // The report opens without a network: inline SVG, no scripts, no external references.
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        // No temporary output is left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.folder).filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty)

        // The same file again: every claim is replayed from the history, nothing counted twice.
        let again = try medpolicy(["batch", file, "--db", db, "--json", json, "--out", scratch.path("again.835")])
        #expect(again.status == 0, "\(again.stderr)")
        let (rerun, redetermined) = try summary(json)
        #expect(rerun["replays"] as? Int == 400)
        #expect(redetermined.map { $0["outcome"] as? String } == determinations.map { $0["outcome"] as? String })
        // A rerun (say, after a run stopped before its 835 was written) remits the same claims and
        // reversals under the same payer claim control numbers, so a duplicate is recognizable.
        let rerunCLPs = try String(contentsOfFile: scratch.path("again.835"), encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("CLP*") }
        #expect(rerunCLPs == remittance.split(separator: "\n").filter { $0.hasPrefix("CLP*") })
    }

    @Test func theReportEscapesWhatItQuotes() throws {
        // The file name and a claim problem quoting the file's bytes land in the page escaped.
        let (clean, _) = try generate("clean.837", claims: 5, seed: 4)
        var text = try String(contentsOfFile: clean, encoding: .utf8)
        let first = try #require(text.firstRange(of: #/SV1\*HC:\d{5}/#))
        text.replaceSubrange(first, with: "SV1*HC:<b>&'")
        let named = scratch.path("a<i>&'.837"), report = scratch.path("report.html")
        try Data(text.utf8).write(to: URL(fileURLWithPath: named))
        let run = try medpolicy(["batch", named, "--report", report])
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("a&lt;i&gt;&amp;&#39;.837"), "the file name is escaped")
        #expect(html.contains("&lt;b&gt;&amp;&#39;"), "the quoted claim content is escaped")
        #expect(!html.contains("<b>") && !html.contains("<i>"))
        #expect(html.hasSuffix("</body></html>\n"))
    }

    @Test func batchRecordsIntoPostgreSQLAndReplaysOnARerun() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let base = environment["MEDPOLICY_TEST_POSTGRES"], !base.isEmpty else {
            let reason = "MEDPOLICY_TEST_POSTGRES is not set (.ci/run provisions PostgreSQL)"
            if environment["MEDPOLICY_REQUIRE_ALL"] == "1" { Issue.record(Comment(rawValue: "PostgreSQL is required: \(reason)")); return }
            try Test.cancel(Comment(rawValue: "skipped: \(reason)"))
        }
        // A schema of its own, so runs never see each other's claims.
        let url = base + (base.contains("?") ? "&" : "?") + "schema=mpt_batch_\(UUID().uuidString.prefix(8).lowercased())"
        let (file, _) = try generate("pg.837", claims: 200, seed: 3)
        let json = scratch.path("pg.json")
        let first = try medpolicy(["batch", file, "--postgres", url, "--json", json])
        #expect(first.status == 0, "\(first.stderr)")
        let (stats, determinations) = try summary(json)
        #expect(stats["claims"] as? Int == 200)
        #expect(stats["replays"] as? Int == 0)

        let again = try medpolicy(["batch", file, "--postgres", url, "--json", json])
        #expect(again.status == 0, "\(again.stderr)")
        let (rerun, redetermined) = try summary(json)
        #expect(rerun["replays"] as? Int == 200)
        #expect(redetermined.map { $0["outcome"] as? String } == determinations.map { $0["outcome"] as? String })
    }

    @Test func malformedClaimsAreReportedWithTheirSegmentAndTheRestIsAdjudicated() throws {
        let (file, errors) = try generate("noisy.837", claims: 300, seed: 5, errorRate: 0.05, errors: "x12-syntax")
        #expect(errors > 0)
        let json = scratch.path("noisy.json")
        let run = try medpolicy(["batch", file, "--json", json])
        #expect(run.status == 0, "\(run.stderr)")
        let (stats, _) = try summary(json)
        let problems = try #require(stats["claimProblems"] as? [[String: Any]])
        #expect(problems.count >= errors)
        #expect((stats["claims"] as? Int ?? 0) + problems.count == 300)
        #expect(stats["claimProblemCount"] as? Int == problems.count)
        for problem in problems {
            #expect(problem["segment"] as? Int ?? 0 > 0)
            #expect((problem["message"] as? String ?? "").contains("segment "))
        }
        #expect(run.stdout.contains("claims not adjudicated"))
    }

    /// The outside probe's file (issue 27.2): an ISA and then bad segments only. Nothing is a claim,
    /// so it is bad input (exit 2, as POST /v1/batch answers 422), and the message stays short.
    @Test func aFileOfBadSegmentsOnlyIsExitTwoWithAShortMessage() throws {
        let file = scratch.path("bad-segments.837")
        let isa = "ISA*00*          *00*          *ZZ*SUBMITTERID    *ZZ*RECEIVERID     *250915*1253*^*00501*000000906*0*T*:~"
        try Data((isa + String(repeating: "Z~", count: 5_000)).utf8).write(to: URL(fileURLWithPath: file))
        let json = scratch.path("bad-segments.json")
        let run = try medpolicy(["batch", file, "--json", json])
        #expect(run.status == 2, "\(run.stdout)")
        #expect(run.stderr.contains("no claims in the file"))
        #expect(run.stderr.contains("more envelope issues"))
        #expect(run.stderr.utf8.count < 2_000)
        #expect(!FileManager.default.fileExists(atPath: json))
    }

    /// Envelope issues around real claims are counted, and only the first are kept in --json.
    @Test func envelopeIssuesAreCountedButOnlyTheFirstAreKept() throws {
        let (clean, _) = try generate("clean.837", claims: 5, seed: 3)
        var text = try String(contentsOfFile: clean, encoding: .utf8)
        let afterISA = try #require(text.range(of: "~")).upperBound
        text.insert(contentsOf: String(repeating: "Z~", count: 300), at: afterISA)
        let file = scratch.path("noisy-envelope.837"), json = scratch.path("noisy-envelope.json")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let run = try medpolicy(["batch", file, "--json", json])
        #expect(run.status == 0, "\(run.stderr)")
        let (stats, _) = try summary(json)
        #expect(stats["claims"] as? Int == 5)
        #expect((stats["envelopeIssues"] as? [String])?.count == 100)
        #expect(stats["envelopeIssueCount"] as? Int ?? 0 >= 300)
        #expect(run.stdout.contains("\(stats["envelopeIssueCount"] as? Int ?? -1) envelope issues"))
    }

    /// Issue 27.10: neither --out nor --db creates a missing folder.
    @Test func aMissingOutputOrHistoryFolderIsExitTwo() throws {
        let (file, _) = try generate("two.837", claims: 2, seed: 4)
        let out = try medpolicy(["batch", file, "--out", scratch.path("no/such/x.835")])
        #expect(out.status == 2)
        #expect(out.stderr.contains("does not exist"), "\(out.stderr)")
        let db = try medpolicy(["batch", file, "--db", scratch.path("no/such/h.sqlite")])
        #expect(db.status == 2)
        #expect(db.stderr.contains("does not exist"), "\(db.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("no")))
    }

    @Test func aFileThatIsNotX12IsExitTwoAndWritesNothing() throws {
        let file = scratch.path("not-x12.837")
        try Data("{\"id\": \"CLM-1\"}".utf8).write(to: URL(fileURLWithPath: file))
        let out = scratch.path("never.835")
        let run = try medpolicy(["batch", file, "--out", out, "--report", scratch.path("never.html")])
        #expect(run.status == 2)
        #expect(run.stderr.contains("ISA"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.folder) == ["not-x12.837"])
    }

    @Test func usageErrorsAreExitTwo() throws {
        let (file, _) = try generate("small.837", claims: 5, seed: 1)
        #expect(try medpolicy(["batch", file, "--payer", "nobody"]).status == 2)
        #expect(try medpolicy(["batch", scratch.path("missing.837")]).status == 2)
        #expect(try medpolicy(["batch", file, "--out", scratch.path("no/such/dir/remit.835")]).status == 2)
        #expect(try medpolicy(["generate", "--claims", "0"]).status == 2)
        #expect(try medpolicy(["generate", "--claims", "5", "--error-rate", "2"]).status == 2)
        let unknown = try medpolicy(["generate", "--claims", "5", "--errors", "units,typo"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("\"typo\"") && unknown.stderr.contains("header-dx") && unknown.stderr.contains("x12-syntax"))
    }

    @Test func policiesForOnePayerBillOnlyThatPayer() throws {
        let directory = scratch.path("aetna-only")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repositoryRoot.appendingPathComponent("Policies/aetna-trigger-point-injections.yaml").path,
                                         toPath: directory + "/aetna.yaml")
        let run = try medpolicy(["generate", "--claims", "200", "--seed", "2", "--error-rate", "0.2", "--policies", directory])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("payers: aetna 200"), "\(run.stderr)")
        // Medicare's policy alone: Florida Blue's Medicare Advantage routing lives in Florida Blue's policy, so only Medicare is billed.
        let medicare = scratch.path("medicare-only")
        try FileManager.default.createDirectory(atPath: medicare, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repositoryRoot.appendingPathComponent("Policies/medicare-l33912.yaml").path,
                                         toPath: medicare + "/medicare.yaml")
        let second = try medpolicy(["generate", "--claims", "50", "--policies", medicare])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("payers: medicare 50"), "\(second.stderr)")
    }

    @Test("generate --db puts the Harvard Pilgrim authorizations on file: batch --db on that history pays every clean claim")
    func generatedAuthorizationsOnFilePayCleanClaims() throws {
        let db = scratch.path("payer.sqlite")
        let run = try medpolicy(["generate", "--claims", "400", "--seed", "3", "--db", db])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("REF*G1*"))
        try Data(run.stdout.utf8).write(to: URL(fileURLWithPath: scratch.path("clean.837")))
        let json = scratch.path("clean.json")
        let batch = try medpolicy(["batch", scratch.path("clean.837"), "--db", db, "--json", json])
        #expect(batch.status == 0, "\(batch.stderr)")
        let (_, determinations) = try summary(json)
        let outcomes = Set(determinations.compactMap { $0["outcome"] as? String })
        #expect(outcomes.isSubset(of: ["approved", "not_applicable"]), "\(outcomes)")  // voids are not applicable
        #expect(determinations.contains { $0["payer"] as? String == "harvard-pilgrim" && $0["outcome"] as? String == "approved" })
        // Without anywhere to put them, generate says what the Harvard Pilgrim claims need.
        let bare = try medpolicy(["generate", "--claims", "400", "--seed", "3"])
        #expect(bare.stderr.contains("rest on prior authorizations"))
    }

    @Test func theSidecarSaysWhatEachClaimShouldComeToAndBatchAgrees() throws {
        let sidecar = scratch.path("expected.json")
        let authorizations = scratch.path("authorizations.json")
        let run = try medpolicy(["generate", "--claims", "300", "--seed", "8", "--error-rate", "0.2", "--sidecar", sidecar,
                                 "--authorizations", authorizations])
        #expect(run.status == 0, "\(run.stderr)")
        try Data(run.stdout.utf8).write(to: URL(fileURLWithPath: scratch.path("mixed.837")))
        let data = try #require(FileManager.default.contents(atPath: sidecar))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let claims = try #require(document["claims"] as? [String: [String: Any]])
        #expect(claims.count == 300)
        let json = scratch.path("mixed.json")
        // The Harvard Pilgrim claims rest on prior authorizations on file (issue 19).
        let imported = try medpolicy(["authorizations", "import", authorizations, "--db", scratch.path("mixed.sqlite")])
        #expect(imported.status == 0, "\(imported.stderr)")
        let batch = try medpolicy(["batch", scratch.path("mixed.837"), "--db", scratch.path("mixed.sqlite"), "--json", json])
        #expect(batch.status == 0, "\(batch.stderr)")
        let (_, determinations) = try summary(json)
        for determination in determinations {
            let id = try #require(determination["encounterId"] as? String)
            #expect(claims[id]?["outcome"] as? String == determination["outcome"] as? String, "\(id): \(claims[id] ?? [:])")
        }
        #expect(determinations.count == claims.values.filter { $0["outcome"] as? String != "claim_error" }.count)
    }

    @Test func generationIsDeterministicForASeed() throws {
        let first = try medpolicy(["generate", "--claims", "50", "--seed", "9"])
        let second = try medpolicy(["generate", "--claims", "50", "--seed", "9"])
        let other = try medpolicy(["generate", "--claims", "50", "--seed", "10"])
        #expect(first.status == 0 && !first.stdout.isEmpty)
        #expect(first.stdout == second.stdout)
        #expect(first.stdout != other.stdout)
    }
}
