/// A value that writes its own canonical JSON (sorted keys, as `CanonicalJSON` defines it) straight
/// into bytes, without building a tree through `Encodable`.
///
/// The contract types (Contract 1 and 2) conform: the history stores write an encounter and a
/// determination for every claim, and Codable's containers were most of that cost. Each
/// conformance writes its keys in UTF-8 byte order and leaves out the optionals its `Encodable`
/// conformance leaves out, so the bytes equal the generic path's (`CanonicalJSONTests` checks both
/// against `JSONEncoder` on every example and on generated values with every field set and unset).
public protocol CanonicalJSONWritable {
    func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws
}

/// The bytes being written, and where the next comma goes.
public struct CanonicalJSONOutput {
    public private(set) var bytes: [UInt8] = []
    /// A value was just completed at this level, so the next key or element needs a comma.
    private var needsComma = false

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    /// An object; `body` writes its members, in sorted key order.
    public mutating func object(_ body: (inout CanonicalJSONOutput) throws -> Void) rethrows {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        try body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// An array of the elements.
    public mutating func array<Element: CanonicalJSONWritable>(_ elements: [Element]) throws {
        try array { output in
            for element in elements { try element.writeCanonicalJSON(to: &output) }
        }
    }

    /// An array; `body` writes its elements.
    public mutating func array(_ body: (inout CanonicalJSONOutput) throws -> Void) rethrows {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        try body(&self)
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member whose key is `key`; nothing when the value is absent, as synthesized `Encodable` does.
    public mutating func member<Value: CanonicalJSONWritable>(_ key: StaticString, _ value: Value?) throws {
        guard let value else { return }
        writeKey(key)
        try value.writeCanonicalJSON(to: &self)
    }

    /// A member written as `null` when absent (the contract shows such keys always).
    public mutating func memberOrNull<Value: CanonicalJSONWritable>(_ key: StaticString, _ value: Value?) throws {
        writeKey(key)
        if let value { try value.writeCanonicalJSON(to: &self) } else { null() }
    }

    /// An array member; nothing when absent.
    public mutating func member<Element: CanonicalJSONWritable>(_ key: StaticString, _ elements: [Element]?) throws {
        guard let elements else { return }
        writeKey(key)
        try array(elements)
    }

    /// A key of any text (escaped), for objects written in the order their members are given.
    public mutating func key(_ text: String) {
        separate()
        CanonicalJSON.writeString(text, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    private mutating func writeKey(_ key: StaticString) {
        separate()
        // Keys are identifiers of ours: no escapes needed.
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ text: String) {
        separate()
        CanonicalJSON.writeString(text, into: &bytes)
    }

    public mutating func integer(_ value: Int) {
        // A small string: its digits are formatted in place, without an allocation.
        numberText(String(value))
    }

    public mutating func number(_ value: Double) throws {
        numberText(try CanonicalJSON.numberText(value))
    }

    /// A number already in its JSON form.
    public mutating func numberText(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// A date as `YYYY-MM-DD`, as `LocalDate` encodes itself (its description needs no escapes).
    public mutating func date(_ date: LocalDate) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: date.description.utf8)
        bytes.append(UInt8(ascii: "\""))
    }
}

// MARK: Leaves

extension String: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) { output.string(self) }
}

extension Int: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) { output.integer(self) }
}

extension Bool: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) { output.bool(self) }
}

extension Array: CanonicalJSONWritable where Element: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws { try output.array(self) }
}

extension Double: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws { try output.number(self) }
}

extension LocalDate: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) { output.date(self) }
}

/// String-valued enums write their raw value, as their `Encodable` conformance does.
public protocol CanonicalJSONRawValue: CanonicalJSONWritable, RawRepresentable where RawValue == String {}

extension CanonicalJSONRawValue {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) { output.string(rawValue) }
}

extension Outcome: CanonicalJSONRawValue {}
extension ClaimFrequency: CanonicalJSONRawValue {}
extension Sex: CanonicalJSONRawValue {}
extension LineOfBusiness: CanonicalJSONRawValue {}
extension Laterality: CanonicalJSONRawValue {}
extension ImagingGuidance: CanonicalJSONRawValue {}
extension TherapyType: CanonicalJSONRawValue {}
extension TherapyOutcome: CanonicalJSONRawValue {}
extension DrugClass: CanonicalJSONRawValue {}
extension DocumentationElement: CanonicalJSONRawValue {}
extension AdjudicationStage: CanonicalJSONRawValue {}


// MARK: Contract 1: the encounter. Keys in UTF-8 byte order.

extension Encounter: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("clinical", clinical)
            try o.member("coverage", coverage)
            try o.member("dateOfService", dateOfService)
            try o.member("diagnoses", diagnoses)
            try o.member("frequency", frequency)
            try o.member("history", history)
            try o.member("id", id)
            try o.member("lines", lines)
            try o.member("member", member)
            try o.member("placeOfService", placeOfService)
            try o.member("priorAuthorization", priorAuthorization)
            try o.member("procedure", procedure)
            try o.member("replaces", replaces)
            try o.member("stage", stage)
        }
    }
}

