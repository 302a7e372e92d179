import Foundation
import Model

/// What an 837P needs that an encounter (Contract 1) does not carry: the parties around the claim.
/// The defaults are placeholders, marked as such, for a practice's billing system to replace.
public struct Encounter837Settings: Sendable {
    public var submitterId = "MEDPOLICY"
    public var submitterName = "MEDPOLICY WORKBENCH"
    public var receiverId = "MPRECEIVER"
    public var billingProviderName = "BILLING PROVIDER (PLACEHOLDER)"
    /// CMS's example NPI: a valid check digit, no real provider.
    public var billingProviderNPI = "1234567893"
    public var billingProviderTaxId = "591234567"
    public var billingProviderAddress = ("100 MAIN ST", "MIAMI", "FL", "331011234")
    /// The encounter has no names or address of the member: written as placeholders.
    public var patientName = PersonName(last: "PATIENT", first: "PLACEHOLDER")
    public var patientAddress = ("1 PLACEHOLDER ST", "MIAMI", "FL", "331011234")
    /// ISA13 and GS06.
    public var controlNumber = 1
    /// ISA15: `T` test, `P` production.
    public var usage = "T"
    public var payers: PayerDirectory = .standard

    public init() {}
}

/// Writes one encounter as a 837P (005010X222A1) interchange: what an 837 can carry of Contract 1
/// (claim id, frequency and the claim it replaces, member id, birth date and sex, payer and line of
/// business through SBR09, date and place of service, diagnoses, lines with modifiers, units,
/// pointers and charges). Procedure, clinical facts and history have no place in an 837 and are not
/// written. `X12Reader837` reads the result back to the same encounter fields.
public struct Encounter837Writer {
    public let settings: Encounter837Settings

    public init(settings: Encounter837Settings = Encounter837Settings()) { self.settings = settings }

