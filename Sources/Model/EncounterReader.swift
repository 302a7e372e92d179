import Foundation

/// Reads an encounter (Contract 1) strictly: unknown keys, wrong types, malformed dates,
/// missing required fields and out-of-range values are errors naming their JSON path, and
/// all of them are reported, not just the first.
public enum EncounterReader {
    /// Decodes one encounter from JSON text.
    public static func decode(_ data: Data) throws(InputErrors) -> Encounter {
        let value: JSONValue
        do { value = try JSONValue.parse(data) } catch {
            throw InputErrors([LocatedError(path: "", message: "not valid JSON: \(error)")])
        }
        return try decode(value)
    }

    /// Decodes one encounter from a parsed JSON value.
    public static func decode(_ value: JSONValue, at path: String = "") throws(InputErrors) -> Encounter {
        let reader = StrictReader(root: path)
        let encounter = read(value, at: reader.root, reader)
        if let encounter, reader.errors.isEmpty {
            let semantic = validate(encounter, at: path)
            if semantic.isEmpty { return encounter }
            throw InputErrors(semantic)
        }
        throw InputErrors(reader.errors)
    }

    // The keys each object may carry, built once.
    private static let readKeys: Set<String> = [
        "id", "frequency", "replaces", "member", "coverage", "dateOfService", "placeOfService",
        "diagnoses", "lines", "procedure", "clinical", "history", "stage", "priorAuthorization",
    ]
    private static let memberKeys: Set<String> = ["id", "birthDate", "sex"]
    private static let coverageKeys: Set<String> = ["payer", "lineOfBusiness", "contractor", "providerState"]
    private static let lineKeys: Set<String> = ["code", "modifiers", "units", "diagnosisPointers", "charge"]
    private static let procedureKeys: Set<String> = ["sites", "injectate", "imagingGuidance"]
    private static let siteKeys: Set<String> = ["muscle", "laterality", "triggerPoints"]
    private static let clinicalKeys: Set<String> = [
        "painOnset", "findings", "conservativeTherapy", "pharmacotherapy", "treatmentPlan",
        "priorInjectionResponse", "documentation",
    ]
    private static let conservativeTherapyKeys: Set<String> = ["type", "start", "end", "outcome"]
    private static let pharmacotherapyKeys: Set<String> = ["class", "start", "end", "outcome"]
    private static let priorResponseKeys: Set<String> = ["percentPainImprovement", "functionalImprovement", "rangeOfMotionImproved"]
    private static let priorServiceKeys: Set<String> = ["id", "dateOfService", "code", "units", "sites"]
    private static let findingKeys = Set(Finding.allCases.map(\.rawValue))

    static func read(_ value: JSONValue, at path: JSONPath, _ r: StrictReader) -> Encounter? {
        guard let o = r.object(value, at: path, allowed: Self.readKeys) else { return nil }
        let id = o.required("id") { r.string($0, at: $1) }
        let frequency = o.optional("frequency") { r.enumeration($0, at: $1, as: ClaimFrequency.self) }
        let replaces = o.optional("replaces") { r.string($0, at: $1) }
        let member = o.required("member") { Self.member($0, $1, r) }
        let coverage = o.required("coverage") { Self.coverage($0, $1, r) }
        let dateOfService = o.required("dateOfService") { r.date($0, at: $1) }
        let placeOfService = o.optional("placeOfService") { Self.placeOfService($0, $1, r) }
        let diagnoses = o.optional("diagnoses") { value, path in
            r.array(value, at: path, limit: EncounterLimits.diagnoses, of: "diagnoses") { Self.diagnosis($0, $1, r) }
        }
        let lines = o.required("lines") { value, path -> [ServiceLine]? in
            guard let lines = r.array(value, at: path, limit: EncounterLimits.lines, of: "lines", element: { Self.line($0, $1, r) }) else { return nil }
            if lines.isEmpty { r.fail(path, "at least one service line is required"); return nil }
            return lines
        }
        let procedure = o.optional("procedure") { Self.procedure($0, $1, r) }
        let clinical = o.optional("clinical") { Self.clinical($0, $1, r) }
        let history = o.optional("history") { value, path in
            r.array(value, at: path, limit: EncounterLimits.history, of: "prior services") { Self.priorService($0, $1, r) }
        }
        let stage = o.optional("stage") { r.enumeration($0, at: $1, as: AdjudicationStage.self) }
        let priorAuthorization = o.optional("priorAuthorization") { r.string($0, at: $1) }
        guard let id, let member, let coverage, let dateOfService, let lines else { return nil }
        return Encounter(id: id, frequency: frequency, replaces: replaces, member: member, coverage: coverage,
                         dateOfService: dateOfService, placeOfService: placeOfService, diagnoses: diagnoses,
                         lines: lines, procedure: procedure, clinical: clinical, history: history, stage: stage,
                         priorAuthorization: priorAuthorization)
    }

