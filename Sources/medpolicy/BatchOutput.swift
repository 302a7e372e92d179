import Foundation
import Model
import Workflows

/// Output files written under temporary names beside their destinations and renamed into place by
/// ``commit()``: a run that fails or is interrupted leaves no half-written output.
final class OutputFiles {
    private var pending: [String: (temporary: URL, handle: FileHandle)] = [:]
    /// A private directory for spooled intermediate data (removed by ``discard()`` and ``commit()``).
    let spoolDirectory: URL

    init(_ destinations: [String?]) throws {
        spoolDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-batch-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: spoolDirectory, withIntermediateDirectories: true)
        } catch {
            throw UserError("cannot create a temporary directory in \(FileManager.default.temporaryDirectory.path): \(error.localizedDescription)")
        }
        for destination in destinations.compactMap({ $0 }) {
            guard pending[destination] == nil else { throw UserError("\(destination) is named for two outputs") }
            let target = URL(fileURLWithPath: destination)
            let temporary = target.deletingLastPathComponent()
                .appendingPathComponent(".\(target.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
                discard()
                throw UserError("\(destination) is a directory; name a file")
            }
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
                  let handle = try? FileHandle(forWritingTo: temporary) else {
                discard()
                throw UserError("cannot write \(destination): its directory does not exist or is not writable")
            }
            pending[destination] = (temporary, handle)
        }
    }

    func handle(for destination: String) throws -> FileHandle {
        guard let entry = pending[destination] else { throw InternalError("no output file for \(destination)") }
        return entry.handle
    }

    /// Renames every output into place.
    func commit() throws {
        for (destination, entry) in pending {
            try entry.handle.close()
            if rename(entry.temporary.path, destination) != 0 {
                throw UserError("cannot write \(destination): \(String(cString: strerror(errno)))")
            }
        }
        pending.removeAll()
        try? FileManager.default.removeItem(at: spoolDirectory)
    }

    /// Leaves `destination` unwritten: its temporary file is removed and ``commit()`` skips it
    /// (a file already at `destination` is left as it was).
    func withdraw(_ destination: String) {
        guard let entry = pending.removeValue(forKey: destination) else { return }
        try? entry.handle.close()
        try? FileManager.default.removeItem(at: entry.temporary)
    }

    /// Removes whatever was not committed.
    func discard() {
        for entry in pending.values {
            try? entry.handle.close()
            try? FileManager.default.removeItem(at: entry.temporary)
        }
        pending.removeAll()
        try? FileManager.default.removeItem(at: spoolDirectory)
    }
}

/// A JSON document written piece by piece through a buffer (determinations one at a time).
final class JSONDocumentOutput {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func write<T: Encodable>(encodable value: T) throws {
        buffer.append(contentsOf: try CanonicalJSON.encode(value))
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A progress bar on standard error when it is a terminal; silent otherwise.
final class ProgressBar {
    private let total: Int
    private let enabled: Bool
    private let clock = ContinuousClock()
    private let began: ContinuousClock.Instant
    private var lastDrawn: ContinuousClock.Instant
    private var drawn = false

    init(total: Int) {
        self.total = total
        enabled = isatty(STDERR_FILENO) == 1
        began = clock.now
        lastDrawn = began
    }

    func update(done: Int, claims: Int) {
        guard enabled, clock.now - lastDrawn >= .milliseconds(200) else { return }
        lastDrawn = clock.now
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let rate = Double(claims) / max((clock.now - began).seconds, 0.001)
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r%@ %3.0f%%  %d claims  %.0f claims/s ", bar, fraction * 100, claims, rate).utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}

/// The summary printed at the end of a batch.
enum BatchSummaryText {
    static func render(_ stats: BatchStatistics, source: String, seconds: Double, historyNote: String,
                       outputs: [(String, String?)], remittanceWritten: Bool = true) -> String {
        var out: [String] = []
        let rate = seconds > 0 ? Int(Double(stats.claims) / seconds) : stats.claims
        out.append("\(source): \(stats.claims) claims (\(stats.lines) lines) adjudicated in \(String(format: "%.2f", seconds)) s, \(rate) claims/s")
        let o = stats.outcomes
        out.append("  approved \(o.approved) · partial \(o.partial) · denied \(o.denied) · pended \(o.pended) · not applicable \(o.notApplicable)"
            + (stats.replays > 0 ? " · \(stats.replays) replayed from history" : ""))
        for payer in stats.byPayer.keys.sorted() {
            let c = stats.byPayer[payer]!
            out.append("    \(payer.padding(toLength: 16, withPad: " ", startingAt: 0)) \(c.total) claims: approved \(c.approved), partial \(c.partial), denied \(c.denied), pended \(c.pended), not applicable \(c.notApplicable)")
        }
        if !stats.claimProblems.isEmpty {
            out.append("  \(stats.claimProblems.count) claims not adjudicated, first:")
            for problem in stats.claimProblems.prefix(5) {
                out.append("    claim \(problem.claimId ?? "(no CLM01)"): \(problem.message)")
            }
        }
        if !stats.envelopeIssues.isEmpty {
            out.append("  \(stats.envelopeIssues.count) envelope issues, first: \(stats.envelopeIssues[0])")
        }
        let denials = BatchStatistics.top(stats.denialReasons, 5)
        if !denials.isEmpty {
            out.append("  Top denial reasons (lines):")
            for tally in denials { out.append("    \(tally.count)  [\(tally.rule)] CARC \(tally.carc ?? "–")") }
        }
        let limits = BatchStatistics.top(stats.limitsHit, 5)
        if !limits.isEmpty {
            out.append("  Limits and intervals hit (lines):")
            for tally in limits { out.append("    \(tally.count)  [\(tally.rule)]") }
        }
        out.append("  \(historyNote)")
        for (name, path) in outputs {
            guard let path else { continue }
            switch name {
            case "835" where !remittanceWritten:
                out.append("  835: none written to \(path): no claim was remitted (\(stats.unremitted) pended, not adjudicated or void claims)")
            case "835": out.append("  835: \(path) (\(stats.remittedClaims) claims with \(stats.reversals) reversals of earlier payments, \(BatchReport.dollars(stats.paidCents)) paid at billed charges; \(stats.unremitted) pended, not adjudicated or void claims not in it)")
            default: out.append("  \(name): \(path)")
            }
        }
        return out.joined(separator: "\n")
    }
}