    /// The interchange, or every reason the encounter cannot be written (located by JSON path).
    public func bytes(for encounter: Encounter, creationDate: LocalDate) throws(InputErrors) -> [UInt8] {
        let filing = try filingIndicator(for: encounter)
        let payerId = settings.payers.billingIds[encounter.coverage.payer]
        var errors: [LocatedError] = []
        if payerId == nil {
            errors.append(LocatedError(path: "coverage.payer", message: "no payer id is known for '\(encounter.coverage.payer)' (payers.tsv)"))
        }
        let diagnoses = encounter.diagnosisList.map { $0.replacingOccurrences(of: ".", with: "") }
        if diagnoses.isEmpty { errors.append(LocatedError(path: "diagnoses", message: "an 837P claim needs at least one diagnosis")) }
        if diagnoses.count > 12 { errors.append(LocatedError(path: "diagnoses", message: "an 837P claim carries at most 12 diagnoses")) }
        if encounter.lines.count > 50 { errors.append(LocatedError(path: "lines", message: "an 837P claim carries at most 50 lines")) }
        for (index, line) in encounter.lines.enumerated() {
            if line.modifierList.count > 4 { errors.append(LocatedError(path: "lines[\(index)].modifiers", message: "an 837P line carries at most four modifiers")) }
            if let pointers = line.diagnosisPointers, pointers.count > 4 {
                errors.append(LocatedError(path: "lines[\(index)].diagnosisPointers", message: "an 837P line carries at most four diagnosis pointers"))
            }
            if let pointers = line.diagnosisPointers, pointers.contains(where: { $0 < 1 || $0 > diagnoses.count }) {
                errors.append(LocatedError(path: "lines[\(index)].diagnosisPointers", message: "a pointer points past the claim's \(diagnoses.count) diagnoses"))
            }
            if let charge = line.charge, charge < 0 { errors.append(LocatedError(path: "lines[\(index)].charge", message: "a charge cannot be negative")) }
        }
        if encounter.effectiveFrequency != .original, encounter.replaces == nil {
            errors.append(LocatedError(path: "replaces", message: "a \(encounter.effectiveFrequency.rawValue) claim must name the claim it replaces"))
        }
        if encounter.id.utf8.count > 38 { errors.append(LocatedError(path: "id", message: "an 837P claim id has at most 38 characters")) }
        guard errors.isEmpty, let payerId else { throw InputErrors(errors) }

        let output = X12Output()
        var writer = X12SegmentWriter(output: output)
        let date = X12Values.dateText(creationDate)
        let control = settings.controlNumber
        writer.interchangeHeader(sender: settings.submitterId, receiver: settings.receiverId, date: String(date.dropFirst(2)),
                                 time: "1200", controlNumber: control, usage: settings.usage)
        writer.segment("GS", ["HC", settings.submitterId, settings.receiverId, date, "1200", String(control), "X", "005010X222A1"])
        writer.startCount()
        writer.segment("ST", ["837", "0001", "005010X222A1"])
        writer.segment("BHT", ["0019", "00", encounter.id, date, "1200", "CH"])
        writer.segment("NM1", ["41", "2", settings.submitterName, "", "", "", "", "46", settings.submitterId])
        writer.segment("PER", ["IC", "BILLING OFFICE", "TE", "3055550100"])
        writer.segment("NM1", ["40", "2", settings.payers.displayName(for: encounter.coverage.payer), "", "", "", "", "46", settings.receiverId])
        // 2000A billing provider
        writer.segment("HL", ["1", "", "20", "1"])
        writer.segment("NM1", ["85", "2", settings.billingProviderName, "", "", "", "", "XX", settings.billingProviderNPI])
        let provider = settings.billingProviderAddress
        writer.segment("N3", [provider.0])
        // The encounter's provider state, when it names one, so that the 837 selects the same LCD.
        writer.segment("N4", [provider.1, encounter.coverage.providerState ?? provider.2, provider.3])
        writer.segment("REF", ["EI", settings.billingProviderTaxId])
        // 2000B subscriber, who is the patient (the encounter knows one member)
        writer.segment("HL", ["2", "1", "22", "0"])
        writer.segment("SBR", ["P", "18", "", "", "", "", "", "", filing])
        writer.segment("NM1", ["IL", "1", settings.patientName.last, settings.patientName.first, "", "", "", "MI", encounter.member.id])
        let patient = settings.patientAddress
        writer.segment("N3", [patient.0])
        writer.segment("N4", [patient.1, patient.2, patient.3])
        if let birthDate = encounter.member.birthDate {
            // DMG03 is required with DMG: an unknown sex is written U.
            writer.segment("DMG", ["D8", X12Values.dateText(birthDate), (encounter.member.sex ?? .U).rawValue])
        }
        writer.segment("NM1", ["PR", "2", settings.payers.displayName(for: encounter.coverage.payer), "", "", "", "", "PI", payerId])
        // 2300 claim
        let charges = encounter.lines.map { Int((($0.charge ?? 0) * 100).rounded()) }
        let frequency = switch encounter.effectiveFrequency {
        case .original: "1"
        case .replacement: "7"
        case .void: "8"
        }
        writer.segment("CLM", [encounter.id, X12Values.amount(charges.reduce(0, +)), "", "",
                               writer.composite([encounter.placeOfService ?? "11", "B", frequency]), "Y", "A", "Y", "Y"])
        // 2300 REF*G1 (prior authorization) comes before REF*F8 in the implementation guide's order.
        if let number = encounter.priorAuthorization {
            writer.segment("REF", ["G1", number])
        }
        if encounter.effectiveFrequency != .original, let replaces = encounter.replaces {
            writer.segment("REF", ["F8", replaces])
        }
        writer.segment("HI", diagnoses.enumerated().map { writer.composite([$0.offset == 0 ? "ABK" : "ABF", $0.element]) })
        let allPointers = Array(1...min(diagnoses.count, 4))
        for (index, line) in encounter.lines.enumerated() {
            writer.segment("LX", [String(index + 1)])
            writer.segment("SV1", [
                writer.composite(["HC", line.code] + line.modifierList), X12Values.amount(charges[index]), "UN",
                String(line.effectiveUnits), "", "", writer.composite((line.diagnosisPointers ?? allPointers).map(String.init)),
            ])
            writer.segment("DTP", ["472", "D8", X12Values.dateText(encounter.dateOfService)])
        }
        writer.segment("SE", [String(writer.counted + 1), "0001"])
        writer.segment("GE", ["1", String(control)])
        writer.segment("IEA", ["1", X12SegmentWriter.zeroPadded(control, 9)])
        return output.bytes
    }

    /// SBR09 for the line of business: the inverse of `ClaimFilingIndicator.lineOfBusiness`.
    private func filingIndicator(for encounter: Encounter) throws(InputErrors) -> String {
        switch encounter.coverage.effectiveLineOfBusiness {
        case .commercial: return encounter.coverage.payer == "florida-blue" ? "BL" : "CI"
        case .medicare: return "MB"
        case .medicareAdvantage: return "16"
        case .medicaid: return "MC"
        case .fep: return "FI"
        case .sao, .exchange:
            throw InputErrors([LocatedError(path: "coverage.lineOfBusiness",
                                            message: "no 837P claim filing indicator (SBR09) stands for '\(encounter.coverage.effectiveLineOfBusiness.rawValue)'")])
        }
    }
}
