import Foundation
import Testing

/// `medpolicy policies impact OLD NEW --claims FILE.837`: a generated file decided under L33912 and under L34211.
@Suite("medpolicy policies impact")
struct PolicyImpactCLITests {
    @Test func l33912ToL34211MovesSessionLimitAndDiagnosisPends() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("impact-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A file name with markup in it: the page quotes it escaped.
        let claims = directory.appendingPathComponent("claims<b>&.837").path, html = directory.appendingPathComponent("impact.html").path
        let generated = try medpolicy(["generate", "--claims", "600", "--seed", "7", "--error-rate", "0.3", "--errors", "limit,uncovered-dx"])
        #expect(generated.status == 0, "\(generated.stderr)")
        try generated.stdout.write(toFile: claims, atomically: true, encoding: .utf8)

        let text = try medpolicy(["policies", "impact", "medicare/l33912", "medicare/l34211", "--claims", claims, "--html", html])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("medicare/l33912 → medicare/l34211"))
        #expect(text.stdout.contains("-mcr.diagnosis"))
        #expect(text.stdout.contains("+lcd34211.sessions-per-year"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg") && !page.contains("<script"))
        #expect(page.contains("claims&lt;b&gt;&amp;.837") && !page.contains("<b>"))
        #expect(page.contains("Policy impact: medicare/l33912 → medicare/l34211"))

        let run = try medpolicy(["policies", "impact", "medicare/l33912", "medicare/l34211", "--claims", claims, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(run.json as? [String: Any])
        let moved = try #require(json["moved"] as? [[String: Any]])
        #expect(!moved.isEmpty)
        #expect(moved.allSatisfy { ($0["old"] as? [String: Any])?["outcome"] as? String != nil })
        let outcomes = try #require(json["outcomes"] as? [[String: Any]])
        #expect(outcomes.map { $0["key"] as? String } == ["approved", "partial", "denied", "pended", "not_applicable"])
        // Keys are written sorted: the same file gives the same bytes.
        #expect(try medpolicy(["policies", "impact", "medicare/l33912", "medicare/l34211", "--claims", claims, "--json"]).stdout == run.stdout)
    }

    /// With --db the history counts (Harvard Pilgrim's authorizations on file) and is left byte for byte as it was.
    @Test func historyIsReadNeverWritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("impact-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let claims = directory.appendingPathComponent("claims.837").path, db = directory.appendingPathComponent("history.sqlite").path
        // The history keeps Harvard Pilgrim's authorizations, of another file's members.
        let other = try medpolicy(["generate", "--claims", "300", "--seed", "11", "--db", db])
        #expect(other.status == 0, "\(other.stderr)")
        let generated = try medpolicy(["generate", "--claims", "300", "--seed", "12"])
        #expect(generated.status == 0, "\(generated.stderr)")
        try generated.stdout.write(toFile: claims, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()

        let without = try #require(try medpolicy(["policies", "impact", "medicare/l33912", "medicare/l34211", "--claims", claims, "--json"]).json as? [String: Any])
        let with = try medpolicy(["policies", "impact", "medicare/l33912", "medicare/l34211", "--claims", claims, "--db", db, "--json"])
        #expect(with.status == 0, "\(with.stderr)")
        let json = try #require(with.json as? [String: Any])
        func claimsWith15(_ json: [String: Any]) -> Int? {
            (json["carcs"] as? [[String: Any]])?.first { $0["key"] as? String == "15" }?["old"] as? Int
        }
        // Without a history a Harvard Pilgrim claim's authorization number is taken as attested; with one
        // that keeps Harvard Pilgrim's authorizations, a number not on file for the member is CARC 15.
        #expect(claimsWith15(without) == nil)
        #expect((claimsWith15(json) ?? 0) > 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == files)

        let missing = try medpolicy(["policies", "impact", "medicare/l33912", "medicare/l34211", "--claims", claims, "--db", db + ".missing"])
        #expect(missing.status == 2)
        #expect(!FileManager.default.fileExists(atPath: db + ".missing"))
    }

    @Test func unknownPolicyOrUnreadableFileIsExitTwo() throws {
        let unknown = try medpolicy(["policies", "impact", "medicare/l33912", "nobody/nothing", "--claims", "/dev/null"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no policy 'nobody/nothing'"))
        let missing = try medpolicy(["policies", "impact", "medicare/l33912", "medicare/l34211", "--claims", "/nonexistent/claims.837"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/claims.837"))
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("garbage-\(UUID().uuidString).837")
        try "not an interchange".write(to: garbage, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: garbage) }
        let unreadable = try medpolicy(["policies", "impact", "medicare/l33912", "medicare/l34211", "--claims", garbage.path])
        #expect(unreadable.status == 2)
        #expect(unreadable.stderr.contains(garbage.path))
    }
}
