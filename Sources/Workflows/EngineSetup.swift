import CodeSets
import Engine
import Foundation
import Model
import Policies

/// The code sets bundled with medpolicy.
public struct LoadedCodeSets: Sendable {
    public let icd: ICD10CM
    public let tables: CodeTables
    public let muscles: MuscleCatalog

    /// Loads the bundled ICD-10-CM, code tables and muscle catalog.
    public static func load() throws(WorkflowError) -> LoadedCodeSets {
        do {
            return LoadedCodeSets(icd: try ICD10CM.loadBundled(), tables: try CodeTables.loadBundled(), muscles: try MuscleCatalog.loadBundled())
        } catch {
            throw .internalFailure("cannot load the bundled code sets: \(error)")
        }
    }
}

/// Builds the engine from the policy files and the bundled code sets, the same way for every interface.
public enum EngineSetup {
    /// Where the policy files are: the option given, then `$MEDPOLICY_POLICIES`, then `./Policies`.
    public static func policyDirectory(_ option: String?) -> String {
        if let option { return option }
        if let environment = ProcessInfo.processInfo.environment["MEDPOLICY_POLICIES"], !environment.isEmpty { return environment }
        return "Policies"
    }

    /// Loads the policies (from `policyDirectory(option)`) and the code sets into an evaluator.
    public static func evaluator(policies option: String?) throws(WorkflowError) -> Evaluator {
        let codeSets = try LoadedCodeSets.load()
        let directory = policyDirectory(option)
        let library: PolicyLibrary
        do {
            library = try PolicyLibrary.load(directory: directory).library
        } catch {
            throw .badInput("policies in \(directory) did not load:\n" + error.description)
        }
        return Evaluator(context: EvaluationContext(library: library, icd: codeSets.icd, tables: codeSets.tables, muscles: codeSets.muscles))
    }
}
