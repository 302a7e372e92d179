import CodeSets
import Foundation
import Model

/// Where one fact of the draft came from: the fact's path in the encounter and the note text.
/// Offsets are UTF-16 code units from the start of the note (as `NSString` and JavaScript count).
public struct Evidence: Codable, Equatable, Sendable {
    public var fact: String
    public var start: Int
    public var end: Int
    public var text: String
}

/// The result of reading a note: the facts found, the Contract 1 draft built from them (absent when
/// the note gives no date of service or no procedure code: Contract 1 requires both; the coder is
/// asked), the evidence for every fact, and what the coder has to settle.
public struct NoteExtraction: Codable, Sendable {
    public var encounter: Encounter?
    public var dateOfService: LocalDate?
    public var procedureCodes: [String]
    public var diagnoses: [String]
    public var procedure: Procedure?
    public var clinical: Clinical?
    public var evidence: [Evidence]
    public var questions: [String]
}

/// A note that cannot be read as a clinical note.
public enum NoteIntakeError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty, tooLarge(bytes: Int, limit: Int), binary(offset: Int), invalidUTF8, noClinicalContent

    public var description: String {
        switch self {
        case .empty: "the note is empty"
        case .tooLarge(let bytes, let limit): "the note is \(bytes) bytes; notes over \(limit) bytes are refused"
        case .binary(let offset): "the note contains binary data (NUL byte at byte \(offset)); expected plain text"
        case .invalidUTF8: "the note is not valid UTF-8 text"
        case .noClinicalContent:
            "no trigger point procedure or musculoskeletal content recognized (is the note in English?)"
        }
    }
}

/// Reads a free-text procedure or visit note into a Contract 1 encounter draft.
public struct NoteExtractor: Sendable {
    /// Notes above this size are refused (1 MiB: a long note is a few tens of kilobytes).
    public static let byteLimit = 1_048_576

    let muscles: MuscleCatalog
    let icd10: ICD10CM
    let codes: CodeTables
    let drugs: DrugTable

    public init(muscles: MuscleCatalog, icd10: ICD10CM, codes: CodeTables, drugs: DrugTable) {
        self.muscles = muscles; self.icd10 = icd10; self.codes = codes; self.drugs = drugs
    }

    public static func loadBundled() throws -> NoteExtractor {
        try NoteExtractor(muscles: MuscleCatalog.loadBundled(), icd10: ICD10CM.loadBundled(), codes: CodeTables.loadBundled(),
                      drugs: DrugTable.loadBundled())
    }

    /// Checks the bytes (size, NUL, UTF-8) and reads them as a note.
    public func extract(data: Data, dateOfService: LocalDate? = nil, payer: String? = nil) throws(NoteIntakeError) -> NoteExtraction {
        if data.count > Self.byteLimit { throw .tooLarge(bytes: data.count, limit: Self.byteLimit) }
        if let nul = data.firstIndex(of: 0) { throw .binary(offset: nul - data.startIndex) }
        guard let text = String(data: data, encoding: .utf8) else { throw .invalidUTF8 }
        return try extract(note: text, dateOfService: dateOfService, payer: payer)
    }

    /// Reads `note`; `dateOfService` and `payer` given by the coder win over what the note says.
    public func extract(note: String, dateOfService: LocalDate? = nil, payer: String? = nil) throws(NoteIntakeError) -> NoteExtraction {
        if note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .empty }
        if note.utf8.count > Self.byteLimit { throw .tooLarge(bytes: note.utf8.count, limit: Self.byteLimit) }
        var reading = NoteReading(note: note, extractor: self)
        reading.run(dateOfService: dateOfService, payer: payer)
        guard reading.clinicalContent else { throw .noClinicalContent }
        return reading.result()
    }
}
