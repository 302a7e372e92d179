import ArgumentParser
import CodeSets
import Engine
import Foundation
import Model
import Policies
import Workflows

/// The largest encounter file read, in bytes: an encounter is a few kilobytes (the server takes
/// at most 1 MB), and a file is read whole, so a larger one is refused before it fills the heap.
let maxEncounterBytes = 8 << 20

/// Reads a file argument, `-` meaning standard input, at most `maxEncounterBytes`. Anything that is
/// not a readable regular file is refused with what it is (a directory, a FIFO, a device, a loop of
/// symbolic links, a missing or unreadable file).
func readInput(_ path: String) throws -> Data {
    let name = path == "-" ? "<stdin>" : path
    let handle: FileHandle
    if path == "-" {
        handle = .standardInput
    } else {
        try requireReadableFile(path)
        guard let opened = FileHandle(forReadingAtPath: path) else {
            throw UserError("\(path): cannot read the file: \(String(cString: strerror(errno)).lowercased())")
        }
        handle = opened
    }
    defer { if path != "-" { try? handle.close() } }
    var data = Data()
    while true {
        let chunk: Data?
        do { chunk = try handle.read(upToCount: 1 << 16) } catch {
            throw UserError("\(name): cannot read: \(error.localizedDescription)")
        }
        guard let chunk, !chunk.isEmpty else { return data }
        data.append(chunk)
        guard data.count <= maxEncounterBytes else { throw tooLarge(name) }
    }
}

private func tooLarge(_ name: String) -> UserError {
    UserError("\(name): larger than \(maxEncounterBytes >> 20) MB; an encounter file is a few kilobytes")
}

/// Throws, saying what `path` is, unless it is a regular file this process may read and not too large.
private func requireReadableFile(_ path: String) throws {
    var info = stat()
    guard stat(path, &info) == 0 else {
        let code = errno
        var link = stat()
        switch code {
        case ENOENT where lstat(path, &link) == 0: throw UserError("\(path): a symbolic link to a file that does not exist")
        case ENOENT: throw UserError("\(path): no such file")
        case ELOOP: throw UserError("\(path): a loop of symbolic links")
        case EACCES: throw UserError("\(path): permission denied (a folder on the way cannot be searched)")
        case ENOTDIR: throw UserError("\(path): a part of the path is a file, not a folder")
        default: throw UserError("\(path): cannot read the file: \(String(cString: strerror(code)).lowercased())")
        }
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG:
        guard access(path, R_OK) == 0 else { throw UserError("\(path): the file is not readable (permission denied)") }
        guard info.st_size <= maxEncounterBytes else { throw tooLarge(path) }
    case S_IFDIR: throw UserError("\(path): a directory, not a file")
    case S_IFIFO: throw UserError("\(path): a FIFO, not a file (use - to read standard input)")
    case S_IFCHR: throw UserError("\(path): a character device, not a file")
    case S_IFBLK: throw UserError("\(path): a block device, not a file")
    case S_IFSOCK: throw UserError("\(path): a socket, not a file")
    default: throw UserError("\(path): not a regular file")
    }
}

/// Decodes an encounter, turning every located error into one message naming the file.
func readEncounter(_ path: String) throws -> Encounter {
    let data = try readInput(path)
    do {
        return try EncounterReader.decode(data)
    } catch {
        let name = path == "-" ? "<stdin>" : path
        throw UserError(error.errors.map { "\(name): \($0)" }.joined(separator: "\n"))
    }
}

/// Writes a value as pretty, key-sorted JSON with a trailing newline.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// `--policies`: where the policy files are, the same for every command that loads them.
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("policies"), help: "Directory of policy YAML files (default: ./Policies or $MEDPOLICY_POLICIES).")
    var directory: String?

    /// The engine over these policies and the bundled code sets.
    func evaluator() throws(WorkflowError) -> Evaluator { try EngineSetup.evaluator(policies: directory) }
}
