import Foundation
import Model

/// The state of a recorded claim (a row of `claims`, and of its `services`).
enum ClaimState: String, Sendable {
    /// The latest version of the claim: its services count.
    case current
    /// Replaced by a later claim (frequency 7): its services no longer count.
    case superseded
    /// Voided by a later claim (frequency 8): its services no longer count.
    case voided
    /// The void request itself: its lines echo the voided claim and never count.
    case void
}

/// One service line as written to `services`.
struct LineRecord: Sendable {
    let lineNumber: Int
    let code: String
    let units: Int
    let outcome: Outcome
}

/// A recorded claim that a replacement or void names.
struct TargetRow: Sendable {
    let submission: Int64
    let memberId: String
    let state: String
    /// The claim id of the claim that superseded or voided it, if any.
    let changedBy: String?
}

/// One adjudication request, prepared for storage: the parts every store writes, and the rules
/// both stores apply in the same order.
struct Submission: Sendable {
    let encounter: Encounter
    let claimId: String
    let memberId: String
    let payer: String
    let frequency: ClaimFrequency
    /// The claim this one replaces or voids (`replaces`, or the encounter's own id when absent).
    let target: String?
    /// The encounter as canonical JSON (sorted keys): identical resubmissions compare equal.
    let canonicalJSON: String
    let dateOfService: String
    let sitesJSON: String

    init(_ encounter: Encounter) throws {
        try StorableText.check(encounter)
        self.encounter = encounter
        claimId = encounter.id
        memberId = encounter.member.id
        payer = encounter.coverage.payer
        frequency = encounter.effectiveFrequency
        target = frequency == .original ? nil : (encounter.replaces ?? encounter.id)
        canonicalJSON = try HistoryCodec.canonicalJSON(encounter)
        dateOfService = encounter.dateOfService.description
        sitesJSON = try HistoryCodec.canonicalJSON(encounter.procedure?.sites ?? [])
    }

    /// The submission for a claim of a batch, or the refusal that stands in for it.
    static func prepare(_ encounter: Encounter) -> Result<Submission, HistoryError> {
        do {
            return .success(try Submission(encounter))
        } catch let refusal as HistoryError {
            return .failure(refusal)
        } catch {
            return .failure(.storage("claim \(encounter.id) cannot be stored: \(error)"))
        }
    }

    /// The state this claim is recorded in.
    var recordedState: ClaimState { frequency == .void ? .void : .current }

    /// The state the claims it names move to.
    var targetNewState: ClaimState { frequency == .void ? .voided : .superseded }

    /// Every service line with its line outcome (the claim outcome when the determination has no
    /// entry for the line, as for a void or a claim no policy governs).
    func lines(for determination: Determination) -> [LineRecord] {
        encounter.lines.enumerated().map { offset, line in
            let number = offset + 1
            let outcome = determination.lines.first { $0.index == number }?.outcome ?? determination.outcome
            return LineRecord(lineNumber: number, code: line.code, units: line.effectiveUnits, outcome: outcome)
        }
    }

    /// The member's counting services once this claim is recorded, from those before it: the
    /// services of the claim it replaces or voids stop counting (every current row with that claim
    /// id is retired), and its own lines count unless denied or a void's. Same order as the
    /// stores' query (date of service, then as recorded: the new claim is the latest record).
    func countingServices(after before: [StoredService], determination: Determination) -> [StoredService] {
        var services = before
        if let target { services.removeAll { $0.claimId == target } }
        guard recordedState == .current else { return services }
        let sites = encounter.procedure?.sites ?? []
        var position = services.firstIndex { $0.dateOfService > encounter.dateOfService } ?? services.count
        for line in lines(for: determination) where line.outcome != .denied {
            services.insert(StoredService(memberId: memberId, payer: payer, claimId: claimId, lineNumber: line.lineNumber,
                                          dateOfService: encounter.dateOfService, code: line.code, units: line.units,
                                          sites: sites, outcome: line.outcome), at: position)
            position += 1
        }
        return services
    }

    /// The rule for an original claim whose id is already recorded (and not identical).
    func checkNotConflicting(alreadyRecorded: Bool) throws {
        if frequency == .original && alreadyRecorded {
            throw HistoryError.conflictingResubmission(claimId: claimId)
        }
    }

    /// The rule for the claim a replacement or void names: it must exist, be current, and belong to
    /// this member. Returns the rows to supersede or void.
    func checkTarget(_ rows: [TargetRow]) throws -> [Int64] {
        guard let target else { return [] }
        guard !rows.isEmpty else { throw HistoryError.unknownReplacedClaim(target) }
        let current = rows.filter { $0.state == ClaimState.current.rawValue }
        guard !current.isEmpty else {
            let latest = rows.max { $0.submission < $1.submission }!
            throw HistoryError.replacedClaimNotCurrent(claimId: target, state: latest.state, by: latest.changedBy ?? "?")
        }
        if let other = current.first(where: { $0.memberId != memberId }) {
            throw HistoryError.replacedClaimOfAnotherMember(claimId: target, recordedMember: other.memberId, member: memberId)
        }
        return current.map(\.submission)
    }
}