extension Member: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("birthDate", birthDate)
            try o.member("id", id)
            try o.member("sex", sex)
        }
    }
}

extension Coverage: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("contractor", contractor)
            try o.member("lineOfBusiness", lineOfBusiness)
            try o.member("payer", payer)
            try o.member("providerState", providerState)
        }
    }
}

extension ServiceLine: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("charge", charge)
            try o.member("code", code)
            try o.member("diagnosisPointers", diagnosisPointers)
            try o.member("modifiers", modifiers)
            try o.member("units", units)
        }
    }
}

extension Procedure: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("imagingGuidance", imagingGuidance)
            try o.member("injectate", injectate)
            try o.member("sites", sites)
        }
    }
}

extension InjectionSite: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("laterality", laterality)
            try o.member("muscle", muscle)
            try o.member("triggerPoints", triggerPoints)
        }
    }
}

extension Clinical: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("conservativeTherapy", conservativeTherapy)
            try o.member("documentation", documentation)
            try o.member("findings", findings)
            try o.member("painOnset", painOnset)
            try o.member("pharmacotherapy", pharmacotherapy)
            try o.member("priorInjectionResponse", priorInjectionResponse)
            try o.member("treatmentPlan", treatmentPlan)
        }
    }
}

extension Findings: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("localTwitchResponse", localTwitchResponse)
            try o.member("muscleWeakness", muscleWeakness)
            try o.member("referredPainReproduced", referredPainReproduced)
            try o.member("regionalPainInReferralPattern", regionalPainInReferralPattern)
            try o.member("restrictedRangeOfMotion", restrictedRangeOfMotion)
            try o.member("spotTenderness", spotTenderness)
            try o.member("tautBand", tautBand)
        }
    }
}

extension ConservativeTherapy: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("end", end)
            try o.member("outcome", outcome)
            try o.member("start", start)
            try o.member("type", type)
        }
    }
}

extension Pharmacotherapy: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("class", drugClass)
            try o.member("end", end)
            try o.member("outcome", outcome)
            try o.member("start", start)
        }
    }
}

extension PriorInjectionResponse: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("functionalImprovement", functionalImprovement)
            try o.member("percentPainImprovement", percentPainImprovement)
            try o.member("rangeOfMotionImproved", rangeOfMotionImproved)
        }
    }
}

extension PriorService: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("code", code)
            try o.member("dateOfService", dateOfService)
            try o.member("id", id)
            try o.member("sites", sites)
            try o.member("units", units)
        }
    }
}

// MARK: Contract 2: the determination. Keys in UTF-8 byte order.

extension Determination: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("coding", coding)
            try o.member("documentation", documentation)
            try o.member("encounterId", encounterId)
            try o.member("lines", lines)
            try o.member("outcome", outcome)
            try o.member("payer", payer)
            try o.memberOrNull("policy", policy)
            try o.member("reasons", reasons)
            try o.member("stage", stage)
        }
    }
}

extension PolicyReference: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("effectiveFrom", effectiveFrom)
            try o.memberOrNull("effectiveTo", effectiveTo)
            try o.member("id", id)
            try o.member("title", title)
        }
    }
}

extension LineDetermination: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("attested", attested)
            try o.member("authorization", authorization)
            try o.member("code", code)
            try o.member("evaluated", evaluated)
            try o.member("index", index)
            try o.member("outcome", outcome)
            try o.member("reasons", reasons)
        }
    }
}

extension Reason: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("carc", carc)
            try o.member("citation", citation)
            try o.member("interpretation", interpretation)
            try o.member("message", message)
            try o.member("rarc", rarc)
            try o.member("rule", rule)
        }
    }
}

extension Citation: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("section", section)
            try o.member("source", source)
        }
    }
}

extension CodingAdvice: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("issues", issues)
            try o.member("recommended", recommended)
        }
    }
}

extension RecommendedLine: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("code", code)
            try o.member("modifiers", modifiers)
            try o.member("units", units)
        }
    }
}

extension CodingIssue: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("lines", lines)
            try o.member("message", message)
            try o.member("rule", rule)
        }
    }
}

extension DocumentationAdvice: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("attested", attested)
            try o.member("auditRequests", auditRequests)
            try o.member("missing", missing)
            try o.member("requests", requests)
        }
    }
}

extension DocumentRequest: CanonicalJSONWritable {
    public func writeCanonicalJSON(to output: inout CanonicalJSONOutput) throws {
        try output.object { o in
            try o.member("loinc", loinc)
            try o.member("name", name)
            try o.member("timeFrame", timeFrame)
        }
    }
}
