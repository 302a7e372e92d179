import Foundation
import Testing

/// Runs the `medpolicy` binary built next to the test bundle.
struct CLIRun {
    let status: Int32
    let stdout: String
    let stderr: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `medpolicy` binary built next to the test bundle.
func medpolicyBinary() -> URL {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let binary = directory.appendingPathComponent("medpolicy")
    if !FileManager.default.fileExists(atPath: binary.path) {
        return Bundle.main.bundleURL.appendingPathComponent("medpolicy")
    }
    return binary
}

func medpolicy(_ arguments: [String], stdin: String? = nil) throws -> CLIRun {
    let binary = medpolicyBinary()
    // Output goes to files, not pipes: reading a pipe with Foundation can die on EINTR while
    // other tests' children exit.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err"), inURL = scratch.appendingPathComponent("in")
    try Data((stdin ?? "").utf8).write(to: inURL)
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    process.standardInput = try FileHandle(forReadingFrom: inURL)
    try process.run()
    process.waitUntilExit()
    let stdout = try Data(contentsOf: outURL)
    let stderr = try Data(contentsOf: errURL)
    return CLIRun(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

@Suite("medpolicy command line")
struct CLITests {
    @Test func lookupOfAHeaderListsItsChildren() throws {
        let run = try medpolicy(["codes", "lookup", "M79.1", "--date", "2025-01-01", "--format", "json"])
        #expect(run.status == 0)
        let answer = try #require(run.json as? [String: Any])
        #expect(answer["code"] as? String == "M79.1")
        #expect(answer["system"] as? String == "icd10cm")
        #expect(answer["valid"] as? Bool == true)
        #expect(answer["billable"] as? Bool == false)
        #expect(answer["children"] as? [String] == ["M79.10", "M79.11", "M79.12", "M79.18"])
        #expect((answer["description"] as? String)?.contains("Myalgia") == true)
    }

    /// Issue 27.13: J1030 has the shape of both HCPCS and ICD-10-CM (J10.30); it is the HCPCS code carried.
    @Test func aCodeOfTwoShapesIsFoundInTheSystemThatCarriesIt() throws {
        let hcpcs = try #require(try medpolicy(["codes", "lookup", "J1030", "--format", "json"]).json as? [String: Any])
        #expect(hcpcs["system"] as? String == "hcpcs")
        #expect(hcpcs["valid"] as? Bool == true)
        #expect((hcpcs["description"] as? String)?.contains("methylprednisolone") == true)
        let icd = try #require(try medpolicy(["codes", "lookup", "J10.30", "--format", "json"]).json as? [String: Any])
        #expect(icd["system"] as? String == "icd10cm")
        // A code of the same shape that no table carries as HCPCS is read as ICD-10-CM.
        let uncarried = try #require(try medpolicy(["codes", "lookup", "J9999", "--format", "json"]).json as? [String: Any])
        #expect(uncarried["system"] as? String == "icd10cm")
        #expect(uncarried["valid"] as? Bool == false)
    }

    @Test func m545ChangesFromBillableToHeader() throws {
        let before = try #require(try medpolicy(["codes", "lookup", "M54.5", "--date", "2021-06-01", "--format", "json"]).json as? [String: Any])
        #expect(before["valid"] as? Bool == true)
        #expect(before["billable"] as? Bool == true)
        let after = try #require(try medpolicy(["codes", "lookup", "M545", "--date", "2025-01-01", "--format", "json"]).json as? [String: Any])
        #expect(after["valid"] as? Bool == true)
        #expect(after["billable"] as? Bool == false)
        #expect(after["children"] as? [String] == ["M54.50", "M54.51", "M54.59"])
    }

    @Test("codes lookup names the release that answered; FY2022–FY2024 have their own (M65.9 billable in 2024); a later fiscal year says it is not carried (issue 20.9)")
    func lookupSaysWhichReleaseAnswered() throws {
        let fy2024 = try #require(try medpolicy(["codes", "lookup", "M65.9", "--date", "2024-03-01", "--format", "json"]).json as? [String: Any])
        #expect(fy2024["billable"] as? Bool == true)
        #expect((fy2024["release"] as? String)?.contains("FY2024") == true)
        #expect(fy2024["verified"] as? Bool == true)
        #expect(fy2024["note"] is NSNull || fy2024["note"] == nil)
        let later = try #require(try medpolicy(["codes", "lookup", "M54.50", "--date", "2026-11-01", "--format", "json"]).json as? [String: Any])
        #expect((later["note"] as? String)?.hasPrefix("FY2027 is not carried: answered from the FY2026 release") == true)
        #expect((later["release"] as? String)?.contains("FY2026") == true)
        let midYear = try medpolicy(["codes", "lookup", "U07.1", "--date", "2020-06-01"])
        #expect(midYear.status == 0)
        #expect(midYear.stdout.contains("cannot be verified"))
        #expect(midYear.stdout.contains("mid-year (1 April) update not carried"))
    }

    @Test func lookupOfACPTCode() throws {
        let answer = try #require(try medpolicy(["codes", "lookup", "20553", "--format", "json"]).json as? [String: Any])
        #expect(answer["system"] as? String == "cpt")
        #expect((answer["description"] as? String)?.contains("3 or more muscles") == true)
    }

    @Test func lookupOfGarbageIsAUsageError() throws {
        let run = try medpolicy(["codes", "lookup", "hello"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("not an ICD-10-CM, CPT or HCPCS code"))
        let badDate = try medpolicy(["codes", "lookup", "M79.1", "--date", "2025-02-30"])
        #expect(badDate.status == 2)
        #expect(badDate.stderr.contains("--date"))
    }

    @Test func validatePrintsValid() throws {
        let run = try medpolicy(["validate", "Examples/florida-blue-approved.json"])
        #expect(run.status == 0)
        #expect(run.stdout == "valid\n")
    }

    @Test func validateReportsEveryLocatedErrorWithExitTwo() throws {
        let run = try medpolicy(["validate", "-"], stdin: #"{"id":"X","member":{"id":"M"},"coverage":{"payer":"aetna"},"dateOfService":"2025-01-32","lines":[{"code":"20552","units":0}],"oops":true}"#)
        #expect(run.status == 2)
        #expect(run.stderr.contains("<stdin>: dateOfService: expected a date YYYY-MM-DD"))
        #expect(run.stderr.contains("<stdin>: lines[0].units: must be ≥ 1, got 0"))
        #expect(run.stderr.contains("<stdin>: oops: unknown key"))
        #expect(run.stdout.isEmpty)
    }

    /// Issue 27.11: a birth date or a pain onset after the date of service is refused, located; the same day is not.
    @Test func aBirthDateOrPainOnsetAfterTheDateOfServiceIsRefused() throws {
        let example = try Data(contentsOf: repositoryRoot.appendingPathComponent("Examples/aetna-approved.json"))
        func validate(_ edit: (inout [String: Any]) -> Void) throws -> CLIRun {
            var json = try #require(try JSONSerialization.jsonObject(with: example) as? [String: Any])
            edit(&json)
            return try medpolicy(["validate", "-"], stdin: String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
        }
        let born = try validate { $0["member"] = ["id": "M1", "birthDate": "2025-08-21"] }
        #expect(born.status == 2)
        #expect(born.stderr.contains("<stdin>: member.birthDate: 2025-08-21 is after the date of service 2025-08-20"), "\(born.stderr)")
        #expect(try validate { $0["member"] = ["id": "M1", "birthDate": "2025-08-20"] }.status == 0)
        let onset = try validate {
            var clinical = $0["clinical"] as? [String: Any] ?? [:]
            clinical["painOnset"] = "2025-09-01"
            $0["clinical"] = clinical
        }
        #expect(onset.status == 2)
        #expect(onset.stderr.contains("<stdin>: clinical.painOnset: 2025-09-01 is after the date of service 2025-08-20"), "\(onset.stderr)")
    }

    /// Issue 27.5: validate says where the invalid UTF-8 is, instead of reading it as U+FFFD.
    @Test func invalidUTF8IsALocatedErrorInValidate() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-utf8-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let json = Array(#"{"id":"X","member":{"id":"UTFMEM"#.utf8) + [0xFF]
            + Array(#""},"coverage":{"payer":"aetna"},"dateOfService":"2025-01-02","lines":[{"code":"20552"}]}"#.utf8)
        try Data(json).write(to: file)
        let run = try medpolicy(["validate", file.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("line 1, column 33: invalid UTF-8 (byte 0xFF)"), "\(run.stderr)")
    }

    /// Issue 27.5: validate reads an 837 as batch does and says where invalid UTF-8 in its envelope is.
    @Test func validateSaysWhereInvalidUTF8IsInAnX12Envelope() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-utf8-\(UUID().uuidString).837")
        defer { try? FileManager.default.removeItem(at: file) }
        let clean = try Data(contentsOf: URL(fileURLWithPath: "Tests/InterchangeTests/Fixtures/commercial.837"))
        try clean.write(to: file)
        let valid = try medpolicy(["validate", file.path])
        #expect(valid.status == 0, "\(valid.stderr)")
        #expect(valid.stdout.contains("valid (1 claims)"), "\(valid.stdout)")

        let text = String(decoding: clean, as: UTF8.self).components(separatedBy: "GS*HC*SUBMITTERID*")
        #expect(text.count == 2)
        try Data(Array(text[0].utf8) + Array("GS*HC*SUBMITTER".utf8) + [0xFF] + Array("*".utf8) + Array(text[1].utf8)).write(to: file)
        let run = try medpolicy(["validate", file.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("segment 2 (GS), element GS02: invalid UTF-8"), "\(run.stderr)")
    }

    @Test func missingFileIsExitTwo() throws {
        let run = try medpolicy(["check", "Examples/does-not-exist.json"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("Examples/does-not-exist.json: no such file"), "\(run.stderr)")
    }

    /// Issue 27.9: what is not a readable encounter file is named for what it is, and never read whole.
    @Test func whatIsNotAFileIsNamedForWhatItIs() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-inputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let fifo = scratch.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let loop = scratch.appendingPathComponent("loop").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        let dangling = scratch.appendingPathComponent("dangling").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: scratch.appendingPathComponent("gone").path)
        let large = scratch.appendingPathComponent("large.json")
        try Data(count: 9 << 20).write(to: large)
        let cases: [(path: String, says: String)] = [
            (scratch.path, "a directory, not a file"),
            (fifo, "a FIFO, not a file"),
            ("/dev/zero", "a character device, not a file"),
            (loop, "a loop of symbolic links"),
            (dangling, "a symbolic link to a file that does not exist"),
            (large.path, "larger than 8 MB"),
        ]
        for command in ["check", "validate"] {
            for (path, says) in cases {
                let run = try medpolicy([command, path])
                #expect(run.status == 2, "\(command) \(path)")
                #expect(run.stderr.contains("\(path): \(says)"), "\(command) \(path): \(run.stderr)")
            }
        }
        // Standard input is read up to the same limit, not whole.
        let piped = try medpolicy(["validate", "-"], stdin: String(repeating: " ", count: 9 << 20))
        #expect(piped.status == 2)
        #expect(piped.stderr.contains("<stdin>: larger than 8 MB"))
    }

    @Test func unknownOptionIsExitTwo() throws {
        let run = try medpolicy(["check", "--frobnicate"])
        #expect(run.status == 2)
    }

    @Test func versionAndHelp() throws {
        let version = try medpolicy(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.contains("0.1.0"))
        let help = try medpolicy(["check", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("medpolicy check Examples/"))
    }

    /// Every shipped example decides as its file name says.
    @Test(arguments: ["florida-blue", "harvard-pilgrim", "medicare", "truecare", "aetna"])
    func examplesDecideAsNamed(payer: String) throws {
        for outcome in ["approved", "denied", "pended"] {
            let run = try medpolicy(["check", "Examples/\(payer)-\(outcome).json", "--format", "json"])
            #expect(run.status == 0, "\(payer)-\(outcome): \(run.stderr)")
            let determination = try #require(run.json as? [String: Any])
            #expect(determination["outcome"] as? String == outcome, "\(payer)-\(outcome).json decided \(determination["outcome"] ?? "nothing")")
            #expect(determination["payer"] as? String == payer)
        }
    }

    @Test func textOutputLeadsWithTheOutcome() throws {
        let run = try medpolicy(["check", "Examples/florida-blue-denied.json"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("DENIED"))
        #expect(run.stdout.contains("[fb.diagnosis] CARC 11"))
        #expect(run.stdout.contains("Source: Florida Blue Medical Coverage Guideline 02-20000-28, Trigger Point Injections (revised 2023-08-15) § "))
    }

    @Test func allPayersGivesOneDeterminationPerPayer() throws {
        let run = try medpolicy(["check", "Examples/florida-blue-approved.json", "--all-payers", "--format", "json"])
        #expect(run.status == 0)
        let all = try #require(run.json as? [[String: Any]])
        #expect(all.compactMap { $0["payer"] as? String } == ["aetna", "florida-blue", "harvard-pilgrim", "medicare", "truecare"])
    }

    @Test func payerOverrideMustBeKnown() throws {
        let run = try medpolicy(["check", "Examples/florida-blue-approved.json", "--payer", "acme"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("unknown payer 'acme'"))
    }

    @Test func policiesValidateReportsPublishedStaleCodesAsWarnings() throws {
        let run = try medpolicy(["policies", "validate"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("florida-blue-02-20000-28.yaml"))
        #expect(run.stdout.contains("warning: range M76.861 – M76.869"))
        #expect(run.stdout.contains("warning: M62.4"))
        #expect(run.stdout.contains("11 policies checked: 0 error(s)"))  // five payers and six 2024 trigger point LCDs (issue 23)
    }

    @Test func policiesValidateFailsOnABadFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "id: x/y\npayer: x\ntitle: t\nsource: a.txt\neffective: {from: 2024-01-01}\ngoverns: [\"20552\"]\nrules: []\nextra: 1\n"
            .write(to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let run = try medpolicy(["policies", "validate", directory.path])
        #expect(run.status == 2)
        #expect(run.stdout.contains("bad.yaml:8: error: unknown key 'extra' in policy"))
        #expect(run.stdout.contains("bad.yaml:7: error: rules must not be empty"))
    }

    @Test func policiesListAndShow() throws {
        let list = try medpolicy(["policies", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("florida-blue/02-20000-28"))
        #expect(list.stdout.contains("truecare/mm-1462"))
        let show = try medpolicy(["policies", "show", "truecare/mm-1462"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("[tc.dates-per-year] deny CARC 119"))
        let missing = try medpolicy(["policies", "show", "nope/nope"])
        #expect(missing.status == 2)
    }

    @Test func musclesByRegion() throws {
        let run = try medpolicy(["muscles", "--region", "head_jaw", "--format", "json"])
        #expect(run.status == 0)
        let muscles = try #require(run.json as? [[String: Any]])
        #expect(muscles.contains { $0["name"] as? String == "masseter" })
        #expect(muscles.allSatisfy { $0["region"] as? String == "head_jaw" })
        let bad = try medpolicy(["muscles", "--region", "elbow"])
        #expect(bad.status == 2)
    }
}
