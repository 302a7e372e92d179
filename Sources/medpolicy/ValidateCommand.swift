import ArgumentParser
import Foundation
import Interchange

/// `medpolicy validate`: check an encounter against Contract 1, or an 837P file's envelope and
/// claims, without deciding anything.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an encounter JSON file against the encounter contract, or an 837P file as batch reads it.",
        discussion: """
        Prints `valid`, or every error with its JSON path (exit status 2). A file that starts with
        ISA is read as an 837P: every envelope issue and claim error with its segment and element
        (the first \(Validate.shownProblems), then a count), exit status 2 if there is any.

        Examples:
          medpolicy validate Examples/florida-blue-approved.json
          cat encounter.json | medpolicy validate -
          medpolicy validate claims.837
        """
    )

    @Argument(help: "The encounter JSON file, or - for standard input, or an 837P file.")
    var file: String

    static let shownProblems = 100

    func run() throws {
        if file != "-", Self.startsWithISA(file) {
            try validate837()
            return
        }
        _ = try readEncounter(file)
        print("valid")
    }

    /// Whether the file's first bytes (after a UTF-8 byte-order mark) are `ISA`.
    private static func startsWithISA(_ path: String) -> Bool {
        // Only a regular file is opened to look: opening a FIFO would wait for a writer.
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        var head = Array((try? handle.read(upToCount: 6)) ?? Data())
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { head.removeFirst(3) }
        return head.starts(with: Array("ISA".utf8))
    }

    private func validate837() throws {
        let reader: X12Reader837
        do { reader = try X12Reader837(path: file) } catch { throw UserError("\(file): \(error.message)") }
        var problems: [String] = [], problemCount = 0, claims = 0
        do {
            while let event = try reader.next() {
                let problem: String
                switch event {
                case .claim: claims += 1; continue
                case .claimError(let error): problem = error.description
                case .envelopeIssue(let issue): problem = issue.description
                }
                problemCount += 1
                if problems.count < Self.shownProblems { problems.append("\(file): \(problem)") }
            }
        } catch {
            throw UserError("\(file): \(error.message)")
        }
        guard problemCount == 0 else {
            if problemCount > problems.count { problems.append("\(file): … and \(problemCount - problems.count) more") }
            throw UserError(problems.joined(separator: "\n"))
        }
        print("valid (\(claims) claims)")
    }
}
