import Interchange
import Model

/// Mappings between FHIR R4 resources and Contract 1 parts that CRD and PAS share:
/// Patient ↔ member, Coverage ↔ coverage, body sites ↔ injection sites, ICD-10-CM codings.
enum FHIRMapping {
    static let treatmentProcedures: Set<String> = ["20552", "20553"]

    // MARK: Patient

    static func member(from patient: FHIRNode) throws(FHIRIssue) -> Member {
        let type = try patient.resourceType()
        guard type == "Patient" else { throw FHIRIssue(location: patient.childPath("resourceType"), message: "expected Patient, found \(type)") }
        // The resource id is the member id; a Patient without one can still name the member in identifier.
        let id: String
        if let resourceId = try patient.string("id") {
            id = resourceId
        } else if let first = try patient.array("identifier").first, let value = try first.string("value") {
            id = value
        } else {
            throw FHIRIssue(location: patient.childPath("id"), message: "the Patient has neither an id nor an identifier value")
        }
        let birthDate = try patient.optional("birthDate")?.day()
        var sex: Sex?
        if let gender = try patient.optional("gender") {
            switch try gender.string() {
            case "female": sex = .F
            case "male": sex = .M
            case "other", "unknown": sex = .U
            case let other: throw gender.issue("unknown gender \"\(other)\" (male | female | other | unknown)")
            }
        }
        return Member(id: id, birthDate: birthDate, sex: sex)
    }

