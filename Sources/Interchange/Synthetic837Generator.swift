import Foundation
import Model

/// SplitMix64: a small, fast, deterministic pseudo-random generator (same seed, same sequence
/// on every platform), so generated files are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `range` (modulo reduction; the bias is negligible for the small ranges used here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// `true` with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) * 0x1p-53 < p }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

/// Settings of a synthetic 837P file.
public struct Synthetic837Configuration: Sendable {
    /// Number of claims (originals, replacements and voids together).
    public var claimCount: Int
    public var seed: UInt64
    /// Share of claims written with one deliberate error (0 = a fully valid file).
    public var errorRate: Double
    /// At most this many claims per transaction set (ST…SE).
    public var claimsPerTransaction: Int
    /// Subscribers under one billing provider (2000A) before the next one starts.
    public var subscribersPerBillingProvider: Int
    public var delimiters: X12Delimiters
    /// A line break after each segment terminator.
    public var lineBreaks: Bool
    /// ISA13 (and GS06 base).
    public var interchangeControlNumber: Int
    /// BHT/GS creation date.
    public var creationDate: LocalDate

    public init(claimCount: Int, seed: UInt64 = 1, errorRate: Double = 0, claimsPerTransaction: Int = 5000,
                subscribersPerBillingProvider: Int = 40, delimiters: X12Delimiters = .standard, lineBreaks: Bool = true,
                interchangeControlNumber: Int = 1, creationDate: LocalDate = LocalDate(year: 2026, month: 1, day: 15)!) {
        self.claimCount = claimCount; self.seed = seed; self.errorRate = errorRate
        self.claimsPerTransaction = max(1, claimsPerTransaction)
        self.subscribersPerBillingProvider = max(1, subscribersPerBillingProvider)
        self.delimiters = delimiters; self.lineBreaks = lineBreaks
        self.interchangeControlNumber = interchangeControlNumber; self.creationDate = creationDate
    }
}

/// What a generator wrote.
public struct Synthetic837Summary: Equatable, Sendable {
    public var claims = 0
    public var replacements = 0
    public var voids = 0
    public var transactions = 0
    public var bytes = 0
    /// Claim ids written with a deliberate error (one error each).
    public var claimsWithErrors: [String] = []
    /// Claims per medpolicy payer id.
    public var claimsPerPayer: [String: Int] = [:]
}

/// Writes deterministic synthetic 837P (005010X222A1) interchanges for tests and benchmarks.
///
/// Members have histories (several claims over months, some replaced or voided later); claims
/// carry 20552/20553 with and without modifiers, E/M 99213 with or without 25, J-codes, mostly
/// trigger-point diagnoses and a few invalid or header ones; all five payers appear. With
/// `errorRate` > 0, that share of claims gets one deliberate error (a bad element, a missing
/// segment) that the reader reports for that claim only. Output streams to an `X12Output`.
public struct Synthetic837Generator {
    public let configuration: Synthetic837Configuration

    public init(_ configuration: Synthetic837Configuration) { self.configuration = configuration }

    /// Writes the interchange into `output` (flushing as it goes when it has a file handle).
    public func write(to output: X12Output) throws -> Synthetic837Summary {
        var run = GeneratorRun(configuration: configuration, output: output)
        try run.writeInterchange()
        try output.flush()
        run.summary.bytes = output.byteCount
        return run.summary
    }

    /// The interchange as bytes.
    public func bytes() -> (bytes: [UInt8], summary: Synthetic837Summary) {
        let output = X12Output()
        // In-memory output never throws.
        let summary = (try? write(to: output)) ?? Synthetic837Summary()
        return (output.bytes, summary)
    }

    /// Writes the interchange to a file (created or truncated).
    public func write(toFile path: String) throws -> Synthetic837Summary {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw X12FatalError("cannot create \(path)")
        }
        defer { try? handle.close() }
        return try write(to: X12Output(fileHandle: handle))
    }
}

