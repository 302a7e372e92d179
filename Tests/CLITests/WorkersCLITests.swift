import Foundation
import Testing

/// `medpolicy batch --worker K/N`: several processes sharing one claim file and one history.
@Suite("batch --worker K/N", .serialized)
struct WorkersCLITests {
    let scratch: Scratch

    init() throws { scratch = try Scratch("workers") }

    @Test(arguments: ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/2/3", "", "２/3"])
    func badWorkerValuesAreExitTwo(value: String) throws {
        let file = try scratch.generate("bad.837", ["--claims", "5", "--seed", "1"]).path
        let run = try medpolicy(["batch", file, "--db", scratch.path("bad.sqlite"), "--worker", value])
        #expect(run.status == 2, "\(value): \(run.stderr)")
        #expect(run.stderr.contains("--worker"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("bad.sqlite")), "nothing is opened")
    }

    @Test func aWorkerWithoutASharedHistoryIsExitTwo() throws {
        let file = try scratch.generate("alone.837", ["--claims", "5", "--seed", "1"]).path
        let run = try medpolicy(["batch", file, "--worker", "1/2"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--worker needs the shared history"), "\(run.stderr)")
    }

    @Test func workersTogetherDecideTheFileAsOneProcessDoes() throws {
        let file = try scratch.generate("split.837", ["--claims", "300", "--seed", "4"]).path
        let whole = try medpolicy(["batch", file, "--db", scratch.path("whole.sqlite"), "--json", scratch.path("whole.json")])
        #expect(whole.status == 0, "\(whole.stderr)")
        var decided: [String] = []
        for k in 1...3 {
            let run = try medpolicy(["batch", file, "--db", scratch.path("split.sqlite"), "--worker", "\(k)/3",
                                     "--json", scratch.path("split.json")])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasPrefix("Worker \(k)/3: decided the claims of its members"), "\(run.stdout)")
            let (summary, determinations) = try WorkerRun.summary(scratch.path("split.\(k)-of-3.json"))
            #expect(summary["claims"] as? Int ?? 0 > 0, "every worker gets members")
            #expect((summary["claims"] as? Int ?? 0) + (summary["otherWorkersClaims"] as? Int ?? 0) == 300)
            decided += determinations.map { "\($0["encounterId"] ?? "")=\($0["outcome"] ?? "")" }
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("split.json")), "each worker writes its own file")
        let (_, reference) = try WorkerRun.summary(scratch.path("whole.json"))
        #expect(decided.sorted() == reference.map { "\($0["encounterId"] ?? "")=\($0["outcome"] ?? "")" }.sorted())
    }

    @Test func threeWorkersOneKilledAndRestartedRecordEveryClaimOnceWithinItsLimits() throws {
        guard let database = try PostgresForTests() else { return }
        // Large enough that each worker has two 1,000-claim transactions, so the kill usually lands mid-run.
        let file = try scratch.generate("fault.837", ["--claims", "4500", "--seed", "9"]).path
        let schema = database.freshSchema(), referenceSchema = database.freshSchema()
        defer { database.drop(schema); database.drop(referenceSchema) }

        // The reference: one process deciding the whole file.
        let reference = try medpolicy(["batch", file, "--postgres", database.url(referenceSchema),
                                       "--out", scratch.path("ref.835"), "--json", scratch.path("ref.json")])
        #expect(reference.status == 0, "\(reference.stderr)")

        func start(_ k: Int) throws -> WorkerRun {
            try WorkerRun(["batch", file, "--postgres", database.url(schema), "--worker", "\(k)/3",
                           "--out", scratch.path("fault.835"), "--json", scratch.path("fault.json")], scratch, "w\(k)")
        }
        var workers = try (1...3).map(start)
        let victim = Int.random(in: 0..<3)
        Thread.sleep(forTimeInterval: Double.random(in: 0.8...3.5))
        let killedRunning = workers[victim].kill()
        for (offset, worker) in workers.enumerated() { #expect(worker.wait(), "worker \(offset + 1) hung") }
        let recordedBeforeRestart = try database.rows("SELECT count(*) FROM \(schema).claims")[0][0]
        workers[victim] = try start(victim + 1)
        #expect(workers[victim].wait(), "the restarted worker hung")
        for (offset, worker) in workers.enumerated() {
            #expect(worker.status == 0, "worker \(offset + 1): \(worker.stderr)")
        }

        // Every claim recorded exactly once and decided as the single process decided it: the same
        // determinations per claim id, the same counting services per member (so every frequency
        // limit held as sequential adjudication holds it).
        let perClaim = "SELECT claim_id, string_agg(outcome, ',' ORDER BY sequence) FROM %@.determinations GROUP BY claim_id ORDER BY claim_id"
        let decided = try database.rows(perClaim.replacingOccurrences(of: "%@", with: schema))
        #expect(decided.count > 1_000)
        #expect(decided == (try database.rows(perClaim.replacingOccurrences(of: "%@", with: referenceSchema))))
        let counting = """
            SELECT member_id, code, to_char(date_of_service, 'YYYY-MM-DD'), units, outcome FROM %@.services
            WHERE state = 'current' AND outcome <> 'denied' ORDER BY 1, 2, 3, 4, 5
            """
        #expect(try database.rows(counting.replacingOccurrences(of: "%@", with: schema))
            == (try database.rows(counting.replacingOccurrences(of: "%@", with: referenceSchema))))
        #expect(try database.rows("SELECT count(*) FROM \(schema).claims c WHERE NOT EXISTS (SELECT 1 FROM \(schema).determinations d WHERE d.submission = c.submission)")[0][0] == "0")

        // Each member belongs to one worker; the restarted worker replayed what it had recorded.
        var owner: [String: Int] = [:]
        var paidCents = 0
        let latest = Dictionary(uniqueKeysWithValues: try database.rows("""
            SELECT submission, bool_or(outcome NOT IN ('denied', 'pended')) FROM \(schema).services GROUP BY submission
            """).map { (Int64($0[0]) ?? -1, $0[1] == "t") })
        let memberOf = Dictionary(try database.rows("SELECT claim_id, member_id FROM \(schema).claims").map { ($0[0], $0[1]) },
                                  uniquingKeysWith: { first, _ in first })
        for k in 1...3 {
            let (summary, determinations) = try WorkerRun.summary(scratch.path("fault.\(k)-of-3.json"))
            for determination in determinations {
                let member = try #require(memberOf[determination["encounterId"] as? String ?? ""])
                #expect(owner[member, default: k] == k, "member \(member) decided by workers \(owner[member]!) and \(k)")
                owner[member] = k
            }
            if k == victim + 1 {
                // Killed mid-run, it replays what it had committed; killed after it finished (a fast
                // run can end before the kill), it replays all of its claims. Either way no more than
                // the history held before the restart.
                let replays = summary["replays"] as? Int ?? -1
                #expect(replays >= 0 && replays <= Int(recordedBeforeRestart) ?? 0,
                        "restarted worker replayed \(replays), \(recordedBeforeRestart) recorded (killed running: \(killedRunning))")
            } else {
                #expect(summary["replays"] as? Int == 0)
            }
            // The 835 reconciles with itself and with the history: BPR02 totals the CLP04s; a claim
            // is paid exactly when the history holds a line of it that was not denied or pended.
            let remittance = try Remittance835(path: scratch.path("fault.\(k)-of-3.835"))
            #expect(remittance.bprCents == remittance.clpCents)
            #expect(remittance.bprCents == summary["paidCents"] as? Int)
            for (claim, status, paid, record) in remittance.claims where status != "22" {
                let payable = try #require(record.flatMap { latest[$0] }, "\(claim) is in the history")
                #expect((paid > 0) == payable, "\(claim): payable \(payable), paid \(paid)")
            }
            paidCents += remittance.bprCents
        }
        #expect(paidCents == (try Remittance835(path: scratch.path("ref.835"))).bprCents, "the 835s together pay what one run pays")
    }

