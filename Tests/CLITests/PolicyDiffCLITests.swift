import Foundation
import Testing

/// `medpolicy policies diff`: rule by rule, diagnosis lists expanded over ICD-10-CM on a date.
@Suite("medpolicy policies diff")
struct PolicyDiffCLITests {
    /// A revision of L33912 with a changed session limit and diagnosis list: those two rules change, the rest do not.
    @Test func aRevisionShowsItsChangedLimitAndDiagnoses() throws {
        let revised = try revisedMedicare()
        defer { try? FileManager.default.removeItem(at: revised) }
        let run = try medpolicy(["policies", "diff", "medicare/l33912", revised.path, "--date", "2025-01-01"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("~ changed mcr.sessions-per-year\n    limit.max: 3 → 4"))
        #expect(run.stdout.contains("diagnoses added (1): M60.819"))
        #expect(run.stdout.contains("diagnoses removed (2): M60.811, M79.0"))
        #expect(run.stdout.contains("+ added mcr.dry-needling"))
        #expect(run.stdout.contains("- removed mcr.prolotherapy"))
        #expect(run.stdout.contains("1 added, 1 removed, 2 changed, 5 unchanged rule(s)"))

        let json = try #require(try medpolicy(["policies", "diff", "medicare/l33912", revised.path, "--date", "2025-01-01", "--format", "json"]).json as? [String: Any])
        let changed = try #require(json["changed"] as? [[String: Any]])
        let diagnosis = try #require(changed.first { $0["old"] as? String == "mcr.diagnosis" })
        #expect(diagnosis["diagnosesAdded"] as? [String] == ["M60.819"])
        #expect(diagnosis["diagnosesRemoved"] as? [String] == ["M60.811", "M79.0"])
        #expect((json["unchanged"] as? [String])?.contains("mcr.acupuncture") == true)
    }

    /// Two payers: rules pair by the id after the payer prefix; Medicare's Group 1 list is narrower than Harvard Pilgrim's.
    @Test func twoPayersPairRulesByName() throws {
        let run = try medpolicy(["policies", "diff", "harvard-pilgrim/trigger-point-injections", "medicare/l33912", "--date", "2025-09-10"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("~ changed hp.diagnosis → mcr.diagnosis"))
        #expect(run.stdout.contains("diagnoses removed ("))
        #expect(run.stdout.contains("M54.2"))
        #expect(run.stdout.contains("atClaim: authorization → attested"))
        #expect(run.stdout.contains("0 added, 0 removed"))
    }

    /// L33912 applies everywhere; L34211 only in Noridian JE: the jurisdiction shows as a policy change, text and JSON.
    @Test func aJurisdictionChangeIsReported() throws {
        let run = try medpolicy(["policies", "diff", "medicare/l33912", "medicare/l34211", "--date", "2025-01-01"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("  policy jurisdiction: none → noridian-je (AS, CA, MP, NV)"))
        let json = try #require(try medpolicy(["policies", "diff", "medicare/l33912", "medicare/l34211", "--date", "2025-01-01", "--format", "json"]).json as? [String: Any])
        let changes = try #require(json["policyChanges"] as? [[String: Any]])
        let jurisdiction = try #require(changes.first { $0["field"] as? String == "jurisdiction" })
        #expect(jurisdiction["old"] == nil && jurisdiction["new"] as? String == "noridian-je (AS, CA, MP, NV)")
        // The same policy on both sides: no jurisdiction change.
        #expect(!(try medpolicy(["policies", "diff", "medicare/l34211", "medicare/l34211"]).stdout.contains("jurisdiction")))
    }

    @Test func anUnknownPolicyOrDateIsExitTwo() throws {
        let unknown = try medpolicy(["policies", "diff", "medicare/l33912", "nobody/nothing"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no policy 'nobody/nothing'"))
        let badDate = try medpolicy(["policies", "diff", "medicare/l33912", "medicare/l33912", "--date", "2025-02-30"])
        #expect(badDate.status == 2)
        #expect(badDate.stderr.contains("--date"))
    }

    private func revisedMedicare() throws -> URL {
        var text = try String(contentsOf: repositoryRoot.appendingPathComponent("Policies/medicare-l33912.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "id: medicare/l33912", with: "id: medicare/l33912-revised")
            .replacingOccurrences(of: "limit: {max: 3, count: dates_of_service", with: "limit: {max: 4, count: dates_of_service")
            .replacingOccurrences(of: "      - M60.811\n", with: "      - M60.819\n")
            .replacingOccurrences(of: "      - M79.0\n", with: "")
            .replacingOccurrences(of: "  - id: mcr.prolotherapy", with: "  - id: mcr.dry-needling")
            .replacingOccurrences(of: "exclude: {codes: [\"M0076\"]", with: "exclude: {codes: [\"20560\", \"20561\"]")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("l33912-revised-\(UUID().uuidString).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
