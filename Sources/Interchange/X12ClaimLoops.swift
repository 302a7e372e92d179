import Model

/// The segment a loop builder is reading: its number in the input and its id, for located issues.
struct CurrentSegment {
    let number: Int
    let id: String

    func issue(_ element: String?, _ message: String) -> X12Issue {
        X12Issue(segmentNumber: number, segmentId: id, element: element, message: message)
    }
}

/// A loop of an 837 that collects its values and the first problem found in it; a loop with a
/// problem makes every claim under it a claim error.
protocol LoopBuilder {
    var issue: X12Issue? { get set }
}

extension LoopBuilder {
    /// Keeps the first problem: the later ones are usually consequences of it.
    mutating func fail(_ problem: X12Issue) {
        if issue == nil { issue = problem }
    }

    mutating func fail(_ at: CurrentSegment, _ element: String?, _ message: String) {
        fail(at.issue(element, message))
    }
}

/// A loop that identifies a person (2010BA subscriber, 2010CA patient), with DMG demographics.
protocol PersonLoop: LoopBuilder {
    var birthDate: LocalDate? { get set }
    var sex: Sex? { get set }
}

extension PersonLoop {
    /// DMG: D8 birth date and gender code.
    mutating func readDMG(_ s: SegmentScanner, _ at: CurrentSegment) {
        guard s.equals(1, "D8") else {
            fail(at, "DMG01", "date format qualifier must be D8, got \"\(s.string(1))\"")
            return
        }
        birthDate = s.date(2)
        if birthDate == nil { fail(at, "DMG02", "birth date must be a date CCYYMMDD, got \"\(s.string(2))\"") }
        let sexText = s.string(3)
        sex = Sex(rawValue: sexText)
        if sex == nil { fail(at, "DMG03", "gender code must be F, M or U, got \"\(sexText)\"") }
    }
}

// MARK: - 2000A billing provider

struct BillingProviderLoop: LoopBuilder {
    var hlId: String
    var provider = BillingProvider(name: "", npi: "")
    var issue: X12Issue?

    init(hlId: String) { self.hlId = hlId }

    /// The N4 read next is the billing provider's own address (2010AA), not the pay-to
    /// address (2010AB NM1*87) or another entity's that the loop may also hold.
    var addressIsBillingProvider = false

    /// NM1*85.
    mutating func readName(_ s: SegmentScanner, _ at: CurrentSegment) {
        provider = BillingProvider(name: s.string(3), npi: s.string(9))
        if provider.name.isEmpty { fail(at, "NM103", "billing provider name is missing") }
        addressIsBillingProvider = true
    }

    /// N4 of 2010AA: the state (N4-02) that selects a Medicare claim's LCD by jurisdiction, checked
    /// as Contract 1 checks `coverage.providerState`. An empty N4-02 (a foreign address) is no state.
    mutating func readAddress(_ s: SegmentScanner, _ at: CurrentSegment) {
        guard addressIsBillingProvider else { return }
        addressIsBillingProvider = false
        let text = s.string(2)
        guard !text.isEmpty else { return }
        guard let state = Coverage.providerState(text) else {
            fail(at, "N402", "billing provider state must be a two-letter state code (e.g. CA), got \"\(text)\"")
            return
        }
        provider.state = state
    }
}

// MARK: - 2000B subscriber

struct SubscriberLoop: PersonLoop {
    var hlId: String
    var memberId = ""
    var name = PersonName(last: "", first: "")
    var birthDate: LocalDate?
    var sex: Sex?
    var filingIndicator = ""
    /// SBR01: the payer's place on the claim (P primary, S secondary, T tertiary, …).
    var responsibility = "P"
    var payer: BilledPayer?
    var resolvedPayer: String?
    var issue: X12Issue?

    init(hlId: String, issue: X12Issue? = nil) { self.hlId = hlId; self.issue = issue }

    /// SBR: payer responsibility and claim filing indicator.
    mutating func readSBR(_ s: SegmentScanner, _ at: CurrentSegment) {
        let code = s.string(1)
        if code.count == 1, "ABCDEFGHPSTU".contains(code) {
            responsibility = code
        } else {
            fail(at, "SBR01", code.isEmpty ? "payer responsibility sequence number code is missing"
                 : "\"\(code)\" is not a payer responsibility sequence number code")
        }
        let indicator = s.string(9)
        if indicator.isEmpty {
            fail(at, "SBR09", "claim filing indicator code is missing")
        } else if !ClaimFilingIndicator.allowed.contains(indicator) {
            fail(at, "SBR09", "\"\(indicator)\" is not a claim filing indicator code of the 837P")
        }
        filingIndicator = indicator
    }

