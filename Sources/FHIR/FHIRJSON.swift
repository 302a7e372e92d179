import Foundation
import Interchange
import Model

/// Code systems, extension URLs and other constants the FHIR mappings share.
public enum FHIRSystem {
    public static let cpt = "http://www.ama-assn.org/go/cpt"
    public static let icd10cm = "http://hl7.org/fhir/sid/icd-10-cm"
    public static let loinc = "http://loinc.org"
    public static let carc = "https://x12.org/codes/claim-adjustment-reason-codes"
    public static let rarc = "https://x12.org/codes/remittance-advice-remark-codes"
    public static let x12ReviewAction = "https://codesystem.x12.org/005010/306"
    public static let placeOfService = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
    public static let claimType = "http://terminology.hl7.org/CodeSystem/claim-type"
    public static let adjudication = "http://terminology.hl7.org/CodeSystem/adjudication"
    public static let conditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    public static let crdTemp = "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp"
    public static let coverageInformation = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
    public static let reviewAction = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction"
    public static let reviewActionCode = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewActionCode"
    /// Base of medpolicy's own extension and code-system URLs. A placeholder under example.org
    /// (RFC 2606): replace it with the deployment's canonical base before production use.
    public static let medpolicyBase = "http://example.org/fhir/medpolicy"
    public static let lineOfBusiness = medpolicyBase + "/CodeSystem/line-of-business"
    public static let triggerPoints = medpolicyBase + "/StructureDefinition/trigger-points"
    public static let injectionSites = medpolicyBase + "/StructureDefinition/injection-sites"
    public static let ruleReference = medpolicyBase + "/StructureDefinition/policy-rule"
}

/// A JSON value with the FHIR-path-like location it was found at, so that every read can
/// report where malformed input is. Reads never trap: wrong types and missing members throw.
struct FHIRNode: Sendable {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, at path: String) {
        self.value = value
        self.path = path
    }

    func issue(_ message: String) -> FHIRIssue { FHIRIssue(location: path, message: message) }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func members() throws(FHIRIssue) -> [(key: String, value: JSONValue)] {
        guard case .object(let members) = value else { throw issue("expected an object, found \(value.typeName)") }
        return members
    }

    /// The member `key`; `nil` when absent or `null` (FHIR JSON never carries `null` for data).
    func optional(_ key: String) throws(FHIRIssue) -> FHIRNode? {
        let members = try members()
        guard let found = members.first(where: { $0.key == key }) else { return nil }
        if case .null = found.value { return nil }
        return FHIRNode(found.value, at: childPath(key))
    }

    func required(_ key: String) throws(FHIRIssue) -> FHIRNode {
        guard let node = try optional(key) else { throw FHIRIssue(location: childPath(key), message: "required but absent") }
        return node
    }

    func string() throws(FHIRIssue) -> String {
        guard case .string(let text) = value else { throw issue("expected a string, found \(value.typeName)") }
        guard !text.isEmpty else { throw issue("empty string") }
        return text
    }

    func bool() throws(FHIRIssue) -> Bool {
        guard case .bool(let flag) = value else { throw issue("expected a boolean, found \(value.typeName)") }
        return flag
    }

    func integer() throws(FHIRIssue) -> Int {
        switch value {
        case .integer(let number): return number
        case .number(let number) where number.rounded() == number && abs(number) < 1e15: return Int(number)
        default: throw issue("expected an integer, found \(value.typeName)")
        }
    }

    func decimal() throws(FHIRIssue) -> Double {
        switch value {
        case .integer(let number): return Double(number)
        case .number(let number): return number
        default: throw issue("expected a number, found \(value.typeName)")
        }
    }

    /// A FHIR `date` or `dateTime` reduced to its calendar day; partial dates (`2025-09`) are refused
    /// because a date of service must be a day.
    func date() throws(FHIRIssue) -> LocalDate {
        let text = try string()
        guard let date = LocalDate(String(text.prefix(10))),
              text.count == 10 || text.dropFirst(10).first == "T" else {
            throw issue("expected a date YYYY-MM-DD or a dateTime, found \"\(text)\"")
        }
        return date
    }

    /// A FHIR `date` that must be a whole day (`Patient.birthDate`): a dateTime is not a date.
    func day() throws(FHIRIssue) -> LocalDate {
        let text = try string()
        guard text.count == 10, let date = LocalDate(text) else {
            throw issue("expected a date YYYY-MM-DD, found \"\(text)\"")
        }
        return date
    }

    func array() throws(FHIRIssue) -> [FHIRNode] {
        guard case .array(let elements) = value else { throw issue("expected an array, found \(value.typeName)") }
        return elements.enumerated().map { FHIRNode($0.element, at: "\(path)[\($0.offset)]") }
    }

    // Shorthands for optional members.
    func string(_ key: String) throws(FHIRIssue) -> String? { try optional(key)?.string() }
    func array(_ key: String) throws(FHIRIssue) -> [FHIRNode] { try optional(key)?.array() ?? [] }

    /// `resourceType` of a resource node.
    func resourceType() throws(FHIRIssue) -> String { try required("resourceType").string() }

    /// The codes of a CodeableConcept in `system`, each with its node.
    func codes(in system: String) throws(FHIRIssue) -> [(code: String, node: FHIRNode)] {
        var found: [(String, FHIRNode)] = []
        for coding in try array("coding") where try coding.string("system") == system {
            let code = try coding.required("code")
            found.append((try code.string(), code))
        }
        return found
    }

    /// The codings of a CodeableConcept as (system, code, display), skipping codings without a code.
    func codings() throws(FHIRIssue) -> [(system: String?, code: String?, display: String?)] {
        var result: [(String?, String?, String?)] = []
        for coding in try array("coding") {
            result.append((try coding.string("system"), try coding.string("code"), try coding.string("display")))
        }
        return result
    }
}

