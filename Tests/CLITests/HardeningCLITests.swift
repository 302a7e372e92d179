import Foundation
import Testing

/// What an outside probe found (issue 27), kept as tests through the binary.
@Suite("medpolicy hardening")
struct HardeningCLITests {
    let scratch: Scratch

    init() throws { scratch = try Scratch("hard") }

    func claims(_ name: String, count: Int = 3) throws -> String {
        try scratch.generate(name, ["--claims", String(count), "--seed", "7"]).path
    }

    func kind(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return info.st_mode & S_IFMT
    }

    // MARK: 1. Outputs: devices, FIFOs, standard output, symbolic links

    @Test("batch writes through to a device: /dev/full fails with exit 2, /dev/null stays a device")
    func outputToDevices() throws {
        let file = try claims("c.837")
        let full = try medpolicy(["batch", file, "--json", "/dev/full"])
        #expect(full.status == 2)
        #expect(full.stderr.contains("cannot write /dev/full"), "\(full.stderr)")
        #expect(kind("/dev/full") == S_IFCHR)
        let null = try medpolicy(["batch", file, "--json", "/dev/null"])
        #expect(null.status == 0, "\(null.stderr)")
        #expect(kind("/dev/null") == S_IFCHR)
    }

    @Test("batch --json - writes the JSON to standard output and the summary to standard error")
    func outputToStandardOutput() throws {
        let file = try claims("c.837")
        let run = try medpolicy(["batch", file, "--json", "-"])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect((document?["determinations"] as? [Any])?.count == 3)
        #expect(run.stderr.contains("3 claims"))
        #expect(!FileManager.default.fileExists(atPath: "-"))
    }

    @Test("batch writes through a FIFO and leaves it a FIFO")
    func outputToFIFO() throws {
        let file = try claims("c.837")
        let fifo = scratch.path("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        // A reader on the FIFO, so the writer's open does not wait forever.
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "cat \(fifo) > \(scratch.path("received"))"]
        try reader.run()
        let run = try medpolicy(["batch", file, "--json", fifo])
        reader.waitUntilExit()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(kind(fifo) == S_IFIFO)
        let received = try #require(FileManager.default.contents(atPath: scratch.path("received")))
        #expect(String(decoding: received, as: UTF8.self).hasPrefix("{\"determinations\""))
    }

    @Test("batch follows a symbolic link (the link stays, its target is replaced) and refuses a loop")
    func outputThroughSymbolicLinks() throws {
        let file = try claims("c.837")
        try Data("old".utf8).write(to: URL(fileURLWithPath: scratch.path("target.json")))
        #expect(symlink(scratch.path("target.json"), scratch.path("link.json")) == 0)
        let run = try medpolicy(["batch", file, "--json", scratch.path("link.json")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(kind(scratch.path("link.json")) == S_IFLNK)
        let written = try #require(FileManager.default.contents(atPath: scratch.path("target.json")))
        #expect(String(decoding: written, as: UTF8.self).hasPrefix("{\"determinations\""))

        #expect(symlink(scratch.path("loop"), scratch.path("loop")) == 0)
        let loop = try medpolicy(["batch", file, "--json", scratch.path("loop")])
        #expect(loop.status == 2)
        #expect(loop.stderr.contains("loop of symbolic links"), "\(loop.stderr)")
    }

    @Test("check --db /dev/null is refused up front and leaves no journal beside it")
    func databaseThatIsADevice() throws {
        let run = try medpolicy(["check", "Examples/florida-blue-approved.json", "--db", "/dev/null"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("/dev/null is a character device"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/dev/null-journal"))
        #expect(!FileManager.default.fileExists(atPath: "/dev/null-wal"))
        #expect(kind("/dev/null") == S_IFCHR)
    }
    /// Issue 27.7: an encounter past a size cap is refused with its JSON path, exit 2, by check and validate.
    @Test("check and validate refuse 10,000 lines with the path, exit 2")
    func oversizedEncounterIsExitTwo() throws {
        var encounter = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "Examples/florida-blue-approved.json"))) as! [String: Any]
        encounter["lines"] = Array(repeating: ["code": "20552", "units": 1], count: 10_000)
        try JSONSerialization.data(withJSONObject: encounter).write(to: URL(fileURLWithPath: scratch.path("big.json")))
        for command in ["check", "validate"] {
            let run = try medpolicy([command, scratch.path("big.json")])
            #expect(run.status == 2, "\(command): \(run.stdout)")
            #expect(run.stderr.contains("lines: 10000 lines; at most 50"), "\(command): \(run.stderr)")
        }
        #expect(try medpolicy(["validate", "Examples/florida-blue-approved.json"]).status == 0)
    }
}
