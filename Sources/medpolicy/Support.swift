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

/// Where the policy files are: `--policies`, then `$MEDPOLICY_POLICIES`, then `./Policies`, then the
/// `Policies/` folder of the source checkout this binary was built from.
func policyDirectory(_ option: String?) -> String {
    if let option { return option }
    if let environment = ProcessInfo.processInfo.environment["MEDPOLICY_POLICIES"], !environment.isEmpty { return environment }
    if FileManager.default.fileExists(atPath: "Policies") { return "Policies" }
    let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return checkout.appendingPathComponent("Policies").path
}

/// The code sets bundled with medpolicy.
struct LoadedCodeSets {
    let icd: ICD10CM
    let tables: CodeTables
    let muscles: MuscleCatalog

    static func load() throws -> LoadedCodeSets {
        do {
            return LoadedCodeSets(icd: try ICD10CM.loadBundled(), tables: try CodeTables.loadBundled(), muscles: try MuscleCatalog.loadBundled())
        } catch {
            throw InternalError("cannot load the bundled code sets: \(error)")
        }
    }
}

/// Loads the policies and builds the engine's context.
func loadEvaluator(policies option: String?) throws -> Evaluator {
    let codeSets = try LoadedCodeSets.load()
    let directory = policyDirectory(option)
    let library: PolicyLibrary
    do {
        library = try PolicyLibrary.load(directory: directory).library
    } catch {
        throw UserError("policies in \(directory) did not load:\n" + error.description)
    }
    return Evaluator(context: EvaluationContext(library: library, icd: codeSets.icd, tables: codeSets.tables, muscles: codeSets.muscles))
}
