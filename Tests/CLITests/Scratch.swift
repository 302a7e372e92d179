import Foundation
import Testing

/// A fresh folder for one suite's files (claim files, histories, outputs) under the temporary directory.
struct Scratch {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The folder's own path.
    var folder: String { url.path }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` to `name` in the folder; returns its path.
    func write(_ text: String, _ name: String) throws -> String {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    /// Runs `medpolicy generate` with `arguments` and writes the 837 it prints to `name`.
    func generate(_ name: String, _ arguments: [String]) throws -> (path: String, run: CLIRun) {
        let run = try medpolicy(["generate"] + arguments)
        #expect(run.status == 0, "\(run.stderr)")
        return (try write(run.stdout, name), run)
    }
}

/// The `list` of what `history show` says for `member` (`services`, `authorizations`).
func historyShown(_ member: String, db: String, _ list: String) throws -> [[String: Any]] {
    let run = try medpolicy(["history", "show", member, "--db", db, "--format", "json"])
    // Nothing was ever recorded: there is no database, and showing one never creates it (issue 27.10).
    if !FileManager.default.fileExists(atPath: db) {
        #expect(run.status == 2, "\(run.stderr)")
        return []
    }
    #expect(run.status == 0, "\(run.stderr)")
    let view = try #require(run.json as? [String: Any])
    return try #require(view[list] as? [[String: Any]])
}