/// Payers the generator bills, with the names and ids they appear under and their SBR09 codes.
private struct GeneratedPayer {
    let payer: String
    let names: [String]
    let id: String
    let filingIndicators: [String]
}

private let generatedPayers: [GeneratedPayer] = [
    GeneratedPayer(payer: "florida-blue", names: ["FLORIDA BLUE", "BLUE CROSS BLUE SHIELD OF FLORIDA"], id: "00590",
                   filingIndicators: ["BL", "BL", "BL", "16", "FI"]),
    GeneratedPayer(payer: "harvard-pilgrim", names: ["HARVARD PILGRIM", "HARVARD PILGRIM HEALTH CARE"], id: "04271",
                   filingIndicators: ["HM", "CI", "12"]),
    GeneratedPayer(payer: "truecare", names: ["TRUECARE"], id: "TRUCR", filingIndicators: ["MC", "CI"]),
    GeneratedPayer(payer: "aetna", names: ["AETNA"], id: "60054", filingIndicators: ["CI", "HM", "12"]),
    GeneratedPayer(payer: "medicare", names: ["MEDICARE", "FIRST COAST SERVICE OPTIONS"], id: "09102", filingIndicators: ["MB"]),
]

private let lastNames = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ",
                         "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR", "MOORE"]
private let firstNames = ["MARY", "JAMES", "PATRICIA", "JOHN", "JENNIFER", "ROBERT", "LINDA", "MICHAEL", "ELIZABETH",
                          "DAVID", "BARBARA", "WILLIAM", "SUSAN", "RICHARD", "JESSICA", "JOSEPH", "SARAH", "THOMAS"]
private let cities = [("MIAMI", "FL", "331011234"), ("TAMPA", "FL", "336021234"), ("BOSTON", "MA", "021081234"),
                      ("JACKSON", "MS", "392011234"), ("HARTFORD", "CT", "061031234")]
/// Mostly diagnoses the trigger-point policies list; `M791` and `M545` are headers (invalid on a claim). `M6283` was
/// listed here as valid, but M62.83 is a header over M62.830–M62.838 (issue 19: 7,313 lines denied 16).
private let validDiagnoses = ["M7918", "M7911", "M7912", "M62838", "M542", "M797", "M5450", "M5412"]
private let invalidDiagnoses = ["M791", "M545"]

private struct GeneratedLine {
    var code: String
    var modifiers: [String]
    var chargeCents: Int
    var units: Int
    var pointers: [Int]
}

private struct GeneratedClaim {
    var id: String
    var frequency: String
    var replaces: String?
    var date: LocalDate
    var placeOfService: String
    var diagnoses: [String]
    var lines: [GeneratedLine]
    var note: String?
}

private enum InjectedError: CaseIterable {
    case unitsNotNumber, chargeNotNumber, missingServiceDate, badServiceDate, badDiagnosisQualifier
    case badPlaceOfService, totalMismatch, pointerPastDiagnoses, badProcedureCode, replacementWithoutReference
}

private struct GeneratorRun {
    let configuration: Synthetic837Configuration
    var writer: X12SegmentWriter
    var random: SplitMix64
    var summary = Synthetic837Summary()
    var claimCounter = 0
    var memberCounter = 0
    var hlCounter = 0
    var claimsInTransaction = 0
    var subscribersUnderProvider = 0
    var providerCounter = 0
    var currentProviderHL = 0
    var inTransaction = false

    init(configuration: Synthetic837Configuration, output: X12Output) {
        self.configuration = configuration
        writer = X12SegmentWriter(output: output, delimiters: configuration.delimiters, lineBreaks: configuration.lineBreaks)
        random = SplitMix64(seed: configuration.seed)
    }

    var dateText: String { X12Values.dateText(configuration.creationDate) }