    /// NM1*IL: the subscriber and their member id.
    mutating func readName(_ s: SegmentScanner, _ at: CurrentSegment) {
        memberId = s.string(9)
        if memberId.isEmpty { fail(at, "NM109", "subscriber member id is missing") }
        name = PersonName(last: s.string(3), first: s.string(4))
    }

    /// NM1*PR: the payer, resolved through the directory unless the reader was given one.
    mutating func readPayer(_ s: SegmentScanner, _ at: CurrentSegment, directory: PayerDirectory, override: String?) {
        let billed = BilledPayer(name: s.string(3), id: s.string(9))
        payer = billed
        if let override {
            resolvedPayer = override
        } else if let resolved = directory.resolve(name: billed.name, id: billed.id) {
            resolvedPayer = resolved
        } else {
            fail(at, billed.name.isEmpty ? "NM109" : "NM103",
                 "payer \"\(billed.name)\" (id \"\(billed.id)\") is not in the payer directory; add it to payers.tsv or choose the payer explicitly")
        }
    }
}

// MARK: - 2000C patient

struct PatientLoop: PersonLoop {
    var name = PersonName(last: "", first: "")
    /// 2010CA REF*1W: the patient's own member id, when the payer assigned one.
    var memberId: String?
    var birthDate: LocalDate?
    var sex: Sex?
    var issue: X12Issue?

    init(issue: X12Issue? = nil) { self.issue = issue }

    /// NM1*QC.
    mutating func readName(_ s: SegmentScanner) {
        name = PersonName(last: s.string(3), first: s.string(4))
    }

    /// REF*1W.
    mutating func readMemberId(_ s: SegmentScanner, _ at: CurrentSegment) {
        let id = s.string(2)
        if id.isEmpty { fail(at, "REF02", "patient member identification number (REF*1W) is empty"); return }
        memberId = id
    }

    /// The history key of a dependent: the payer's patient member id, or the subscriber's id with
    /// the patient's name and birth date (what 2010CA identifies the patient by).
    func historyKey(subscriberId: String) -> String {
        if let memberId { return memberId }
        var key = subscriberId + "/" + name.last.uppercased() + " " + name.first.uppercased()
        if let birthDate { key += "/" + birthDate.description }
        return key
    }
}

// MARK: - 2400 service line

struct ServiceLineBuilder {
    let lineNumber: Int
    let lxSegment: Int
    var sv1Segment = 0
    var hasSV1 = false
    var qualifier = ""
    var code = ""
    var modifiers: [String] = []
    var chargeCents = 0
    var unitBasis = ""
    var units = 1
    var pointers: [Int] = []
    var placeOfService: String?
    var date: LocalDate?
    var dateThrough: LocalDate?

    init(lineNumber: Int, lxSegment: Int) { self.lineNumber = lineNumber; self.lxSegment = lxSegment }