    static func patientResource(_ member: Member) -> JSONValue {
        let gender: String? = member.sex.map { sex in
            switch sex { case .F: "female"; case .M: "male"; case .U: "unknown" }
        }
        return FHIRBuild.object([
            ("resourceType", .string("Patient")),
            ("id", .string(member.id)),
            ("identifier", .array([FHIRBuild.object([
                ("type", FHIRBuild.concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MB", "Member Number")),
                ("value", .string(member.id)),
            ])])),
            ("gender", FHIRBuild.string(gender)),
            ("birthDate", FHIRBuild.string(member.birthDate?.description)),
        ])
    }

    // MARK: Coverage

    /// What a Coverage resource says about the payer and product line.
    struct CoverageFacts: Sendable {
        var reference: String?
        /// `nil` when no payor was recognized; `unrecognized` says what was there.
        var payer: String?
        var unrecognized: FHIRIssue?
        var lineOfBusiness: LineOfBusiness?
    }

    /// Reads a Coverage; `organization` resolves a payor reference to an Organization resource when the
    /// document carries one (PAS bundles), so its name and identifiers can be matched too.
    static func coverageFacts(from coverage: FHIRNode, payers: PayerDirectory,
                              organization: (String) -> FHIRNode? = { _ in nil }) throws(FHIRIssue) -> CoverageFacts {
        let type = try coverage.resourceType()
        guard type == "Coverage" else { throw FHIRIssue(location: coverage.childPath("resourceType"), message: "expected Coverage, found \(type)") }
        var facts = CoverageFacts()
        facts.reference = try coverage.string("id").map { "Coverage/\($0)" }
        var seen: [String] = []
        let payors = try coverage.array("payor")
        for payor in payors {
            var candidates: [(name: String, id: String)] = []
            let display = try payor.string("display") ?? ""
            let identifier = try payor.optional("identifier")?.string("value") ?? ""
            candidates.append((display, identifier))
            if let reference = try payor.string("reference"), let org = organization(reference) {
                let name = try org.string("name") ?? ""
                let ids = try org.array("identifier").map { node throws(FHIRIssue) in try node.string("value") ?? "" }
                candidates.append((name, ""))
                for id in ids { candidates.append(("", id)) }
            }
            for candidate in candidates {
                if candidate.name.isEmpty && candidate.id.isEmpty { continue }
                if let payer = payers.resolve(name: candidate.name, id: candidate.id) {
                    facts.payer = payer
                    break
                }
                seen.append([candidate.name, candidate.id].filter { !$0.isEmpty }.map { "\"\($0)\"" }.joined(separator: " / "))
            }
            if facts.payer != nil { break }
        }
        if facts.payer == nil {
            let what = seen.isEmpty ? "no payor name or identifier" : "found \(seen.joined(separator: ", "))"
            facts.unrecognized = FHIRIssue(location: coverage.childPath("payor"),
                                           message: "no payer recognized in Coverage.payor (\(what))")
        }
        facts.lineOfBusiness = try lineOfBusiness(from: coverage)
        return facts
    }

    /// The line of business from Coverage.type and Coverage.class: medpolicy's own code when present,
    /// else Source of Payment Typology codes or the words Medicare / Medicaid; `nil` (commercial) otherwise.
    static func lineOfBusiness(from coverage: FHIRNode) throws(FHIRIssue) -> LineOfBusiness? {
        var concepts: [FHIRNode] = []
        if let type = try coverage.optional("type") { concepts.append(type) }
        for entry in try coverage.array("class") {
            if let type = try entry.optional("type") { concepts.append(type) }
        }
        var words: [String] = []
        for concept in concepts {
            for coding in try concept.array("coding") {
                let system = try coding.string("system")
                let code = try coding.string("code")
                if system == FHIRSystem.lineOfBusiness, let code {
                    guard let line = LineOfBusiness(rawValue: code) else {
                        throw FHIRIssue(location: coding.childPath("code"), message: "unknown line of business \"\(code)\"")
                    }
                    return line
                }
                // Source of Payment Typology: 1 Medicare (11 managed care), 2 Medicaid.
                if system == "https://nahdo.org/sopt", let code {
                    if code.hasPrefix("11") { return .medicareAdvantage }
                    if code.hasPrefix("1") { return .medicare }
                    if code.hasPrefix("2") { return .medicaid }
                }
                words += [code, try coding.string("display")].compactMap { $0 }
            }
            if let text = try concept.string("text") { words.append(text) }
        }
        for entry in try coverage.array("class") {
            words += [try entry.string("value"), try entry.string("name")].compactMap { $0 }
        }
        let text = words.joined(separator: " ").lowercased()
        if text.contains("medicare advantage") || text.contains("medicare part c") { return .medicareAdvantage }
        if text.contains("medicare") { return .medicare }
        if text.contains("medicaid") { return .medicaid }
        return nil
    }

    static func coverageResource(id: String, coverage: Coverage, member: Member, payers: PayerDirectory) -> JSONValue {
        let type: JSONValue? = coverage.lineOfBusiness.map { line in
            FHIRBuild.concept(FHIRSystem.lineOfBusiness, line.rawValue, nil, text: line.rawValue)
        }
        return FHIRBuild.object([
            ("resourceType", .string("Coverage")),
            ("id", .string(id)),
            ("status", .string("active")),
            ("type", type),
            ("subscriberId", .string(member.id)),
            ("beneficiary", FHIRBuild.reference("Patient/\(member.id)")),
            ("payor", .array([FHIRBuild.object([("display", .string(payers.displayName(for: coverage.payer)))])])),
        ])
    }

    // MARK: Diagnoses

    /// Appends ICD-10-CM codes not yet in `list` (compared without the dot), keeping the first spelling.
    static func appendDiagnoses(_ codes: [String], to list: inout [String]) {
        for code in codes where !list.contains(where: { DiagnosisCodeShape.compact($0) == DiagnosisCodeShape.compact(code) }) {
            list.append(code)
        }
    }

    static func diagnosisConcept(_ code: String) -> JSONValue { FHIRBuild.concept(FHIRSystem.icd10cm, code) }

    // MARK: Body sites

    /// An injection site as a CodeableConcept: text "[laterality ]muscle", trigger points in an extension.
    static func siteConcept(_ site: InjectionSite) -> JSONValue {
        let text = [site.laterality?.rawValue, site.muscle].compactMap { $0 }.joined(separator: " ")
        let points: JSONValue? = site.triggerPoints.map { count in
            .array([FHIRBuild.object([("url", .string(FHIRSystem.triggerPoints)), ("valueInteger", .integer(count))])])
        }
        return FHIRBuild.object([("extension", points), ("text", .string(text))])
    }

    static func site(from concept: FHIRNode) throws(FHIRIssue) -> InjectionSite {
        var text = try concept.string("text")
        if text == nil {
            // No text: fall back to the first coding's display, which names the site as well.
            text = try concept.codings().compactMap(\.display).first
        }
        guard let text else { throw FHIRIssue(location: concept.childPath("text"), message: "the body site has no text naming the muscle") }
        var words = text.split(separator: " ").map(String.init)
        guard !words.isEmpty else {
            let location = try concept.optional("text")?.path ?? concept.childPath("coding")
            throw FHIRIssue(location: location, message: "the body site's text \"\(text)\" names no muscle")
        }
        var laterality: Laterality?
        if let first = words.first, let side = Laterality(rawValue: first.lowercased()), words.count > 1 {
            laterality = side
            words.removeFirst()
        }
        var points: Int?
        for extensionNode in try concept.array("extension") where try extensionNode.string("url") == FHIRSystem.triggerPoints {
            let value = try extensionNode.required("valueInteger")
            points = try value.integer()
            guard points! >= 1 else { throw value.issue("a site has at least 1 trigger point, got \(points!)") }
        }
        return InjectionSite(muscle: words.joined(separator: " "), laterality: laterality, triggerPoints: points)
    }
}