    mutating func writeInterchange() throws {
        let control = configuration.interchangeControlNumber
        writer.interchangeHeader(sender: "MPSUBMITTER", receiver: "MPRECEIVER", date: String(dateText.dropFirst(2)),
                                 time: "1200", controlNumber: control, usage: "T")
        writer.segment("GS", ["HC", "MPSUBMITTER", "MPRECEIVER", dateText, "1200", String(control), "X", "005010X222A1"])
        while summary.claims < configuration.claimCount {
            try writeMember()
        }
        if inTransaction { endTransaction() }
        writer.segment("GE", [String(summary.transactions), String(control)])
        writer.segment("IEA", ["1", X12SegmentWriter.zeroPadded(control, 9)])
    }

    mutating func startTransaction() {
        summary.transactions += 1
        writer.startCount()
        writer.segment("ST", ["837", X12SegmentWriter.zeroPadded(summary.transactions, 4), "005010X222A1"])
        writer.segment("BHT", ["0019", "00", "MP" + String(summary.transactions), dateText, "1200", "CH"])
        writer.segment("NM1", ["41", "2", "MEDPOLICY SYNTHETIC BILLING", "", "", "", "", "46", "MPSUBMIT01"])
        writer.segment("PER", ["IC", "BILLING OFFICE", "TE", "3055550100"])
        writer.segment("NM1", ["40", "2", "MEDPOLICY PAYER GATEWAY", "", "", "", "", "46", "MPRECEIVER"])
        inTransaction = true
        claimsInTransaction = 0
        hlCounter = 0
        subscribersUnderProvider = 0
        currentProviderHL = 0
    }

    mutating func endTransaction() {
        writer.segment("SE", [String(writer.counted + 1), X12SegmentWriter.zeroPadded(summary.transactions, 4)])
        inTransaction = false
    }

    mutating func startBillingProvider() {
        providerCounter += 1
        hlCounter += 1
        currentProviderHL = hlCounter
        subscribersUnderProvider = 0
        let city = cities[providerCounter % cities.count]
        writer.segment("HL", [String(hlCounter), "", "20", "1"])
        writer.segment("NM1", ["85", "2", "TRIGGER POINT CLINIC \(providerCounter)", "", "", "", "", "XX", npi(providerCounter)])
        writer.segment("N3", ["\(100 + providerCounter % 900) MAIN ST"])
        writer.segment("N4", [city.0, city.1, city.2])
        writer.segment("REF", ["EI", "59" + X12SegmentWriter.zeroPadded(1_000_000 + providerCounter % 9_000_000, 7)])
    }

    /// A valid NPI: 9 digits and a Luhn check digit computed with the 80840 prefix.
    func npi(_ number: Int) -> String {
        let base = "1" + X12SegmentWriter.zeroPadded(number % 100_000_000, 8)
        var sum = 24  // the 80840 prefix's contribution
        for (offset, character) in base.reversed().enumerated() {
            var digit = Int(String(character))!
            if offset % 2 == 0 { digit *= 2; if digit > 9 { digit -= 9 } }
            sum += digit
        }
        return base + String((10 - sum % 10) % 10)
    }

