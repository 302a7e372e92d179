import Foundation
import ReaderContracts

// Built two ways. With `-D FUZZING` and the fuzzer sanitizer (scripts/fuzz.sh), libFuzzer drives
// `LLVMFuzzerTestOneInput` and a broken promise aborts with the input saved. Without it, the
// executable replays files (a corpus, crash inputs) through the same checks and exits 1 on a
// broken promise — what `swift test` and CI run.

/// The reader a fuzzing run exercises, from MEDPOLICY_FUZZ_TARGET (one libFuzzer process fuzzes one reader).
let fuzzedReader: ReaderContract = {
    let name = ProcessInfo.processInfo.environment["MEDPOLICY_FUZZ_TARGET"] ?? ""
    guard let reader = ReaderContract(rawValue: name) else {
        FileHandle.standardError.write(Data("MEDPOLICY_FUZZ_TARGET must be one of: \(ReaderContract.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return reader
}()

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let problems = fuzzedReader.violations(of: bytes)
    if !problems.isEmpty {
        FileHandle.standardError.write(Data(("reader contract broken:\n" + problems.joined(separator: "\n") + "\n").utf8))
        abort()
    }
    return 0
}
#else
/// `medpolicy-fuzz READER FILE_OR_DIR…`: replays inputs through a reader's contract.
@main
struct CorpusReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let reader = ReaderContract(rawValue: name), arguments.count > 1 else {
            FileHandle.standardError.write(Data("usage: medpolicy-fuzz READER FILE_OR_DIR…  (READER: \(ReaderContract.allCases.map(\.rawValue).joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        var files: [String] = []
        for path in arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("\(path): no such file or folder\n".utf8)); exit(2)
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        var broken = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let problems = reader.violations(of: Array(data))
            if !problems.isEmpty {
                broken += 1
                print("\(file):\n  " + problems.joined(separator: "\n  "))
            }
        }
        print("\(reader.rawValue): \(files.count) input(s), \(broken) broke the reader's contract")
        exit(broken == 0 ? 0 : 1)
    }
}
#endif