    /// Checks that need more than one field: pointers within the diagnoses, replaced claim named, date order.
    static func validate(_ e: Encounter, at path: String) -> [LocatedError] {
        var errors: [LocatedError] = []
        func at(_ suffix: String) -> String { path.isEmpty ? suffix : "\(path).\(suffix)" }
        let diagnosisCount = e.diagnosisList.count
        for (index, line) in e.lines.enumerated() {
            for (p, pointer) in (line.diagnosisPointers ?? []).enumerated() where pointer > diagnosisCount {
                errors.append(LocatedError(path: at("lines[\(index)].diagnosisPointers[\(p)]"),
                                           message: "points to diagnosis \(pointer), but the claim has \(diagnosisCount)"))
            }
        }
        if e.effectiveFrequency != .original, e.replaces == nil {
            errors.append(LocatedError(path: at("replaces"), message: "required when frequency is \(e.effectiveFrequency.rawValue)"))
        }
        if let replaced = e.replaces, replaced == e.id {
            errors.append(LocatedError(path: at("replaces"), message: "a claim cannot replace itself"))
        }
        for (index, therapy) in (e.clinical?.conservativeTherapy ?? []).enumerated() {
            if let start = therapy.start, let end = therapy.end, end < start {
                errors.append(LocatedError(path: at("clinical.conservativeTherapy[\(index)].end"),
                                           message: "ends (\(end)) before it starts (\(start))"))
            }
        }
        for (index, drug) in (e.clinical?.pharmacotherapy ?? []).enumerated() {
            if let start = drug.start, let end = drug.end, end < start {
                errors.append(LocatedError(path: at("clinical.pharmacotherapy[\(index)].end"),
                                           message: "ends (\(end)) before it starts (\(start))"))
            }
        }
        if let born = e.member.birthDate, born > e.dateOfService {
            errors.append(LocatedError(path: at("member.birthDate"), message: "\(born) is after the date of service \(e.dateOfService)"))
        }
        if let onset = e.clinical?.painOnset, onset > e.dateOfService {
            errors.append(LocatedError(path: at("clinical.painOnset"), message: "\(onset) is after the date of service \(e.dateOfService)"))
        }
        for (index, prior) in (e.history ?? []).enumerated() where prior.dateOfService > e.dateOfService {
            errors.append(LocatedError(path: at("history[\(index)].dateOfService"),
                                       message: "\(prior.dateOfService) is after the encounter's date of service \(e.dateOfService)"))
        }
        return errors
    }