    mutating func writeMember() throws {
        let remaining = configuration.claimCount - summary.claims
        let plan = planClaims(maximum: min(remaining, configuration.claimsPerTransaction))
        if !inTransaction || claimsInTransaction + plan.count > configuration.claimsPerTransaction {
            if inTransaction { endTransaction() }
            startTransaction()
        }
        if currentProviderHL == 0 || subscribersUnderProvider >= configuration.subscribersPerBillingProvider {
            startBillingProvider()
        }
        subscribersUnderProvider += 1
        memberCounter += 1
        let payer = random.pick(generatedPayers)
        let payerName = random.pick(payer.names)
        let filing = random.pick(payer.filingIndicators)
        let dependent = random.chance(0.2)
        let memberId = "M" + X12SegmentWriter.zeroPadded(memberCounter, 9)
        let subscriberName = (random.pick(lastNames), random.pick(firstNames))
        let city = random.pick(cities)
        let birth = LocalDate(year: random.int(1940...1995), month: random.int(1...12), day: random.int(1...28))!
        let sex = random.chance(0.55) ? "F" : "M"

        hlCounter += 1
        let subscriberHL = hlCounter
        writer.segment("HL", [String(subscriberHL), String(currentProviderHL), "22", dependent ? "1" : "0"])
        writer.segment("SBR", ["P", dependent ? "" : "18", "GRP" + String(100 + memberCounter % 900), "", "", "", "", "", filing])
        writer.segment("NM1", ["IL", "1", subscriberName.0, subscriberName.1, "", "", "", "MI", memberId])
        if !dependent {
            writer.segment("N3", ["\(10 + memberCounter % 990) OAK AVE"])
            writer.segment("N4", [city.0, city.1, city.2])
            writer.segment("DMG", ["D8", X12Values.dateText(birth), sex])
        }
        writer.segment("NM1", ["PR", "2", payerName, "", "", "", "", "PI", payer.id])
        if dependent {
            hlCounter += 1
            writer.segment("HL", [String(hlCounter), String(subscriberHL), "23", "0"])
            writer.segment("PAT", ["19"])
            writer.segment("NM1", ["QC", "1", subscriberName.0, random.pick(firstNames)])
            writer.segment("N3", ["\(10 + memberCounter % 990) OAK AVE"])
            writer.segment("N4", [city.0, city.1, city.2])
            let childBirth = LocalDate(year: random.int(1996...2008), month: random.int(1...12), day: random.int(1...28))!
            writer.segment("DMG", ["D8", X12Values.dateText(childBirth), random.chance(0.5) ? "F" : "M"])
        }
        for index in plan.indices {
            let error: InjectedError? = configuration.errorRate > 0 && random.chance(configuration.errorRate)
                ? random.pick(InjectedError.allCases) : nil
            writeClaim(plan[index], error: error)
            summary.claims += 1
            summary.claimsPerPayer[payer.payer, default: 0] += 1
            if plan[index].frequency == "7" { summary.replacements += 1 }
            if plan[index].frequency == "8" { summary.voids += 1 }
            claimsInTransaction += 1
            try writer.output.flushIfFull()
        }
    }

    mutating func nextClaimId() -> String {
        claimCounter += 1
        return "C" + X12SegmentWriter.zeroPadded(claimCounter, 8)
    }

    /// A member's claims: one to six visits weeks apart, sometimes followed by a replacement or a void of one of them.
    mutating func planClaims(maximum: Int) -> [GeneratedClaim] {
        let visits = min(maximum, random.int(1...6))
        var claims: [GeneratedClaim] = []
        var date = LocalDate(year: 2025, month: 1, day: 2)!.adding(days: random.int(0...300))
        let placeOfService = random.chance(0.85) ? "11" : "22"
        for _ in 0..<visits {
            claims.append(makeClaim(date: date, placeOfService: placeOfService))
            date = date.adding(days: random.int(7...60))
        }
        if claims.count < maximum, !claims.isEmpty, random.chance(0.15) {
            let original = claims[random.int(0...(claims.count - 1))]
            var follow = original
            follow.id = nextClaimId()
            follow.replaces = original.id
            if random.chance(0.6) {
                follow.frequency = "7"
                follow.lines = makeLines(diagnosisCount: follow.diagnoses.count)
            } else {
                follow.frequency = "8"
            }
            claims.append(follow)
        }
        return claims
    }

    mutating func makeClaim(date: LocalDate, placeOfService: String) -> GeneratedClaim {
        var diagnoses: [String] = []
        let count = random.int(1...3)
        while diagnoses.count < count {
            let code = random.chance(0.05) ? random.pick(invalidDiagnoses) : random.pick(validDiagnoses)
            if !diagnoses.contains(code) { diagnoses.append(code) }
        }
        let note: String? = random.chance(0.1) ? "TRIGGER POINTS PALPATED IN \(random.int(1...4)) MUSCLES" : nil
        return GeneratedClaim(id: nextClaimId(), frequency: "1", replaces: nil, date: date, placeOfService: placeOfService,
                              diagnoses: diagnoses, lines: makeLines(diagnosisCount: diagnoses.count), note: note)
    }