/// Building FHIR JSON: objects drop `nil` members so optional data is simply absent.
enum FHIRBuild {
    static func object(_ members: [(String, JSONValue?)]) -> JSONValue {
        .object(members.compactMap { key, value in value.map { (key: key, value: $0) } })
    }

    static func string(_ text: String?) -> JSONValue? { text.map { .string($0) } }

    static func array(_ elements: [JSONValue]) -> JSONValue? { elements.isEmpty ? nil : .array(elements) }

    static func coding(_ system: String?, _ code: String, _ display: String? = nil) -> JSONValue {
        object([("system", string(system)), ("code", .string(code)), ("display", string(display))])
    }

    static func concept(_ system: String?, _ code: String, _ display: String? = nil, text: String? = nil) -> JSONValue {
        object([("coding", .array([coding(system, code, display)])), ("text", string(text))])
    }

    static func reference(_ reference: String, display: String? = nil) -> JSONValue {
        object([("reference", .string(reference)), ("display", string(display))])
    }

    static func decimal(_ value: Double) -> JSONValue {
        value.rounded() == value && abs(value) < 1e15 ? .integer(Int(value)) : .number(value)
    }
}

/// Serializes a `JSONValue` as JSON text (keys in their order; integers without a fraction).
public enum FHIRJSONWriter {
    public static func data(_ value: JSONValue) -> Data { Data(value.jsonBytes()) }

    public static func string(_ value: JSONValue) -> String { String(decoding: value.jsonBytes(), as: UTF8.self) }
}

extension FHIRNode {
    /// Parses JSON text into a root node, turning syntax errors into located issues.
    static func parse(_ data: Data, root: String) throws(FHIRIssue) -> FHIRNode {
        do {
            return FHIRNode(try JSONValue.parse(data), at: root)
        } catch {
            throw FHIRIssue(location: root, message: "not valid JSON: \(error)")
        }
    }
}
