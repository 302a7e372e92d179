import CodeSets
import Engine
import Foundation
import Model
import Policies
import SyntheticClaims

/// The source checkout the tests were built from: its Examples/ and Policies/, and the real
/// evaluator over them. Tests only: the shipped binary finds its policies through its options.
public enum Repository {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every encounter in Examples/, by file name.
    public static func examples() throws -> [(name: String, encounter: Encounter)] {
        let directory = root.appendingPathComponent("Examples")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            (name, try EncounterReader.decode(Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    public static func example(_ name: String) throws -> Encounter {
        try EncounterReader.decode(Data(contentsOf: root.appendingPathComponent("Examples/\(name).json")))
    }

    public static let library: Result<PolicyLibrary, EngineLoadFailure> = {
        do { return .success(try PolicyLibrary.load(directory: root.appendingPathComponent("Policies").path).library) } catch {
            return .failure(EngineLoadFailure(message: "\(error)"))
        }
    }()

    public static let evaluator: Result<Evaluator, EngineLoadFailure> = {
        do {
            let context = EvaluationContext(library: try library.get(), icd: try ICD10CM.loadBundled(),
                                            tables: try CodeTables.loadBundled(), muscles: try MuscleCatalog.loadBundled())
            return .success(Evaluator(context: context))
        } catch {
            return .failure(EngineLoadFailure(message: "\(error)"))
        }
    }()
}

/// The checkout's policies or the bundled code sets did not load.
public struct EngineLoadFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "cannot load policies or code sets: \(message)" }
}

extension SyntheticClaimRules {
    /// The checkout's policies and the bundled ICD-10-CM: what the generator tests write against.
    public static let sourceCheckout: SyntheticClaimRules = {
        do {
            return SyntheticClaimRules(library: try Repository.library.get(), icd: try ICD10CM.loadBundled())
        } catch {
            preconditionFailure("the synthetic generator's rules did not load from \(Repository.root.path)/Policies: \(error)")
        }
    }()
}