    static func member(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> Member? {
        guard let o = r.object(value, at: path, allowed: Self.memberKeys) else { return nil }
        let id = o.required("id") { r.string($0, at: $1) }
        let birthDate = o.optional("birthDate") { r.date($0, at: $1) }
        let sex = o.optional("sex") { r.enumeration($0, at: $1, as: Sex.self) }
        guard let id else { return nil }
        return Member(id: id, birthDate: birthDate, sex: sex)
    }

    static func coverage(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> Coverage? {
        guard let o = r.object(value, at: path, allowed: Self.coverageKeys) else { return nil }
        let payer = o.required("payer") { r.string($0, at: $1) }
        let line = o.optional("lineOfBusiness") { r.enumeration($0, at: $1, as: LineOfBusiness.self) }
        let contractor = o.optional("contractor") { r.string($0, at: $1) }
        let state = o.optional("providerState") { value, at -> String? in
            guard let text = r.string(value, at: at) else { return nil }
            guard let state = Coverage.providerState(text) else {
                r.fail(at, "must be a two-letter state code (e.g. CA), got \"\(text)\"")
                return nil
            }
            return state
        }
        guard let payer else { return nil }
        return Coverage(payer: payer, lineOfBusiness: line, contractor: contractor, providerState: state)
    }

    static func placeOfService(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> String? {
        shapedCode(value, path, r, isWellFormed: { $0.utf8.count == 2 && $0.utf8.allSatisfy(ASCIICode.isDigit) },
             refusal: { "expected a two-digit place-of-service code, got \"\($0)\"" })
    }

    /// A string that must have a code's shape; `refusal` words the error for the text given.
    private static func shapedCode(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader,
                             isWellFormed: (String) -> Bool, refusal: (String) -> String) -> String? {
        guard let text = r.string(value, at: path) else { return nil }
        guard isWellFormed(text) else {
            r.fail(path, refusal(text))
            return nil
        }
        return text
    }

    /// ICD-10-CM shape only (letter, digit, alphanumeric, then up to four more, dot optional);
    /// whether the code exists on the date of service is the engine's question, not the reader's.
    static func diagnosis(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> String? {
        shapedCode(value, path, r, isWellFormed: DiagnosisCodeShape.isWellFormed,
             refusal: { "\"\($0)\" is not an ICD-10-CM code (expected a letter, a digit, a letter or digit, then up to four more, e.g. M79.18)" })
    }

    static func line(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> ServiceLine? {
        guard let o = r.object(value, at: path, allowed: Self.lineKeys) else { return nil }
        let code = o.required("code") { Self.procedureCode($0, $1, r) }
        let modifiers = o.optional("modifiers") { value, path in
            r.array(value, at: path, limit: EncounterLimits.modifiers, of: "modifiers") { Self.modifier($0, $1, r) }
        }
        let units = o.optional("units") { r.integer($0, at: $1, in: 1...Int.max) }
        let pointers = o.optional("diagnosisPointers") { value, path -> [Int]? in
            guard let pointers = r.array(value, at: path, limit: EncounterLimits.diagnosisPointers, of: "diagnosis pointers",
                                               element: { r.integer($0, at: $1, in: 1...12) }) else { return nil }
            if pointers.isEmpty { r.fail(path, "must name at least one diagnosis when given"); return nil }
            return pointers
        }
        let charge = o.optional("charge") { value, path -> Double? in
            guard let amount = r.number(value, at: path) else { return nil }
            if amount < 0 { r.fail(path, "must be ≥ 0, got \(amount)"); return nil }
            return amount
        }
        guard let code else { return nil }
        return ServiceLine(code: code, modifiers: modifiers, units: units, diagnosisPointers: pointers, charge: charge)
    }

    /// CPT (five digits, or four digits and a letter for Category II/III) or HCPCS Level II (a letter and four digits).
    static func procedureCode(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> String? {
        shapedCode(value, path, r, isWellFormed: ProcedureCodeShape.isWellFormed,
             refusal: { "\"\($0)\" is not a CPT or HCPCS code (expected five characters such as 20552 or J1885)" })
    }

    static func modifier(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> String? {
        shapedCode(value, path, r, isWellFormed: ProcedureCodeShape.isWellFormedModifier,
             refusal: { "\"\($0)\" is not a modifier (two letters or digits, e.g. 25, XS, RT)" })
    }

    static func procedure(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> Procedure? {
        guard let o = r.object(value, at: path, allowed: Self.procedureKeys) else { return nil }
        let sites = o.optional("sites") { value, path in
            r.array(value, at: path, limit: EncounterLimits.sites, of: "sites") { Self.site($0, $1, r) }
        }
        let injectate = o.optional("injectate") { value, path in
            r.array(value, at: path, limit: EncounterLimits.injectates, of: "injectates") { r.string($0, at: $1) }
        }
        let imaging = o.optional("imagingGuidance") { r.enumeration($0, at: $1, as: ImagingGuidance.self) }
        if o.has("sites") && sites == nil || o.has("injectate") && injectate == nil { return nil }
        return Procedure(sites: sites, injectate: injectate, imagingGuidance: imaging)
    }

    static func site(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> InjectionSite? {
        guard let o = r.object(value, at: path, allowed: Self.siteKeys) else { return nil }
        let muscle = o.required("muscle") { r.string($0, at: $1) }
        let laterality = o.optional("laterality") { r.enumeration($0, at: $1, as: Laterality.self) }
        let points = o.optional("triggerPoints") { r.integer($0, at: $1, in: 1...Int.max) }
        guard let muscle else { return nil }
        return InjectionSite(muscle: muscle, laterality: laterality, triggerPoints: points)
    }

    static func clinical(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> Clinical? {
        guard let o = r.object(value, at: path, allowed: Self.clinicalKeys) else { return nil }
        let painOnset = o.optional("painOnset") { r.date($0, at: $1) }
        let findings = o.optional("findings") { Self.findings($0, $1, r) }
        let therapy = o.optional("conservativeTherapy") { value, path in
            r.array(value, at: path, limit: EncounterLimits.clinicalEntries, of: "therapies") { Self.conservativeTherapy($0, $1, r) }
        }
        let drugs = o.optional("pharmacotherapy") { value, path in
            r.array(value, at: path, limit: EncounterLimits.clinicalEntries, of: "drugs") { Self.pharmacotherapy($0, $1, r) }
        }
        let plan = o.optional("treatmentPlan") { value, path in
            r.array(value, at: path, limit: EncounterLimits.clinicalEntries, of: "plan entries") { r.enumeration($0, at: $1, as: TherapyType.self) }
        }
        let response = o.optional("priorInjectionResponse") { Self.priorResponse($0, $1, r) }
        let documentation = o.optional("documentation") { value, path in
            r.array(value, at: path, limit: EncounterLimits.clinicalEntries, of: "documentation elements") {
                r.enumeration($0, at: $1, as: DocumentationElement.self)
            }
        }
        return Clinical(painOnset: painOnset, findings: findings, conservativeTherapy: therapy, pharmacotherapy: drugs,
                        treatmentPlan: plan, priorInjectionResponse: response, documentation: documentation)
    }

    static func findings(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> Findings? {
        guard let o = r.object(value, at: path, allowed: Self.findingKeys) else { return nil }
        var findings = Findings()
        for finding in Finding.allCases {
            findings[finding] = o.optional(finding.rawValue) { r.bool($0, at: $1) }
        }
        return findings
    }

    static func conservativeTherapy(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> ConservativeTherapy? {
        guard let o = r.object(value, at: path, allowed: Self.conservativeTherapyKeys) else { return nil }
        let type = o.required("type") { r.enumeration($0, at: $1, as: TherapyType.self) }
        let start = o.optional("start") { r.date($0, at: $1) }
        let end = o.optional("end") { r.date($0, at: $1) }
        let outcome = o.optional("outcome") { r.enumeration($0, at: $1, as: TherapyOutcome.self) }
        guard let type else { return nil }
        return ConservativeTherapy(type: type, start: start, end: end, outcome: outcome)
    }

    static func pharmacotherapy(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> Pharmacotherapy? {
        guard let o = r.object(value, at: path, allowed: Self.pharmacotherapyKeys) else { return nil }
        let drugClass = o.required("class") { r.enumeration($0, at: $1, as: DrugClass.self) }
        let start = o.optional("start") { r.date($0, at: $1) }
        let end = o.optional("end") { r.date($0, at: $1) }
        let outcome = o.optional("outcome") { r.enumeration($0, at: $1, as: TherapyOutcome.self) }
        guard let drugClass else { return nil }
        return Pharmacotherapy(drugClass: drugClass, start: start, end: end, outcome: outcome)
    }

    static func priorResponse(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> PriorInjectionResponse? {
        guard let o = r.object(value, at: path, allowed: Self.priorResponseKeys)
        else { return nil }
        let percent = o.optional("percentPainImprovement") { r.integer($0, at: $1, in: 0...100) }
        let functional = o.optional("functionalImprovement") { r.bool($0, at: $1) }
        let motion = o.optional("rangeOfMotionImproved") { r.bool($0, at: $1) }
        return PriorInjectionResponse(percentPainImprovement: percent, functionalImprovement: functional, rangeOfMotionImproved: motion)
    }

    static func priorService(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> PriorService? {
        guard let o = r.object(value, at: path, allowed: Self.priorServiceKeys) else { return nil }
        let id = o.required("id") { r.string($0, at: $1) }
        let date = o.required("dateOfService") { r.date($0, at: $1) }
        let code = o.required("code") { Self.procedureCode($0, $1, r) }
        let units = o.optional("units") { r.integer($0, at: $1, in: 1...Int.max) }
        let sites = o.optional("sites") { value, path in
            r.array(value, at: path, limit: EncounterLimits.sites, of: "sites") { Self.site($0, $1, r) }
        }
        guard let id, let date, let code else { return nil }
        return PriorService(id: id, dateOfService: date, code: code, units: units, sites: sites)
    }

}

/// The shape of a CPT or HCPCS Level II code, independent of any release.
public enum ProcedureCodeShape {
    /// CPT (five digits, or four digits and F/T for Category II/III) or HCPCS Level II (a letter and four digits).
    public static func isWellFormed(_ text: String) -> Bool {
        // Byte-level, as `DiagnosisCodeShape.isWellFormed`: every accepted code is ASCII.
        let bytes = text.utf8
        guard bytes.count == 5 else { return false }
        let first = bytes.first!, last = bytes[bytes.index(bytes.startIndex, offsetBy: 4)]
        return bytes.dropFirst().prefix(3).allSatisfy(ASCIICode.isDigit)
            && ((ASCIICode.isDigit(first) && (ASCIICode.isDigit(last) || last == UInt8(ascii: "F") || last == UInt8(ascii: "T")))
                || (ASCIICode.isUppercaseLetter(first) && ASCIICode.isDigit(last)))
    }

    /// Whether a modifier is two letters or digits (25, XS, RT).
    public static func isWellFormedModifier(_ text: String) -> Bool {
        text.utf8.count == 2 && text.utf8.allSatisfy { ASCIICode.isDigit($0) || ASCIICode.isUppercaseLetter($0) }
    }
}

/// The shape of an ICD-10-CM code, independent of any release.
public enum DiagnosisCodeShape {
    /// `A00`, `M79.18`, `M7918`, `S13.4XXA`: letter, digit, alphanumeric, optional dot, up to four alphanumerics.
    public static func isWellFormed(_ text: String) -> Bool {
        // Byte-level: it runs on every diagnosis a reader accepts, and Foundation's string calls
        // were a fifth of reading an encounter. Every accepted character is ASCII, so a byte is a character.
        var characters = 0
        var sawDot = false
        for (offset, byte) in text.utf8.enumerated() {
            if byte == UInt8(ascii: ".") {
                guard !sawDot, offset == 3 else { return false }
                sawDot = true
                continue
            }
            switch characters {
            case 0: guard ASCIICode.isUppercaseLetter(byte) else { return false }
            case 1: guard ASCIICode.isDigit(byte) else { return false }
            default: guard ASCIICode.isDigit(byte) || ASCIICode.isUppercaseLetter(byte) else { return false }
            }
            characters += 1
        }
        return (3...7).contains(characters)
    }

    /// The code without its dot, upper-cased: the form ranges and lookups compare.
    public static func compact(_ text: String) -> String {
        // Byte-level: this runs on every diagnosis of every decision, and Foundation's string calls are slow on Linux.
        // Written straight into the string's storage: a diagnosis code fits a small string, so
        // nothing is allocated.
        String(unsafeUninitializedCapacity: text.utf8.count) { buffer in
            var count = 0
            for byte in text.utf8 where byte != UInt8(ascii: ".") {
                buffer[count] = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
                count += 1
            }
            return count
        }
    }
}

/// The ASCII classes the code shapes are written in, tested on UTF-8 bytes.
enum ASCIICode {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    static func isUppercaseLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
}