    mutating func makeLines(diagnosisCount: Int) -> [GeneratedLine] {
        let allPointers = Array(1...min(diagnosisCount, 4))
        func tpi(_ random: inout SplitMix64) -> GeneratedLine {
            let code = random.chance(0.6) ? "20552" : "20553"
            var modifiers: [String] = []
            if random.chance(0.15) { modifiers.append(random.pick(["RT", "LT", "XS", "59", "50"])) }
            return GeneratedLine(code: code, modifiers: modifiers, chargeCents: code == "20552" ? 15000 : 17500,
                                 units: random.chance(0.03) ? 2 : 1, pointers: allPointers)
        }
        var lines: [GeneratedLine] = []
        switch random.int(0...5) {
        case 0, 1:
            lines = [tpi(&random)]
        case 2:
            lines = [GeneratedLine(code: "99213", modifiers: ["25"], chargeCents: 11000, units: 1, pointers: [1]), tpi(&random)]
        case 3:
            lines = [GeneratedLine(code: "99213", modifiers: [], chargeCents: 11000, units: 1, pointers: [1]), tpi(&random)]
        case 4:
            let units = random.int(1...4)
            lines = [tpi(&random), GeneratedLine(code: "J3301", modifiers: [], chargeCents: 1250 * units, units: units, pointers: [1])]
        default:
            lines = [tpi(&random), GeneratedLine(code: "J1030", modifiers: [], chargeCents: 1875, units: 1, pointers: [1])]
        }
        for index in lines.indices where lines[index].units > 1 && lines[index].code.hasPrefix("2055") {
            lines[index].chargeCents *= lines[index].units
        }
        return lines
    }

    mutating func writeClaim(_ claim: GeneratedClaim, error: InjectedError?) {
        if error != nil { summary.claimsWithErrors.append(claim.id) }
        let total = claim.lines.reduce(0) { $0 + $1.chargeCents }
        let pos = error == .badPlaceOfService ? "1" : claim.placeOfService
        // A replacement with no reference to what it replaces (an original turned into one).
        let frequency = error == .replacementWithoutReference && claim.frequency == "1" ? "7" : claim.frequency
        writer.segment("CLM", [claim.id, X12Values.amount(error == .totalMismatch ? total + 100 : total), "", "",
                               writer.composite([pos, "B", frequency]), "Y", "A", "Y", "Y"])
        if let replaces = claim.replaces, error != .replacementWithoutReference {
            writer.segment("REF", ["F8", replaces])
        }
        if let note = claim.note { writer.segment("NTE", ["ADD", note]) }
        var hi: [String] = []
        for (index, code) in claim.diagnoses.enumerated() {
            let qualifier = index == 0 ? (error == .badDiagnosisQualifier ? "ABX" : "ABK") : "ABF"
            hi.append(writer.composite([qualifier, code]))
        }
        writer.segment("HI", hi)
        let lineWithError = random.int(0...(claim.lines.count - 1))
        for (index, line) in claim.lines.enumerated() {
            let faulty = index == lineWithError ? error : nil
            writer.segment("LX", [String(index + 1)])
            let pointers = faulty == .pointerPastDiagnoses ? [claim.diagnoses.count + 1] : line.pointers
            writer.segment("SV1", [
                writer.composite(["HC", faulty == .badProcedureCode ? "2055" : line.code] + line.modifiers),
                faulty == .chargeNotNumber ? "ABC" : X12Values.amount(line.chargeCents), "UN",
                faulty == .unitsNotNumber ? "X" : String(line.units), "", "",
                writer.composite(pointers.map(String.init)),
            ])
            if faulty != .missingServiceDate {
                writer.segment("DTP", ["472", "D8", faulty == .badServiceDate ? "20251345" : X12Values.dateText(claim.date)])
            }
        }
    }
}
