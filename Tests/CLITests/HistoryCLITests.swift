import Foundation
import Testing

/// The history store through the command line: recording, bad stores, and crash safety.
@Suite("medpolicy check --db", .serialized)
struct HistoryCLITests {
    let scratch: Scratch

    init() throws { scratch = try Scratch("history") }

    /// A two-line Florida Blue claim (20552 + 99213-25) for `member` on `date`.
    func claim(_ id: String, member: String, date: String) throws -> String {
        let example = try Data(contentsOf: repositoryRoot.appendingPathComponent("Examples/aetna-approved.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: example) as? [String: Any])
        json["id"] = id
        json["member"] = ["id": member]
        json["dateOfService"] = date
        json["coverage"] = ["payer": "florida-blue"]
        let path = scratch.path("\(id).json")
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        return path
    }

    func services(_ member: String, db: String) throws -> [[String: Any]] { try historyShown(member, db: db, "services") }

    @Test func recordsAndReplays() throws {
        let db = scratch.path("h.sqlite")
        let file = try claim("REC-1", member: "M-REC", date: "2025-08-20")
        let first = try medpolicy(["check", file, "--db", db, "--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect((first.json as? [String: Any])?["outcome"] as? String == "approved")
        let again = try medpolicy(["check", file, "--db", db, "--format", "json"])
        #expect(again.stdout == first.stdout)
        #expect(try services("M-REC", db: db).count == 2)
        let dry = try medpolicy(["check", try claim("REC-2", member: "M-REC", date: "2025-08-27"), "--db", db, "--dry-run"])
        #expect(dry.status == 0)
        #expect(try services("M-REC", db: db).count == 2)
    }

    @Test func aClaimIdWithANulCharacterIsExitTwoAndRecordsNothing() throws {
        let db = scratch.path("nul.sqlite")
        let file = try claim("NUL-1", member: "M-NUL", date: "2025-08-20")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        json["id"] = "NUL\u{0}1"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: file))
        let run = try medpolicy(["check", file, "--db", db])
        #expect(run.status == 2)
        #expect(run.stderr.contains("claim id contains a NUL character"), "\(run.stderr)")
        #expect(try services("M-NUL", db: db).isEmpty)
    }

    @Test func aFileThatIsNotAHistoryIsRefusedUntouched() throws {
        let foreign = scratch.url.appendingPathComponent("notes.txt")
        try Data("these are not claims\n".utf8).write(to: foreign)
        let run = try medpolicy(["check", try claim("BAD-1", member: "M", date: "2025-08-20"), "--db", foreign.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("history:"))
        #expect(try String(contentsOf: foreign, encoding: .utf8) == "these are not claims\n")
    }

    /// Issue 27.10: a mistyped --db never leaves folders or an empty history behind.
    @Test func aMissingFolderOrAMissingHistoryToShowIsExitTwoAndCreatesNothing() throws {
        let file = try claim("MISS-1", member: "M-MISS", date: "2025-08-20")
        let nested = scratch.path("no/such/h.sqlite")
        let check = try medpolicy(["check", file, "--db", nested])
        #expect(check.status == 2)
        #expect(check.stderr.contains("does not exist"), "\(check.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("no")))

        let missing = scratch.path("missing.sqlite")
        let show = try medpolicy(["history", "show", "M-MISS", "--db", missing])
        #expect(show.status == 2)
        #expect(show.stderr.contains("does not exist"), "\(show.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func unreachablePostgresIsExitTwo() throws {
        let run = try medpolicy(["check", try claim("PG-1", member: "M", date: "2025-08-20"), "--postgres", "postgres://nobody:x@127.0.0.1:1/none"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("history:"))
    }

    /// Kill -9 a recording process at random moments, again and again: the store must hold each
    /// claim whole (both lines) or not at all, and every claim must record once the runs complete.
    @Test func killedMidRunLeavesEachClaimWholeOrAbsent() throws {
        let db = scratch.path("kill.sqlite")
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var generator = SystemRandomNumberGenerator()
        var files: [String] = []
        for index in 0..<12 {
            // After the example's documented therapy, so no line is denied (denied lines do not count).
            let file = try claim("KILL-\(index)", member: "M-KILL", date: "2025-1\(index % 3)-1\(index % 10)")
            files.append(file)
            let process = Process()
            process.executableURL = directory.appendingPathComponent("medpolicy")
            process.arguments = ["check", file, "--db", db]
            process.currentDirectoryURL = repositoryRoot
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 0...400_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Killed before the history was created: nothing recorded, and history show refuses a missing file.
            guard FileManager.default.fileExists(atPath: db) else { continue }
            let recorded = try services("M-KILL", db: db)
            let byClaim = Dictionary(grouping: recorded, by: { $0["claimId"] as? String ?? "" })
            #expect(byClaim.values.allSatisfy { $0.count == 2 }, "a claim was half-written: \(byClaim.mapValues(\.count))")
        }
        for file in files {
            let run = try medpolicy(["check", file, "--db", db])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let recorded = try services("M-KILL", db: db)
        #expect(Set(recorded.compactMap { $0["claimId"] as? String }).count == 12)
        #expect(recorded.count == 24)
    }
}