    @Test func aWorkerWhosePostgreSQLGoesAwayStopsWithoutHalfWrittenOutput() throws {
        guard let database = try PostgresForTests() else { return }
        let file = try scratch.generate("away.837", ["--claims", "2600", "--seed", "12"]).path
        let schema = database.freshSchema()
        defer { database.drop(schema) }
        let outputs = scratch.url.appendingPathComponent("away", isDirectory: true)
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        let worker = try WorkerRun(["batch", file, "--postgres", database.url(schema), "--worker", "1/1",
                                    "--out", outputs.appendingPathComponent("r.835").path,
                                    "--json", outputs.appendingPathComponent("d.json").path], scratch, "away")
        // Once the first chunk is recorded, the server goes away for this worker: every connection
        // it holds or opens is ended, until it gives up.
        let deadline = Date().addingTimeInterval(40)
        while worker.isRunning, Date() < deadline,
              (try? database.rows("SELECT count(*) FROM \(schema).claims")[0][0]) ?? "0" == "0" {
            Thread.sleep(forTimeInterval: 0.05)
        }
        var cut = false
        while worker.isRunning, Date() < deadline {
            cut = try database.endConnections(mentioning: schema) || cut
            Thread.sleep(forTimeInterval: 0.02)
        }
        try #require(worker.wait(upTo: 30), "the worker hung after its server went away: \(worker.stderr)")
        try #require(cut, "the worker finished before its connections could be ended")
        #expect(worker.status != 0)
        #expect(worker.stderr.hasPrefix("history: ") && worker.stderr.contains("(schema \(schema))"), "\(worker.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outputs.path) == [], "no output, not even a temporary one")
        // The store holds whole chunks only (each is one transaction), every claim with its determination.
        let recorded = Int(try database.rows("SELECT count(*) FROM \(schema).claims")[0][0]) ?? -1
        #expect(recorded > 0 && recorded < 2600 && recorded % 1_000 == 0, "\(recorded) claims recorded")
        #expect(try database.rows("SELECT count(*) FROM \(schema).claims c WHERE NOT EXISTS (SELECT 1 FROM \(schema).determinations d WHERE d.submission = c.submission)")[0][0] == "0")
        // Run again, it replays what was recorded and decides the rest.
        let again = try medpolicy(["batch", file, "--postgres", database.url(schema), "--worker", "1/1",
                                   "--json", outputs.appendingPathComponent("d.json").path])
        #expect(again.status == 0, "\(again.stderr)")
        let (summary, _) = try WorkerRun.summary(outputs.appendingPathComponent("d.1-of-1.json").path)
        #expect(summary["replays"] as? Int == recorded)
    }
}

