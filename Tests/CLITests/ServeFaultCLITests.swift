import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Three `medpolicy serve --postgres` processes on one history, as behind a load balancer, under
/// concurrent load for the same members; one is killed with SIGKILL at a random point and started
/// again (issue 26). A client retries a request that got no answer on another server, as a
/// balancer's client does.
@Suite("serve --postgres: three servers, one killed", .serialized)
struct ServeFaultCLITests {
    /// TrueCare allows 8 dates of service a calendar year (denied 119): 5 members with 12 identical
    /// claims each, two weeks apart in the policy's effective period, sent at once, may have at most 8
    /// of them count.
    static let members = 5, claimsPerMember = 12, limit = 8

    @Test func threeServersOneKilledAndRestartedRecordEveryClaimOnceWithinItsLimits() async throws {
        guard let database = try PostgresForTests() else { return }
        let scratch = try Scratch("serve-fault")
        let schema = database.freshSchema()
        defer { database.drop(schema) }
        let template = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: repositoryRoot.appendingPathComponent("Examples/truecare-approved.json"))) as? [String: Any])
        var clinical = try #require(template["clinical"] as? [String: Any])
        clinical["conservativeTherapy"] = [["type": "physical_therapy", "start": "2025-05-01", "end": "2025-06-20", "outcome": "failed"],
                                           ["type": "active_exercise", "start": "2025-05-01", "end": "2025-06-20", "outcome": "failed"]]
        let first = try #require(Calendar(identifier: .gregorian).date(from: DateComponents(
            timeZone: TimeZone(identifier: "UTC"), year: 2025, month: 7, day: 1)))
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        var claims: [(id: String, member: String, body: Data)] = []
        for visit in 0..<Self.claimsPerMember {
            for member in 1...Self.members {
                var claim = template
                claim["id"] = "SF-\(member)-\(visit)"
                claim["member"] = ["id": "SF-M\(member)", "birthDate": "1968-04-12", "sex": "F"]
                claim["dateOfService"] = day.string(from: first.addingTimeInterval(Double(14 * visit) * 86_400))
                claim["clinical"] = clinical
                claims.append(("SF-\(member)-\(visit)", "SF-M\(member)", try JSONSerialization.data(withJSONObject: claim)))
            }
        }

        let servers = ServerSet(url: database.url(schema), scratch: scratch)
        for index in 0..<3 { try await servers.start(index) }
        let victim = Int.random(in: 0..<3)
        let killAfter = Int.random(in: 5...40)
        let answers = try await withThrowingTaskGroup(of: (String, String, Bool).self) { group in
            var answers: [String: (outcome: String, replayed: Bool)] = [:]
            var next = 0
            func send(_ index: Int) {
                let claim = claims[index]
                group.addTask {
                    let (outcome, replayed) = try await servers.determine(claim.body, preferring: index)
                    return (claim.id, outcome, replayed)
                }
            }
            while next < 6 { send(next); next += 1 }  // six requests in flight at a time
            var done = 0
            while let (id, outcome, replayed) = try await group.next() {
                answers[id] = (outcome, replayed)
                done += 1
                if done == killAfter {
                    #expect(await servers.kill(victim), "server \(victim) was running")
                    try await servers.start(victim)
                }
                if next < claims.count { send(next); next += 1 }
            }
            return answers
        }
        await servers.stopAll()
        #expect(answers.count == claims.count, "every claim answered")

        // Every claim recorded exactly once, each with its determination.
        let recorded = try database.rows("SELECT claim_id, count(*) FROM \(schema).claims GROUP BY claim_id ORDER BY 1")
        #expect(recorded.count == claims.count)
        #expect(recorded.allSatisfy { $0[1] == "1" }, "\(recorded.filter { $0[1] != "1" })")
        #expect(try database.rows("SELECT count(*) FROM \(schema).claims c WHERE NOT EXISTS (SELECT 1 FROM \(schema).determinations d WHERE d.submission = c.submission)")[0][0] == "0")
        // The limit held for every member: at most 8 dates that count, and each member reached it
        // (the claims are identical, so only the limit denies).
        let counting = try database.rows("""
            SELECT member_id, count(DISTINCT date_of_service) FROM \(schema).services
            WHERE state = 'current' AND outcome <> 'denied' GROUP BY member_id ORDER BY 1
            """)
        #expect(counting.map { $0[1] } == Array(repeating: "\(Self.limit)", count: Self.members), "\(counting)")
        // What each client was told is what the history holds (a retried request was replayed).
        let stored = Dictionary(uniqueKeysWithValues: try database.rows("""
            SELECT DISTINCT ON (claim_id) claim_id, outcome FROM \(schema).determinations ORDER BY claim_id, sequence DESC
            """).map { ($0[0], $0[1]) })
        for (id, answer) in answers {
            #expect(stored[id] == answer.outcome, "\(id): told \(answer.outcome), history \(stored[id] ?? "nothing")")
        }
        let outcomes = Set(answers.values.map(\.outcome))
        #expect(outcomes.contains("approved") && outcomes.contains("denied"), "\(outcomes)")
    }
}

/// The three servers: started on ports the system picks, killed, started again.
actor ServerSet {
    let url: String, scratch: Scratch
    private var processes: [Int: WorkerRun] = [:]
    private var bases: [Int: String] = [:]
    private var starts = 0

    init(url: String, scratch: Scratch) { self.url = url; self.scratch = scratch }

    func start(_ index: Int) async throws {
        starts += 1
        let process = try WorkerRun(["serve", "--port", "0", "--postgres", url], scratch, "serve-\(starts)")
        processes[index] = process
        for _ in 0..<300 {
            if let range = process.stdout.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                bases[index] = String(process.stdout[range])
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("server \(index) did not start: \(process.stderr)\(process.stdout)")
        throw CancellationError()
    }

    func kill(_ index: Int) -> Bool {
        bases[index] = nil
        return processes[index]?.kill() ?? false
    }

    func stopAll() {
        for process in processes.values { _ = process.kill() }
    }

    private func base(_ index: Int) -> String? { bases[index] }

    /// POST /v1/determinations on server `preferring % 3`, then on the others while none answers.
    nonisolated func determine(_ body: Data, preferring: Int) async throws -> (outcome: String, replayed: Bool) {
        for attempt in 0..<60 {
            guard let base = await base((preferring + attempt) % 3) else {
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            var request = URLRequest(url: URL(string: base + "/v1/determinations")!)
            request.httpMethod = "POST"
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.timeoutInterval = 30
            guard let (data, response) = try? await URLSession.shared.data(for: request),
                  let http = response as? HTTPURLResponse else {
                continue  // no answer (the server was killed): another one
            }
            guard http.statusCode == 200,
                  let determination = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let outcome = determination["outcome"] as? String else {
                Issue.record("HTTP \(http.statusCode): \(String(decoding: data, as: UTF8.self).prefix(300))")
                throw CancellationError()
            }
            return (outcome, http.value(forHTTPHeaderField: "Medpolicy-Replayed") == "true")
        }
        Issue.record("no server answered")
        throw CancellationError()
    }
}