/// Text both stores hold exactly: anything without U+0000. SQLite, through GRDB, binds a string up
/// to its first NUL (claim "A\u{0}B" would be recorded, and looked up, as "A"), and PostgreSQL
/// refuses it. A claim carrying one is refused before anything is read; a key carrying one names
/// nothing recorded. (The encounter and determination JSON escape it and are unaffected.)
enum StorableText {
    static func holds(_ text: String) -> Bool { !text.utf8.contains(0) }

    /// Throws ``HistoryError/unstorableText(field:)`` for the first field of `encounter` that a store
    /// would write as text and cannot hold.
    static func check(_ encounter: Encounter) throws {
        // Field by field, not a list of them: every dry run asks, and a list is an allocation.
        if !holds(encounter.id) { throw HistoryError.unstorableText(field: "claim id") }
        if !holds(encounter.member.id) { throw HistoryError.unstorableText(field: "member id") }
        if !holds(encounter.coverage.payer) { throw HistoryError.unstorableText(field: "payer") }
        if let replaces = encounter.replaces, !holds(replaces) { throw HistoryError.unstorableText(field: "replaced claim id") }
        for (offset, line) in encounter.lines.enumerated() where !holds(line.code) {
            throw HistoryError.unstorableText(field: "line \(offset + 1) code")
        }
    }
}

/// JSON as the stores write and read it.
enum HistoryCodec {
    /// What the stores keep and compare: the same bytes JSONEncoder wrote in earlier versions.
    static func canonicalJSON<T: Encodable>(_ value: T) throws -> String {
        try CanonicalJSON.string(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw HistoryError.storage("a stored \(what) cannot be read: \(error)")
        }
    }

    /// Decodes rows of `services`; one per query, so that the sites JSON every line of a claim (and
    /// often every claim of a member) repeats is decoded once.
    struct ServiceDecoder {
        private var sites: [String: [InjectionSite]] = [:]

        mutating func service(memberId: String, payer: String, claimId: String, lineNumber: Int, dateOfService: String,
                              code: String, units: Int, sitesJSON: String, outcome: String) throws -> StoredService {
            let decoded: [InjectionSite]
            if let known = sites[sitesJSON] {
                decoded = known
            } else {
                decoded = try HistoryCodec.decode([InjectionSite].self, sitesJSON, what: "list of injection sites")
                sites[sitesJSON] = decoded
            }
            return try HistoryCodec.storedService(memberId: memberId, payer: payer, claimId: claimId,
                                                  lineNumber: lineNumber, dateOfService: dateOfService, code: code,
                                                  units: units, sites: decoded, outcome: outcome)
        }
    }

    /// An authorization from its stored columns (items and clinical facts as canonical JSON).
    static func authorization(number: String, payer: String, memberId: String, status: String, issued: String,
                              policy: String?, items: String, clinical: String?) throws -> Authorization {
        guard let state = AuthorizationStatus(rawValue: status), let date = LocalDate(issued) else {
            throw HistoryError.storage("stored authorization \(number) has status '\(status)' and issue date '\(issued)'")
        }
        return Authorization(number: number, payer: payer, memberId: memberId, status: state, issued: date, policy: policy,
                             items: try decode([AuthorizedService].self, items, what: "list of authorized services"),
                             clinical: try clinical.map { try decode(Clinical.self, $0, what: "clinical record") })
    }

    /// A recorded claim from its stored encounter and determination JSON.
    static func recordedClaim(record: Int64, encounter: String, determination: String) throws -> RecordedClaim {
        RecordedClaim(record: record, encounter: try decode(Encounter.self, encounter, what: "encounter"),
                      determination: try decode(Determination.self, determination, what: "determination"))
    }

    static func storedService(memberId: String, payer: String, claimId: String, lineNumber: Int, dateOfService: String,
                              code: String, units: Int, sites: [InjectionSite], outcome: String) throws -> StoredService {
        guard let date = LocalDate(dateOfService) else {
            throw HistoryError.storage("a stored service has the date \"\(dateOfService)\"")
        }
        guard let lineOutcome = Outcome(rawValue: outcome) else {
            throw HistoryError.storage("a stored service has the outcome \"\(outcome)\"")
        }
        return StoredService(memberId: memberId, payer: payer, claimId: claimId, lineNumber: lineNumber,
                             dateOfService: date, code: code, units: units, sites: sites, outcome: lineOutcome)
    }
}

extension Result where Success == Submission, Failure == HistoryError {
    /// A batch member's result: the refusal found when preparing it or by `adjudicate`, or its
    /// adjudication. Any other error ends the batch.
    func adjudicated(_ adjudicate: (Submission) throws -> Adjudication) throws -> Result<Adjudication, HistoryError> {
        switch self {
        case .failure(let refusal): return .failure(refusal)
        case .success(let submission):
            do { return .success(try adjudicate(submission)) } catch let refusal as HistoryError { return .failure(refusal) }
        }
    }

    /// ``adjudicated(_:)`` for an asynchronous store.
    func adjudicated(_ adjudicate: (Submission) async throws -> Adjudication) async throws -> Result<Adjudication, HistoryError> {
        switch self {
        case .failure(let refusal): return .failure(refusal)
        case .success(let submission):
            do { return .success(try await adjudicate(submission)) } catch let refusal as HistoryError { return .failure(refusal) }
        }
    }
}
