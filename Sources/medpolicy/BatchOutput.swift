import Foundation
import Model
import Workflows

/// The outputs of a run. A regular file (or a path where nothing is yet) is written under a
/// temporary name beside it and renamed into place by ``commit()``: a run that fails or is
/// interrupted leaves no half-written file. `-` is standard output, and a character device, FIFO or
/// socket is written through, never replaced. A symbolic link is followed deliberately: the output
/// goes where it points (the link stays); a dangling link or a loop is refused. A missing folder is
/// refused, never created.
final class OutputFiles {
    private struct Output {
        var handle: FileHandle
        /// The temporary file and where it is renamed to; nil when written through.
        var renaming: (temporary: URL, target: String)?
    }
    private var pending: [String: Output] = [:]
    /// A private directory for spooled intermediate data (removed by ``discard()`` and ``commit()``).
    let spoolDirectory: URL
    /// Whether some output is standard output (the summary then goes to standard error).
    private(set) var usesStandardOutput = false

    init(_ destinations: [String?]) throws {
        spoolDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-batch-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: spoolDirectory, withIntermediateDirectories: true)
        } catch {
            throw UserError("cannot create a temporary directory in \(FileManager.default.temporaryDirectory.path): \(error.localizedDescription)")
        }
        do {
            for destination in destinations.compactMap({ $0 }) {
                guard pending[destination] == nil else { throw UserError("\(destination) is named for two outputs") }
                pending[destination] = try Self.open(destination)
                if destination == "-" { usesStandardOutput = true }
            }
        } catch {
            discard()
            throw error
        }
    }

    private static func open(_ destination: String) throws -> Output {
        if destination == "-" { return Output(handle: .standardOutput, renaming: nil) }
        var target = destination
        var info = stat()
        if lstat(destination, &info) == 0, info.st_mode & S_IFMT == S_IFLNK {
            guard let resolved = realpath(destination, nil) else {
                let reason = errno == ELOOP ? "a loop of symbolic links" : "a symbolic link to \(String(cString: strerror(errno)).lowercased())"
                throw UserError("cannot write \(destination): it is \(reason)")
            }
            target = String(cString: resolved)
            free(resolved)
        }
        if stat(target, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw UserError("\(destination) is a directory; name a file")
            case S_IFCHR, S_IFIFO, S_IFSOCK:
                guard let handle = FileHandle(forWritingAtPath: target) else {
                    throw UserError("cannot write \(destination): \(String(cString: strerror(errno)))")
                }
                return Output(handle: handle, renaming: nil)
            default: throw UserError("cannot write \(destination): it is neither a file, a device nor a FIFO")
            }
        }
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UserError("cannot write \(destination): the folder \(folder) does not exist")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: temporary) else {
            throw UserError("cannot write \(destination): its folder is not writable")
        }
        return Output(handle: handle, renaming: (temporary, target))
    }

    func handle(for destination: String) throws -> FileHandle {
        guard let entry = pending[destination] else { throw InternalError("no output file for \(destination)") }
        return entry.handle
    }

    /// Renames every regular-file output into place (the others were written through).
    func commit() throws {
        for (destination, entry) in pending {
            guard let renaming = entry.renaming else {
                if entry.handle !== FileHandle.standardOutput { try entry.handle.close() }
                continue
            }
            try entry.handle.close()
            if rename(renaming.temporary.path, renaming.target) != 0 {
                throw UserError("cannot write \(destination): \(String(cString: strerror(errno)))")
            }
        }
        pending.removeAll()
        try? FileManager.default.removeItem(at: spoolDirectory)
    }

    /// Leaves `destination` unwritten: its temporary file is removed and ``commit()`` skips it
    /// (a file already at `destination` is left as it was; a device or FIFO gets nothing).
    func withdraw(_ destination: String) {
        guard let entry = pending.removeValue(forKey: destination), let renaming = entry.renaming else { return }
        try? entry.handle.close()
        try? FileManager.default.removeItem(at: renaming.temporary)
    }

    /// Removes whatever was not committed.
    func discard() {
        for entry in pending.values {
            guard let renaming = entry.renaming else { continue }
            try? entry.handle.close()
            try? FileManager.default.removeItem(at: renaming.temporary)
        }
        pending.removeAll()
        try? FileManager.default.removeItem(at: spoolDirectory)
    }
}

/// Runs a write to the output `name`, turning an I/O failure (a full disk, `/dev/full`, a closed
/// pipe) into a message that names it.
func writingTo<T>(_ name: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as UserError { throw error } catch {
        let reason = (error as NSError).userInfo[NSUnderlyingErrorKey].map { ($0 as! NSError).localizedDescription }
            ?? error.localizedDescription
        throw UserError("cannot write \(name): \(reason)")
    }
}

/// A JSON document written piece by piece through a buffer (determinations one at a time).
final class JSONDocumentOutput {
    private let handle: FileHandle
    private let name: String
    private var buffer: [UInt8] = []

    init(_ handle: FileHandle, name: String) {
        self.handle = handle
        self.name = name
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
        try writingTo(name) { try handle.write(contentsOf: buffer) }
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
            out.append("  \(stats.claimProblemCount) claims not adjudicated, first:")
            for problem in stats.claimProblems.prefix(5) {
                out.append("    claim \(problem.claimId ?? "(no CLM01)"): \(problem.message)")
            }
        }
        if !stats.envelopeIssues.isEmpty {
            out.append("  \(stats.envelopeIssueCount) envelope issues, first: \(stats.envelopeIssues[0])")
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