    /// SV1: procedure, modifiers, charge, units, place of service and diagnosis pointers.
    /// Returns the line's problem, if any.
    mutating func readSV1(_ s: SegmentScanner, _ at: CurrentSegment, diagnosisCount: Int, separator: UInt8) -> X12Issue? {
        if hasSV1 { return at.issue(nil, "a second SV1 in service line \(lineNumber)") }
        hasSV1 = true
        sv1Segment = at.number
        guard let composite = s.range(1), !composite.isEmpty else {
            return at.issue("SV101", "procedure code composite (HC:code) is missing")
        }
        let parts = s.components(composite, separator: separator)
        qualifier = s.string(parts[0])
        guard qualifier == "HC" else {
            return at.issue("SV101-1", "product/service id qualifier must be HC (CPT/HCPCS), got \"\(qualifier)\"")
        }
        guard parts.count > 1, s.isProcedureCode(parts[1]) else {
            return at.issue("SV101-2", "\"\(parts.count > 1 ? s.string(parts[1]) : "")\" is not a CPT or HCPCS code (five digits, or a letter and four digits)")
        }
        code = s.string(parts[1])
        // SV101-3…6 are the modifiers, SV101-7 the procedure description (free text, not read);
        // SV101-8 is not used in the 837P. Empty trailing components are allowed, as pyx12 allows them.
        if parts.count > 2 {
            for (offset, part) in parts[2...].prefix(4).enumerated() {
                if part.isEmpty { continue }
                guard s.isModifier(part) else {
                    return at.issue("SV101-\(offset + 3)", "modifier must be two letters or digits, got \"\(s.string(part))\"")
                }
                modifiers.append(s.string(part))
            }
            if parts.count > 6, parts[6].count > 80 {
                return at.issue("SV101-7", "procedure description is longer than 80 characters")
            }
            if parts.count > 7, parts[7...].contains(where: { !$0.isEmpty }) {
                return at.issue("SV101-8", "SV101-8 is not used in the 837P (SV101 has the qualifier, the code, four modifiers and a description)")
            }
        }
        guard let charge = s.cents(2), charge >= 0 else {
            return at.issue("SV102", "line charge must be an amount, got \"\(s.string(2))\"")
        }
        chargeCents = charge
        unitBasis = s.string(3)
        guard unitBasis == "UN" || unitBasis == "MJ" else {
            return at.issue("SV103", "unit basis must be UN (units) or MJ (minutes), got \"\(unitBasis)\"")
        }
        guard let unitsRange = s.range(4), let count = s.wholeNumber(unitsRange), count > 0 else {
            return at.issue("SV104", "units must be a positive number, got \"\(s.string(4))\"")
        }
        units = count
        if let place = s.range(5), !place.isEmpty {
            let text = s.string(place)
            guard text.utf8.count == 2, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return at.issue("SV105", "place of service must be two digits, got \"\(text)\"")
            }
            placeOfService = text
        }
        guard let pointerRange = s.range(7), !pointerRange.isEmpty else {
            return at.issue("SV107", "diagnosis code pointer is missing (1 to 4 pointers such as 1:2)")
        }
        let pointerParts = s.components(pointerRange, separator: separator)
        guard pointerParts.count <= 4 else { return at.issue("SV107", "at most four diagnosis pointers") }
        for (offset, part) in pointerParts.enumerated() {
            guard let pointer = s.unsignedInteger(part), (1...12).contains(pointer) else {
                return at.issue("SV107-\(offset + 1)", "diagnosis pointer must be a number from 1 to 12, got \"\(s.string(part))\"")
            }
            guard pointer <= diagnosisCount else {
                return at.issue("SV107-\(offset + 1)", "diagnosis pointer \(pointer) points past the claim's \(diagnosisCount) diagnoses")
            }
            pointers.append(pointer)
        }
        return nil
    }

    /// DTP*472: the service date (D8) or range (RD8). Returns the line's problem, if any.
    mutating func readServiceDate(_ s: SegmentScanner, _ at: CurrentSegment) -> X12Issue? {
        guard hasSV1 else { return at.issue(nil, "DTP*472 before the line's SV1") }
        let value = s.range(3)
        if s.equals(2, "D8") {
            guard let value, let day = s.date(value) else {
                return at.issue("DTP03", "service date must be CCYYMMDD, got \"\(s.string(3))\"")
            }
            date = day; dateThrough = day
        } else if s.equals(2, "RD8") {
            guard let value, value.count == 17, s.buffer[value.lowerBound + 8] == UInt8(ascii: "-"),
                  let from = s.date(value.lowerBound ..< value.lowerBound + 8),
                  let through = s.date(value.lowerBound + 9 ..< value.upperBound) else {
                return at.issue("DTP03", "service date range must be CCYYMMDD-CCYYMMDD, got \"\(s.string(3))\"")
            }
            guard from <= through else {
                return at.issue("DTP03", "service date range ends before it starts: \"\(s.string(3))\"")
            }
            date = from; dateThrough = through
        } else {
            return at.issue("DTP02", "date format qualifier must be D8 or RD8, got \"\(s.string(2))\"")
        }
        return nil
    }

    /// The finished line, or what it lacks.
    func parsed() -> Result<ParsedServiceLine, X12Issue> {
        guard hasSV1 else {
            return .failure(X12Issue(segmentNumber: lxSegment, segmentId: "LX", element: nil,
                                     message: "service line \(lineNumber) has no SV1"))
        }
        guard let date else {
            return .failure(X12Issue(segmentNumber: sv1Segment, segmentId: "SV1", element: nil,
                                     message: "service line \(lineNumber) has no service date (DTP*472)"))
        }
        return .success(ParsedServiceLine(
            lineNumber: lineNumber, qualifier: qualifier, code: code, modifiers: modifiers,
            chargeCents: chargeCents, unitBasis: unitBasis, units: units,
            diagnosisPointers: pointers, serviceDate: date, serviceDateThrough: dateThrough,
            placeOfService: placeOfService))
    }
}

