import Model

/// One 837P claim read from an interchange: the `Encounter` the engine decides, plus what the
/// X12 carries that an encounter has no place for (payer as billed, SBR09, notes, amounts in
/// cents, names, the segment where the claim starts). The 835 writer echoes these back.
public struct ParsedClaim: Equatable, Sendable {
    /// The encounter (Contract 1). Only what the 837 says: no procedure or clinical facts.
    public var encounter: Encounter
    /// The payer as the 837 names it (2010BB NM1*PR).
    public var payer: BilledPayer
    /// SBR09 claim filing indicator code of the subscriber (`CI`, `MB`, `16`, …).
    public var claimFilingIndicator: String
    /// SBR01 of the subscriber: the payer's place on the claim (`P` primary, `S` secondary, `T` tertiary, …).
    public var payerResponsibility: String
    /// NTE02 texts of the claim, in order.
    public var notes: [String]
    /// Segment number (1-based from ISA) of the claim's CLM segment.
    public var segmentNumber: Int
    /// CLM02 in cents.
    public var totalChargeCents: Int
    /// CLM05-1: facility code (place of service) as billed.
    public var facilityCode: String
    /// CLM05-3: claim frequency type code as billed (`1`, `7`, `8`).
    public var frequencyCode: String
    /// The service lines with what the 835 echoes (qualifier, charge in cents, dates).
    public var lines: [ParsedServiceLine]
    /// The patient's name (2010CA when there is a 2000C loop, else the subscriber's 2010BA name).
    public var patientName: PersonName
    /// The subscriber's name (2010BA).
    public var subscriberName: PersonName
    /// The subscriber's member id (2010BA NM109), which the 835 echoes in NM1*IL (or NM1*QC when
    /// the patient is the subscriber). `encounter.member.id` is the patient's key instead.
    public var subscriberMemberId: String
    /// The patient's own member id from the payer (2010CA REF*1W), when the 837 carries one.
    public var patientMemberId: String?
    /// Whether the claim sits under a 2000C patient loop: the patient is a dependent, not the subscriber.
    public var patientIsDependent: Bool
    /// The billing provider (2010AA).
    public var billingProvider: BillingProvider
    /// Other payers of a coordination-of-benefits claim (2330B NM1*PR names), in order.
    public var otherPayers: [BilledPayer]
    /// ST02 of the transaction the claim came in.
    public var transactionControlNumber: String

    public init(encounter: Encounter, payer: BilledPayer, claimFilingIndicator: String, payerResponsibility: String = "P", notes: [String],
                segmentNumber: Int, totalChargeCents: Int, facilityCode: String, frequencyCode: String,
                lines: [ParsedServiceLine], patientName: PersonName, subscriberName: PersonName,
                billingProvider: BillingProvider, otherPayers: [BilledPayer] = [], transactionControlNumber: String = "",
                subscriberMemberId: String? = nil, patientMemberId: String? = nil, patientIsDependent: Bool = false) {
        self.encounter = encounter; self.payer = payer; self.claimFilingIndicator = claimFilingIndicator
        self.payerResponsibility = payerResponsibility
        self.notes = notes; self.segmentNumber = segmentNumber; self.totalChargeCents = totalChargeCents
        self.facilityCode = facilityCode; self.frequencyCode = frequencyCode; self.lines = lines
        self.patientName = patientName; self.subscriberName = subscriberName
        self.billingProvider = billingProvider; self.otherPayers = otherPayers
        self.transactionControlNumber = transactionControlNumber
        self.subscriberMemberId = subscriberMemberId ?? encounter.member.id
        self.patientMemberId = patientMemberId; self.patientIsDependent = patientIsDependent
    }
}

/// A payer as an 837 names it in NM1*PR (NM103 name, NM109 id).
public struct BilledPayer: Equatable, Hashable, Sendable {
    public var name: String
    public var id: String
    public init(name: String, id: String) { self.name = name; self.id = id }
}

/// A person's name as NM1 carries it (NM103 last, NM104 first).
public struct PersonName: Equatable, Hashable, Sendable {
    public var last: String
    public var first: String
    public init(last: String, first: String) { self.last = last; self.first = first }
}

/// The billing provider of 2010AA (NM1*85): name, NPI (NM109) and the state of its address (N4-02).
public struct BillingProvider: Equatable, Hashable, Sendable {
    public var name: String
    public var npi: String
    /// Two letters, upper-cased; nil when N4-02 is empty (an address outside the US) or absent.
    public var state: String?
    public init(name: String, npi: String, state: String? = nil) { self.name = name; self.npi = npi; self.state = state }
}

/// One SV1 service line with the values an 835 echoes back.
public struct ParsedServiceLine: Equatable, Sendable {
    /// LX01.
    public var lineNumber: Int
    /// SV101-1: product/service id qualifier (`HC` for CPT/HCPCS).
    public var qualifier: String
    public var code: String
    public var modifiers: [String]
    /// SV102 in cents.
    public var chargeCents: Int
    /// SV103 unit basis (`UN` units, `MJ` minutes).
    public var unitBasis: String
    /// SV104.
    public var units: Int
    /// SV107 pointers (1-based into the claim's diagnoses).
    public var diagnosisPointers: [Int]
    /// DTP*472: the date of service (first date of an RD8 range).
    public var serviceDate: LocalDate
    /// The last date of an RD8 range (the same as `serviceDate` for D8).
    public var serviceDateThrough: LocalDate
    /// SV105 when given (overrides CLM05-1 for the line).
    public var placeOfService: String?

    public init(lineNumber: Int, qualifier: String, code: String, modifiers: [String], chargeCents: Int,
                unitBasis: String, units: Int, diagnosisPointers: [Int], serviceDate: LocalDate,
                serviceDateThrough: LocalDate? = nil, placeOfService: String? = nil) {
        self.lineNumber = lineNumber; self.qualifier = qualifier; self.code = code; self.modifiers = modifiers
        self.chargeCents = chargeCents; self.unitBasis = unitBasis; self.units = units
        self.diagnosisPointers = diagnosisPointers; self.serviceDate = serviceDate
        self.serviceDateThrough = serviceDateThrough ?? serviceDate; self.placeOfService = placeOfService
    }
}
