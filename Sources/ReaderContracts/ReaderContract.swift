import Foundation
import Interchange
import Model
import Policies

/// What a reader of outside input promises for any bytes at all: it returns (never crashes or
/// hangs), every error it reports is located (X12 segment, JSON path, policy file:line), and what it
/// does accept is whole — a claim with its lines, diagnoses and pointers that point at them, an
/// encounter that passes its own validation again.
///
/// The fuzz targets (`medpolicy-fuzz`, `scripts/fuzz.sh`) and the tests check the same promises
/// through `violations(of:)`, so a crash input found by fuzzing becomes a test by adding the file
/// to `Fuzz/regressions/<reader>/`.
public enum ReaderContract: String, CaseIterable, Sendable {
    case x12 = "x12-837p"
    case encounterJSON = "encounter-json"
    case authorizationJSON = "authorization-json"
    case policyYAML = "policy-yaml"
    case cdsHooks = "cds-hooks"
    case pasBundle = "pas-bundle"
    case questionnaireResponse = "questionnaire-response"

    /// Reads `bytes` with this reader; each broken promise is one line (empty when all are kept).
    public func violations(of bytes: [UInt8]) -> [String] {
        switch self {
        case .x12: Self.x12Violations(bytes)
        case .encounterJSON: Self.encounterViolations(bytes)
        case .authorizationJSON: Self.authorizationViolations(bytes)
        case .policyYAML: Self.policyViolations(bytes)
        case .cdsHooks: Self.cdsHooksViolations(bytes)
        case .pasBundle: Self.pasViolations(bytes)
        case .questionnaireResponse: Self.questionnaireResponseViolations(bytes)
        }
    }

    // MARK: X12 837P

    static func x12Violations(_ bytes: [UInt8]) -> [String] {
        var problems: [String] = []
        let result: X12ReadResult
        do {
            result = try X12Reader837(bytes: bytes).readAll()
        } catch {
            // Only input that is not an interchange at all stops the reader.
            if !(error.message.contains("ISA") || error.message.contains("empty")) {
                problems.append("fatal error not about the interchange header: \(error.message)")
            }
            return problems
        }
        return violations(in: result)
    }

    /// The promises a finished read keeps: located errors, counts that agree, whole claims.
    static func violations(in result: X12ReadResult) -> [String] {
        var problems: [String] = []
        let segments = result.summary.segments
        func located(_ issue: X12Issue, _ kind: String) {
            if !(1 ... segments + 1).contains(issue.segmentNumber) {
                problems.append("\(kind) at segment \(issue.segmentNumber), outside 1…\(segments + 1): \(issue)")
            }
            if issue.message.isEmpty { problems.append("\(kind) without a message at segment \(issue.segmentNumber)") }
        }
        for error in result.claimErrors { located(error.issue, "claim error") }
        for issue in result.envelopeIssues { located(issue, "envelope issue") }
        if result.summary.claims != result.claims.count || result.summary.claimErrors != result.claimErrors.count {
            problems.append("summary counts \(result.summary.claims) claims, \(result.summary.claimErrors) errors; read \(result.claims.count), \(result.claimErrors.count)")
        }
        for claim in result.claims {
            let encounter = claim.encounter
            let diagnoses = encounter.diagnoses ?? []
            if encounter.lines.isEmpty { problems.append("claim \(encounter.id) accepted without lines") }
            if diagnoses.isEmpty { problems.append("claim \(encounter.id) accepted without a diagnosis") }
            if claim.lines.count != encounter.lines.count { problems.append("claim \(encounter.id): \(claim.lines.count) parsed lines, \(encounter.lines.count) encounter lines") }
            for line in encounter.lines {
                if !ProcedureCodeShape.isWellFormed(line.code) { problems.append("claim \(encounter.id): procedure code \(line.code) accepted") }
                if let units = line.units, units < 1 { problems.append("claim \(encounter.id): \(units) units accepted") }
                for pointer in line.diagnosisPointers ?? [] where pointer < 1 || pointer > diagnoses.count {
                    problems.append("claim \(encounter.id): pointer \(pointer) past \(diagnoses.count) diagnoses")
                }
            }
            if claim.lines.reduce(0, { $0 + $1.chargeCents }) != claim.totalChargeCents {
                problems.append("claim \(encounter.id): line charges do not add up to the total")
            }
        }
        return problems
    }

    // MARK: JSON documents

    static func encounterViolations(_ bytes: [UInt8]) -> [String] {
        let encounter: Encounter
        do { encounter = try EncounterReader.decode(Data(bytes)) } catch { return unlocatedJSONErrors(error) }
        return wholeEncounter(encounter)
    }

    /// Accepted means whole: what was read is read again the same, as Contract 1, from what medpolicy
    /// writes of it. The FHIR readers promise the same of the encounters they make.
    static func wholeEncounter(_ encounter: Encounter) -> [String] {
        guard let written = try? JSONEncoder().encode(encounter) else { return ["encounter \(encounter.id) cannot be written"] }
        do {
            return try EncounterReader.decode(written) == encounter ? [] : ["encounter \(encounter.id) changes when written and read again"]
        } catch {
            return ["encounter \(encounter.id) as written is refused: \(error)"]
        }
    }

    static func authorizationViolations(_ bytes: [UInt8]) -> [String] {
        do {
            _ = try AuthorizationReader.decodeList(Data(bytes))
            return []
        } catch {
            return unlocatedJSONErrors(error)
        }
    }

    /// Every JSON error names a path, except the document-level ones (not JSON, wrong top type).
    private static func unlocatedJSONErrors(_ errors: InputErrors) -> [String] {
        if errors.errors.isEmpty { return ["refused with no error"] }
        return errors.errors.compactMap { error in
            error.message.isEmpty ? "error at \"\(error.path)\" without a message" : nil
        }
    }

    // MARK: Policy YAML

    static func policyViolations(_ bytes: [UInt8]) -> [String] {
        guard let text = String(validating: bytes, as: UTF8.self) else { return [] }  // the loader reads text files
        let lines = PolicyLoader.lineCount(text)
        let (policy, issues) = PolicyLoader.parse(yaml: text, file: "fuzz.yaml")
        return violations(policy: policy, issues: issues, file: "fuzz.yaml", lines: lines)
    }

    /// A policy or errors, never both or neither, and every issue on a line of the file.
    static func violations(policy: Policy?, issues: [PolicyIssue], file: String, lines: Int) -> [String] {
        var problems: [String] = []
        if policy == nil && !issues.contains(where: { $0.severity == .error }) {
            problems.append("no policy and no error")
        }
        if policy != nil && issues.contains(where: { $0.severity == .error }) {
            problems.append("a policy despite errors: \(issues.filter { $0.severity == .error })")
        }
        for issue in issues where issue.location.file != file || issue.location.line < 1 || issue.location.line > lines {
            problems.append("issue not located in the file (line \(issue.location.line) of \(lines)): \(issue.message)")
        }
        return problems
    }
}