// MARK: - 2300 claim

struct ClaimBuilder: LoopBuilder {
    var id: String?
    let segmentNumber: Int
    var totalCents = 0
    var facilityCode = ""
    var frequencyCode = "1"
    var replaces: String?
    /// 2300 REF*G1.
    var priorAuthorization: String?
    var diagnoses: [String] = []
    var sawPrincipal = false
    var notes: [String] = []
    var lines: [ParsedServiceLine] = []
    /// The service line being read (2400), until the next LX or the end of the claim.
    var line: ServiceLineBuilder?
    var otherPayers: [BilledPayer] = []
    var issue: X12Issue?

    /// A claim opened by CLM; `inherited` is the problem of a loop it belongs to, which comes first.
    init(_ s: SegmentScanner, _ at: CurrentSegment, inherited: X12Issue?) {
        segmentNumber = at.number
        let claimId = s.string(1)
        id = claimId.isEmpty ? nil : claimId
        issue = inherited
        guard inherited == nil else { return }
        readCLM(s, at, claimId: claimId)
    }

    private mutating func readCLM(_ s: SegmentScanner, _ at: CurrentSegment, claimId: String) {
        if claimId.isEmpty { fail(at, "CLM01", "patient control number (claim id) is missing"); return }
        if claimId.utf8.count > 38 { fail(at, "CLM01", "claim id is longer than 38 characters"); return }
        guard let total = s.cents(2) else {
            fail(at, "CLM02", "total claim charge must be an amount, got \"\(s.string(2))\"")
            return
        }
        totalCents = total
        guard let composite = s.range(5), !composite.isEmpty, let separator = s.delimiters?.component else {
            fail(at, "CLM05", "facility code, qualifier and claim frequency (e.g. 11:B:1) are missing")
            return
        }
        let parts = s.components(composite, separator: separator)
        let facility = parts.count > 0 ? s.string(parts[0]) : ""
        guard facility.utf8.count == 2, facility.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            fail(at, "CLM05-1", "place of service must be two digits, got \"\(facility)\"")
            return
        }
        guard parts.count > 1, s.equals(parts[1], "B") else {
            fail(at, "CLM05-2", "facility code qualifier must be B (place of service), got \"\(parts.count > 1 ? s.string(parts[1]) : "")\"")
            return
        }
        let frequency = parts.count > 2 ? s.string(parts[2]) : ""
        guard frequency == "1" || frequency == "7" || frequency == "8" else {
            fail(at, "CLM05-3", "claim frequency code must be 1 (original), 7 (replacement) or 8 (void), got \"\(frequency)\"")
            return
        }
        facilityCode = facility
        frequencyCode = frequency
    }

    /// REF*G1 (prior authorization) and REF*F8 (the claim replaced or voided); others are not read.
    mutating func readREF(_ s: SegmentScanner, _ at: CurrentSegment) {
        if s.equals(1, "G1") {
            let number = s.string(2)
            if number.isEmpty { fail(at, "REF02", "prior authorization number (REF*G1) is empty"); return }
            priorAuthorization = number
            return
        }
        guard s.equals(1, "F8") else { return }
        let reference = s.string(2)
        if reference.isEmpty { fail(at, "REF02", "original claim reference number (REF*F8) is empty"); return }
        replaces = reference
    }

    /// HI: ABK then ABF diagnoses, up to 12, with the dot put back.
    mutating func readHI(_ s: SegmentScanner, _ at: CurrentSegment, separator: UInt8) {
        guard let first = s.range(1) else { fail(at, "HI01", "health care code information is missing"); return }
        let firstQualifier = s.components(first, separator: separator)[0]
        // 2300 also carries anesthesia procedures (BP/BO) and condition codes (BG) in HI.
        let isOtherInformation = s.equals(firstQualifier, "BG") || s.equals(firstQualifier, "BP") || s.equals(firstQualifier, "BO")
        guard !isOtherInformation else { return }
        let count = min(s.elementCount, 12)
        guard count >= 1 else { return }
        for index in 1...count {
            guard let range = s.range(index), !range.isEmpty else { continue }
            let reference = "HI" + (index < 10 ? "0" : "") + String(index)
            let parts = s.components(range, separator: separator)
            let qualifier = s.string(parts[0])
            switch qualifier {
            case "ABK":
                if sawPrincipal || !diagnoses.isEmpty || index != 1 {
                    fail(at, reference + "-1", "ABK (principal diagnosis) must come first and only once"); return
                }
                sawPrincipal = true
            case "ABF":
                if !sawPrincipal { fail(at, reference + "-1", "ABF (other diagnosis) before the ABK principal diagnosis"); return }
            case "BK", "BF":
                fail(at, reference + "-1", "ICD-9-CM qualifier \(qualifier) is not accepted; ICD-10-CM diagnoses use ABK/ABF"); return
            default:
                fail(at, reference + "-1", "diagnosis qualifier must be ABK or ABF, got \"\(qualifier)\""); return
            }
            guard parts.count > 1, let code = s.dottedDiagnosis(parts[1]) else {
                fail(at, reference + "-2", "\"\(parts.count > 1 ? s.string(parts[1]) : "")\" is not an ICD-10-CM code (a letter, a digit, a letter or digit, then up to four more, without a dot)")
                return
            }
            guard diagnoses.count < EncounterLimits.diagnoses else { fail(at, reference, "a claim carries at most \(EncounterLimits.diagnoses) diagnoses"); return }
            diagnoses.append(code)
        }
    }

    /// NTE: claim notes, kept for the 835 and the report.
    mutating func readNTE(_ s: SegmentScanner) {
        let text = s.string(2)
        if !text.isEmpty { notes.append(text) }
    }

    /// LX: closes the line being read and opens the next one. Returns whether a line is open.
    mutating func startLine(_ s: SegmentScanner, _ at: CurrentSegment) -> Bool {
        finishLine()
        guard issue == nil else { return false }
        guard let number = s.integer(1), number > 0 else {
            fail(at, "LX01", "line number must be a positive number, got \"\(s.string(1))\"")
            return false
        }
        if number != lines.count + 1 {
            fail(at, "LX01", "line numbers must run 1, 2, 3… within a claim: expected \(lines.count + 1), got \(number)")
            return false
        }
        if number > EncounterLimits.lines { fail(at, "LX01", "a professional claim has at most \(EncounterLimits.lines) service lines"); return false }
        line = ServiceLineBuilder(lineNumber: number, lxSegment: at.number)
        return true
    }

    /// SV1 of the open line.
    mutating func readSV1(_ s: SegmentScanner, _ at: CurrentSegment, separator: UInt8) {
        guard line != nil else { fail(at, nil, "SV1 without a service line (LX)"); return }
        if let problem = line?.readSV1(s, at, diagnosisCount: diagnoses.count, separator: separator) { fail(problem) }
    }

    /// DTP*472 of the open line.
    mutating func readServiceDate(_ s: SegmentScanner, _ at: CurrentSegment) {
        if let problem = line?.readServiceDate(s, at) { fail(problem) }
    }

    /// Adds the open line to the claim, or records what it lacks.
    mutating func finishLine() {
        guard let open = line else { return }
        line = nil
        guard issue == nil else { return }
        switch open.parsed() {
        case .success(let parsed): lines.append(parsed)
        case .failure(let problem): fail(problem)
        }
    }

    /// Whole-claim checks once all its segments are read; the issue points at the CLM segment.
    func validate(subscriber: SubscriberLoop?) -> X12Issue? {
        func at(_ element: String?, _ message: String) -> X12Issue {
            X12Issue(segmentNumber: segmentNumber, segmentId: "CLM", element: element, message: message)
        }
        guard let subscriber else { return at(nil, "claim without a subscriber loop") }
        if subscriber.memberId.isEmpty { return at(nil, "the subscriber loop has no NM1*IL with a member id (NM109)") }
        if subscriber.resolvedPayer == nil { return at(nil, "the subscriber loop has no payer (NM1*PR)") }
        if lines.isEmpty { return at(nil, "claim has no service lines (LX/SV1)") }
        let sum = lines.reduce(0) { $0 + $1.chargeCents }
        if sum != totalCents {
            return at("CLM02", "total claim charge \(X12Values.amount(totalCents)) is not the sum of the line charges \(X12Values.amount(sum))")
        }
        if diagnoses.isEmpty { return at(nil, "claim has no diagnosis (HI*ABK)") }
        if frequencyCode != "1" && replaces == nil {
            return at("CLM05-3", "a \(frequencyCode == "7" ? "replacement" : "void") claim needs the original claim's reference (REF*F8)")
        }
        return nil
    }
}
