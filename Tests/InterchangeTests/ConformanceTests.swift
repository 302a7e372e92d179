import Foundation
import Interchange
import Model
import SyntheticClaims
import TestSupport
import Testing

/// pyx12's `x12valid` (PyPI `pyx12`, which no one here wrote), found on PATH. Without it the
/// conformance tests are skipped with a message, unless `MEDPOLICY_REQUIRE_ALL=1` makes that a failure.
///
/// How x12valid reports: each problem is a log line `… ERROR Line:N …` on stderr, and the run
/// ends with `<file>: OK` or `<file>: Failure` on stderr. Its exit status is 1 in both cases
/// (the console script exits with `main()`'s `True`), so the verdict is read from the output;
/// `-J` also writes `<file>.json` with an `errors` list on every interchange, group,
/// transaction, segment and element, which must all be empty.
enum X12Valid {
    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static func executable() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/x12valid"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let reason = "x12valid is not on PATH (pip install pyx12; .ci/run installs it)"
        if environment["MEDPOLICY_REQUIRE_ALL"] == "1" {
            throw Unavailable(description: "pyx12 is required (MEDPOLICY_REQUIRE_ALL=1), but \(reason)")
        }
        let message = "skipped: pyx12 is not available: \(reason)"
        Issue.record(Comment(rawValue: message), severity: .warning)
        try Test.cancel(Comment(rawValue: message))
    }

    /// Problems x12valid reports for `bytes`; `[]` means it accepted the file. Log lines that
    /// contain one of `ignoring` are not counted.
    static func problems(_ bytes: [UInt8], name: String, ignoring: [String] = []) throws -> [String] {
        let executable = try executable()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent(name)
        try Data(bytes).write(to: input)
        let stdout = directory.appendingPathComponent("stdout.txt"), stderr = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-J", input.path]
        process.currentDirectoryURL = directory
        let out = try FileHandle(forWritingTo: stdout), err = try FileHandle(forWritingTo: stderr)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close(); try err.close()
        let log = (try String(contentsOf: stdout, encoding: .utf8)) + (try String(contentsOf: stderr, encoding: .utf8))
        var problems = log.split(separator: "\n").map(String.init)
            .filter { $0.contains(" ERROR ") && !ignoring.contains(where: $0.contains) }
        if !log.contains("\(input.path): OK") { problems.append("x12valid did not report OK:\n\(log)") }
        let json = input.path + ".json"
        if let data = FileManager.default.contents(atPath: json), let document = try? JSONSerialization.jsonObject(with: data) {
            collectErrors(document, into: &problems)
        } else {
            problems.append("x12valid wrote no JSON report")
        }
        return problems
    }

    private static func collectErrors(_ value: Any, into problems: inout [String]) {
        if let object = value as? [String: Any] {
            for (key, child) in object {
                if key == "errors", let list = child as? [Any], !list.isEmpty { problems.append("JSON report: \(list)") }
                collectErrors(child, into: &problems)
            }
        } else if let list = value as? [Any] {
            for child in list { collectErrors(child, into: &problems) }
        }
    }
}

@Suite("conformance with pyx12 x12valid", .serialized)
struct ConformanceTests {
    @Test("generated 837P files pass x12valid (standard and unusual delimiters)")
    func generated837() throws {
        let standard = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 200, seed: 2026, claimsPerTransaction: 80)).bytes()
        #expect(standard.summary.transactions == 3)
        #expect(try X12Valid.problems(standard.bytes, name: "generated.837") == [])
        let unusual = Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout,
            claimCount: 60, seed: 99,
            delimiters: X12Delimiters(element: UInt8(ascii: "|"), component: UInt8(ascii: "^"), repetition: UInt8(ascii: "{"),
                                      segment: UInt8(ascii: "!")),
            lineBreaks: false)).bytes()
        #expect(try X12Valid.problems(unusual.bytes, name: "unusual.837") == [])
    }

    @Test("the hand-written 837P fixtures pass x12valid")
    func fixtures837() throws {
        for name in ["commercial.837", "no-newlines.837", "unusual-delimiters.837", "cob-two-payers.837",
                     "multiple-claims.837", "replacement-void.837"] {
            #expect(try X12Valid.problems(Array(try fixture(name).utf8), name: name) == [], "\(name)")
        }
    }

    @Test("the shapes the reader tolerates (ISA11 U, SV101-7, empty trailing components) pass x12valid too")
    func tolerated837() throws {
        let text = try fixture("commercial.837")
            .replacingOccurrences(of: "*1253*^*00501*", with: "*1253*U*00501*")
            .replacingOccurrences(of: "SV1*HC:20552*150*", with: "SV1*HC:20552:::::TRIGGER POINT INJ*150*")
            .replacingOccurrences(of: "SV1*HC:99213:25*110*", with: "SV1*HC:99213:25::::*110*")
        #expect(try X12Valid.problems(Array(text.utf8), name: "tolerated.837") == [])
        let result = try read837(text)
        #expect(result.claims.count == 1 && result.claimErrors.isEmpty)
    }

    @Test("x12valid does catch a broken 837 (the check is not vacuous)")
    func catchesErrors() throws {
        let text = try fixture("commercial.837").replacingOccurrences(of: "SV1*HC:20552*150*UN*1***1:2", with: "SV1*HC:20552*150*UN*X***1:2")
        let problems = try X12Valid.problems(Array(text.utf8), name: "broken.837")
        #expect(problems.contains { $0.contains("SV104") })
    }

    @Test("835s written from determinations pass x12valid")
    func written835() throws {
        let claims = try X12Reader837(bytes: Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: 200, seed: 2026)).bytes().bytes)
            .readAll().claims
        let batch = try Remittance835Writer(settings: remittanceSettings).write(syntheticDeterminations(claims), firstControlNumber: 900)
        #expect(batch.remittances.count == 5)
        for remittance in batch.remittances {
            // pyx12 cannot build its own 999 acknowledgment for an 835 without ST03 — which the
            // 835 guide marks "not used" (pyx12 reports ST03 as an error when present). That
            // internal failure is not a finding about the file.
            let problems = try X12Valid.problems(remittance.bytes, name: "\(remittance.payer).835",
                                                 ignoring: ["Failed to create 999 response"])
            #expect(problems == [], "\(remittance.payer)")
        }
    }

    @Test("835s with reversals (CLP02 22, negative amounts) and a forwarded balance (PLB FB) pass x12valid")
    func reversal835() throws {
        let fixture = try ReversalClaims()
        let replacement = fixture.replacement, void = fixture.void
        let items = [
            AdjudicatedClaim(claim: replacement, determination: determination(replacement, .approved, lines: [.approved]),
                             payerClaimControlNumber: "MPH0000000009", reversal: fixture.reversal(of: fixture.original, .denied)),
            AdjudicatedClaim(claim: void, determination: determination(void, .notApplicable, lines: [.notApplicable]),
                             reversal: fixture.reversal(of: fixture.original, id: "FB-1000", .approved, number: 3)),
        ]
        for written in [items, [items[1]]] {
            let batch = try Remittance835Writer(settings: remittanceSettings).write(written, firstControlNumber: 40)
            let remittance = try #require(batch.remittances.first)
            #expect(remittance.text.contains("*22*"))
            let problems = try X12Valid.problems(remittance.bytes, name: "reversal.835", ignoring: ["Failed to create 999 response"])
            #expect(problems == [])
        }
    }
}
