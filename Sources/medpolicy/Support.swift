import CodeSets
import Engine
import Foundation
import Model
import Policies

/// Reads a file argument, `-` meaning standard input.
func readInput(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw UserError("\(path): cannot read the file (does it exist?)")
    }
    return data
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