/// A `medpolicy` process started in the background, its output in files.
final class WorkerRun {
    private let process = Process()
    private let outURL: URL, errURL: URL

    init(_ arguments: [String], _ scratch: Scratch, _ name: String) throws {
        outURL = scratch.url.appendingPathComponent("\(name).out")
        errURL = scratch.url.appendingPathComponent("\(name).err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = medpolicyBinary()
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    /// SIGKILL; whether it was still running.
    func kill() -> Bool {
        guard process.isRunning else { return false }
        Foundation.kill(process.processIdentifier, SIGKILL)
        return true
    }

    /// Waits for the process to end, at most `seconds` (then kills it): whether it ended by itself.
    /// A hung worker fails its test instead of hanging the suite.
    func wait(upTo seconds: TimeInterval = 120) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard kill() else {
            process.waitUntilExit()
            return true
        }
        process.waitUntilExit()
        return false
    }
    var status: Int32 { process.terminationStatus }
    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }

    /// The summary and determinations of a `--json` file.
    static func summary(_ path: String) throws -> ([String: Any], [[String: Any]]) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        return (try #require(object["summary"] as? [String: Any]), try #require(object["determinations"] as? [[String: Any]]))
    }
}

/// The totals of an 835 file, in cents.
struct Remittance835 {
    var bprCents = 0, clpCents = 0
    /// CLP01, CLP02 and CLP04 of every claim payment, and the history record CLP07 names.
    var claims: [(id: String, status: String, paidCents: Int, record: Int64?)] = []

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for segment in text.split(separator: "~") {
            let elements = segment.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "*", omittingEmptySubsequences: false)
            func cents(_ index: Int) -> Int { Int(((Double(elements[index]) ?? .nan) * 100).rounded()) }
            if elements.first == "BPR" { bprCents += cents(2) }
            if elements.first == "CLP" {
                clpCents += cents(4)
                let record = elements.count > 7 && elements[7].hasPrefix("MPH") ? Int64(elements[7].dropFirst(3)) : nil
                claims.append((String(elements[1]), String(elements[2]), cents(4), record))
            }
        }
    }
}

/// The PostgreSQL of `MEDPOLICY_TEST_POSTGRES`, reached with `psql`; nil (the test skipped) without
/// it, unless `MEDPOLICY_REQUIRE_ALL=1` makes that a failure.
struct PostgresForTests {
    let base: String

    init?() throws {
        let environment = ProcessInfo.processInfo.environment
        let missing: String?
        if let base = environment["MEDPOLICY_TEST_POSTGRES"], !base.isEmpty {
            self.base = base
            missing = (try? Self.psql(base, "SELECT 1")) == nil ? "psql cannot reach \(base)" : nil
        } else {
            base = ""
            missing = "MEDPOLICY_TEST_POSTGRES is not set (.ci/run provisions PostgreSQL)"
        }
        guard let missing else { return }
        if environment["MEDPOLICY_REQUIRE_ALL"] == "1" {
            Issue.record(Comment(rawValue: "PostgreSQL is required: \(missing)"))
            return nil
        }
        try Test.cancel(Comment(rawValue: "skipped: \(missing)"))
    }

    func freshSchema() -> String { "mpt_workers_" + UUID().uuidString.prefix(8).lowercased() }

    func url(_ schema: String) -> String { base + (base.contains("?") ? "&" : "?") + "schema=\(schema)" }

    func drop(_ schema: String) { _ = try? rows("DROP SCHEMA IF EXISTS \(schema) CASCADE") }

    /// Rows of tab-separated columns.
    func rows(_ sql: String) throws -> [[String]] {
        try Self.psql(base, sql).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Ends every other connection whose last statement named `schema`; whether there was one.
    func endConnections(mentioning schema: String) throws -> Bool {
        try rows("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND datname = current_database() AND query LIKE '%\(schema)%'
            """).first?.first.map { $0 != "0" } ?? false
    }

    private static func psql(_ base: String, _ sql: String) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-psql-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // psql takes no `schema=` parameter: the base URL, and schema-qualified names.
        process.arguments = ["psql", base.components(separatedBy: "?")[0], "-X", "-A", "-t", "-q", "-F", "\t",
                             "-v", "ON_ERROR_STOP=1", "-c", sql]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PsqlFailure(sql: sql) }
        return try String(contentsOf: output, encoding: .utf8)
    }

    struct PsqlFailure: Error { let sql: String }
}
