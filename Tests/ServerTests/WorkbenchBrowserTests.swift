import Foundation
import Testing

/// The workbench driven in a real headless Chromium (Debian `chromium` and `chromium-driver`, PyPI
/// `selenium`, which `.ci/run` installs) by `Tests/Browser/workbench_test.py`, against a real server
/// that requires an API key. The script writes `.build/test-artifacts/workbench.png`.
@Suite("Workbench in headless Chromium")
struct WorkbenchBrowserTests {
    static let script = checkout.appendingPathComponent("Tests/Browser/workbench_test.py").path
    static let screenshot = checkout.appendingPathComponent(".build/test-artifacts/workbench.png").path
    /// The script's exit status when Chromium, chromedriver or selenium is missing.
    static let missingTools: Int32 = 3

    @Test func aPastedNoteToADetermination() async throws {
        let server = try await RunningServer.start(apiKeys: SecurityTests.keys)
        let output = temporaryFile("browser.out")
        FileManager.default.createFile(atPath: output, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: output) }
        try? FileManager.default.removeItem(atPath: Self.screenshot)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, server.base, NoteRouteTests.notePath, Self.screenshot, SecurityTests.key]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))  // a file, not a pipe (EINTR)
        process.standardError = process.standardOutput
        do { try process.run() } catch { await server.stop(); throw error }
        while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        await server.stop()
        let log = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""

        // 127: env found no python3.
        if process.terminationStatus == Self.missingTools || process.terminationStatus == 127 {
            let reason = "headless Chromium is not available (.ci/run installs chromium, chromium-driver and selenium): \(log)"
            if ProcessInfo.processInfo.environment["MEDPOLICY_REQUIRE_ALL"] == "1" {
                Issue.record(Comment(rawValue: reason))
                return
            }
            try Test.cancel(Comment(rawValue: "skipped: \(reason)"))
        }
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.contains("ok: the all-payer table shows every payer's outcome"), "\(log)")
        #expect(FileManager.default.fileExists(atPath: Self.screenshot), "no screenshot at \(Self.screenshot)")
        let png = FileManager.default.contents(atPath: Self.screenshot) ?? Data()
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "the screenshot is not a PNG")
        print("workbench screenshot: \(Self.screenshot)")
    }
}
