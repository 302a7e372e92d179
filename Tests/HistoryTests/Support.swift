import Foundation
import History
import Model
import Testing

// MARK: Stores under test

/// The two history stores; every behavior test runs against both.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A fresh, empty store: a new file in a new temporary directory, or a new PostgreSQL schema.
    func makeLocation() async throws -> StoreLocation {
        switch self {
        case .sqlite:
            let directory = try temporaryDirectory()
            return StoreLocation(kind: self, place: directory.appendingPathComponent("history.sqlite").path,
                                 directory: directory)
        case .postgres:
            return StoreLocation(kind: self, place: try await PostgresForTests.freshSchemaURL(), directory: nil)
        }
    }
}

/// Where one test's store lives; open it as many times as needed (separate instances behave like
/// separate processes: no shared in-memory state).
struct StoreLocation: Sendable {
    let kind: StoreKind
    /// The SQLite file path, or the PostgreSQL URL.
    let place: String
    let directory: URL?

    func open() async throws -> any HistoryStore {
        switch kind {
        case .sqlite: return try await HistoryStores.openSQLite(path: place)
        case .postgres: return try await HistoryStores.openPostgres(url: place)
        }
    }

    func removeFiles() {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}

/// Opens a fresh store, runs `body`, closes the store and removes its files.
func withFreshStore(_ kind: StoreKind, _ body: (any HistoryStore, StoreLocation) async throws -> Void) async throws {
    let location = try await kind.makeLocation()
    defer { location.removeFiles() }
    let store = try await location.open()
    do {
        try await body(store, location)
    } catch {
        try? await store.close()
        throw error
    }
    try await store.close()
}

func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("medpolicy-history-tests-\(UUID().uuidString.lowercased())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// PostgreSQL comes from `MEDPOLICY_TEST_POSTGRES`; without it (or with a server that cannot be
/// reached) the PostgreSQL cases are skipped, unless `MEDPOLICY_REQUIRE_ALL=1` makes that a failure.
enum PostgresForTests {
    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The test database URL with a new schema (`mpt_…`) so that runs and tests never see each other's rows.
    static func freshSchemaURL() async throws -> String {
        guard let base = environment["MEDPOLICY_TEST_POSTGRES"], !base.isEmpty else {
            try unavailable("MEDPOLICY_TEST_POSTGRES is not set "
                + "(postgres://user:password@127.0.0.1:5432/database; .ci/run provisions one)")
        }
        let schema = "mpt_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
        do {
            // Creates the schema; the caller opens its own instances.
            let store = try await HistoryStores.openPostgres(url: url)
            try await store.close()
        } catch let error as HistoryError {
            if case .unreachable = error { try unavailable("\(error)") }
            throw error
        }
        return url
    }

    static func unavailable(_ reason: String) throws -> Never {
        if environment["MEDPOLICY_REQUIRE_ALL"] == "1" {
            throw Unavailable(description: "PostgreSQL is required (MEDPOLICY_REQUIRE_ALL=1), but \(reason)")
        }
        // A warning shows in the run's output (a cancellation alone does not); it does not fail the run.
        let message = "skipped: PostgreSQL is not available: \(reason)"
        Issue.record(Comment(rawValue: message), severity: .warning)
        try Test.cancel(Comment(rawValue: message))
    }
}

// MARK: Encounters and determinations

let testPolicy = PolicyReference(id: "test/tpi-1", title: "Test trigger point injection policy",
                                 effectiveFrom: LocalDate("2023-01-01")!, effectiveTo: nil)

let trapeziusRight = InjectionSite(muscle: "trapezius", laterality: .right, triggerPoints: 3)
let levatorLeft = InjectionSite(muscle: "levator_scapulae", laterality: .left, triggerPoints: nil)

func encounter(_ id: String, member: String = "M1", payer: String = "florida-blue", date: String = "2025-09-10",
               frequency: ClaimFrequency? = nil, replaces: String? = nil,
               lines: [ServiceLine] = [ServiceLine(code: "20552", units: 1)],
               sites: [InjectionSite]? = [trapeziusRight]) -> Encounter {
    Encounter(id: id, frequency: frequency, replaces: replaces, member: Member(id: member),
              coverage: Coverage(payer: payer), dateOfService: LocalDate(date)!,
              diagnoses: ["M79.18"], lines: lines,
              procedure: sites.map { Procedure(sites: $0, injectate: ["lidocaine"]) })
}

/// A determination in the contract's shape: every line gets `lineOutcomes[i]` (or the claim outcome).
func decision(_ encounter: Encounter, _ outcome: Outcome, lineOutcomes: [Outcome]? = nil) -> Determination {
    if encounter.effectiveFrequency == .void {
        return Determination(encounterId: encounter.id, payer: encounter.coverage.payer, policy: nil,
                             outcome: .notApplicable, lines: [],
                             reasons: [Reason(rule: "claim.void", carc: nil, message: "void of a previous claim",
                                              citation: nil)],
                             coding: CodingAdvice(), documentation: DocumentationAdvice())
    }
    let lines = encounter.lines.enumerated().map { offset, line in
        let lineOutcome = lineOutcomes?[offset] ?? outcome
        return LineDetermination(
            index: offset + 1, code: line.code, outcome: lineOutcome,
            reasons: lineOutcome == .denied
                ? [Reason(rule: "test.limit", carc: "119", message: "benefit maximum reached",
                          citation: Citation(source: "test.txt", section: "Limits"))]
                : [])
    }
    return Determination(encounterId: encounter.id, payer: encounter.coverage.payer, policy: testPolicy,
                         outcome: outcome, lines: lines, reasons: [], coding: CodingAdvice(),
                         documentation: DocumentationAdvice())
}

/// Records what `decide` was called with.
final class DecideLog: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [[PriorService]] = []

    func record(_ prior: [PriorService]) {
        lock.lock(); defer { lock.unlock() }
        calls.append(prior)
    }

    var priors: [[PriorService]] {
        lock.lock(); defer { lock.unlock() }
        return calls
    }
}

/// A decide that approves everything (recording what it saw).
func approving(_ encounter: Encounter, log: DecideLog? = nil) -> @Sendable ([PriorService]) -> Determination {
    { prior in
        log?.record(prior)
        return decision(encounter, .approved)
    }
}

/// Like a frequency limit in the engine: approves while fewer than `limit` other TPI services
/// exist (services of this claim and of the claim it replaces are not counted), denies after.
func limited(_ encounter: Encounter, limit: Int) -> @Sendable ([PriorService]) -> Determination {
    { prior in
        let counted = prior.filter {
            $0.id != encounter.id && $0.id != encounter.replaces && ["20552", "20553"].contains($0.code)
        }
        return decision(encounter, counted.count < limit ? .approved : .denied)
    }
}

// MARK: Files

func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

/// Sets a file's or directory's permission bits.
func setPermissions(_ path: String, _ mode: Int) throws {
    try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: mode)], ofItemAtPath: path)
}

/// A small SQLite database of another application (an `appointments` table with one row), as
/// SQLite 3 writes it with 512-byte pages: its non-zero byte runs.
let foreignDatabaseBytes: Data = {
    let runs: [(Int, String)] = [
        (0, "53514c69746520666f726d61742033000200010100402020"),
        (27, "02"),
        (31, "02"),
        (43, "01"),
        (47, "04"),
        (59, "01"),
        (95, "02002e63010d"),
        (104, "01018c00018c"),
        (396, "7201071725250181277461626c656170706f696e746d656e74736170706f696e746d656e747302435245415445205441424c"
            + "45206170706f696e746d656e74732028696420494e5445474552205052494d415259204b45592c2070617469656e74205445"
            + "58542c207374617274732054455854290d"),
        (516, "0101e50001e5"),
        (997, "19010400172d416c696365323032352d30392d31305430393a3030"),
    ]
    var bytes = [UInt8](repeating: 0, count: 1024)
    for (offset, hex) in runs {
        var index = hex.startIndex
        var position = offset
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes[position] = UInt8(hex[index..<next], radix: 16)!
            position += 1
            index = next
        }
    }
    return Data(bytes)
}()
