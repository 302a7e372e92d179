import Foundation
import Model

// MARK: - Errors and the TSV reader shared by every small table

/// A table file that cannot be read, with the place: `file:line: message`.
public struct CodeTableError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public let file: String
    /// 1-based line number; `nil` when the problem is the file as a whole (e.g. a missing resource).
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file; self.line = line; self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }

    public var errorDescription: String? { description }
}

/// One data row of a tab-separated table: its fields and where it came from.
public struct TSVRow: Equatable, Sendable {
    public let file: String
    public let line: Int
    /// Fields split on tabs, each trimmed of surrounding spaces; empty fields are kept.
    public let fields: [String]

    /// An error located at this row.
    public func error(_ message: String) -> CodeTableError {
        CodeTableError(file: file, line: line, message: message)
    }

    /// Checks the number of fields; a row written with spaces instead of tabs fails here.
    public func expectFields(_ range: ClosedRange<Int>, _ columns: String) throws {
        guard range.contains(fields.count) else {
            let expected = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw error("expected \(expected) tab-separated fields (\(columns)), found \(fields.count)")
        }
    }

    /// The field at `index`, or "" when the row is shorter.
    public subscript(index: Int) -> String { index < fields.count ? fields[index] : "" }

    /// The field at `index`, which must not be empty.
    public func required(_ index: Int, _ column: String) throws -> String {
        let value = self[index]
        guard !value.isEmpty else { throw error("empty \(column)") }
        return value
    }
}

/// The format of the small data files in `Resources/`: UTF-8, one row a line, fields separated by tabs,
/// blank lines and lines starting with `#` ignored, `\r\n` accepted.
public enum TSV {
    public static func parse(_ text: String, file: String) -> [TSVRow] {
        var rows: [TSVRow] = []
        // "\r\n" is one Character in Swift, so splitting on newline characters handles both line ends.
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            rows.append(TSVRow(file: file, line: offset + 1, fields: fields))
        }
        return rows
    }

    /// Reads a resource file copied with the `Resources` folder of this module.
    static func resource(_ name: String, _ ext: String = "tsv") throws -> String {
        let file = "\(name).\(ext)"
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources") else {
            throw CodeTableError(file: file, line: nil, message: "resource not found in the CodeSets bundle")
        }
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw CodeTableError(file: file, line: nil, message: "cannot be read: \(error.localizedDescription)")
        }
    }
}

/// Splits a `"; "`-separated list field; empty items are dropped.
func listField(_ value: String) -> [String] {
    value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

// MARK: - Procedure codes

public enum ProcedureCategory: String, Sendable, CaseIterable {
    case triggerPointInjection = "trigger_point_injection"
    case dryNeedling = "dry_needling"
    case imagingGuidance = "imaging_guidance"
    case acupuncture
    case prolotherapy
    case evaluationAndManagement = "evaluation_and_management"
    case drug
    case tendonInjection = "tendon_injection"
}

public enum CodeSystem: String, Sendable {
    case icd10cm, cpt, hcpcs
}

/// Where a procedure code's descriptor text comes from.
public enum DescriptorSource: Sendable, Hashable, CustomStringConvertible {
    /// The CPT descriptor as a seed document quotes it (`seed("000")` for `000_4343e11a9d1ffd15.txt`).
    case seed(String)
    /// The CMS HCPCS Level II descriptor.
    case hcpcs
    /// A project-written summary, not the official descriptor (CPT text is AMA copyright).
    case summary

    /// Whether the text is an official descriptor (as quoted), rather than a project summary.
    public var isOfficialText: Bool { self != .summary }

    public var description: String {
        switch self {
        case .seed(let document): return "seed:\(document)"
        case .hcpcs: return "hcpcs"
        case .summary: return "summary"
        }
    }
}

public struct ProcedureCode: Sendable, Hashable {
    public let code: String
    public let system: CodeSystem
    public let descriptor: String
    public let category: ProcedureCategory
    public let descriptorSource: DescriptorSource

    public init(code: String, system: CodeSystem, descriptor: String, category: ProcedureCategory,
                descriptorSource: DescriptorSource = .summary) {
        self.code = code; self.system = system; self.descriptor = descriptor
        self.category = category; self.descriptorSource = descriptorSource
    }
}

// MARK: - Other code tables

/// A procedure code modifier (CPT or HCPCS Level II).
public struct ProcedureModifier: Sendable, Hashable {
    public let code: String
    public let system: CodeSystem
    public let description: String
}

/// A claim adjustment reason code (CARC) or remittance advice remark code (RARC).
public struct RemittanceCode: Sendable, Hashable {
    public let code: String
    /// The first sentence of X12's description, what a coder reads on the remit.
    public let text: String
    /// The rest of X12's description (usage notes); empty when there is none.
    public let rest: String

    /// X12's full description.
    public var fullText: String { rest.isEmpty ? text : "\(text) \(rest)" }

    /// Whether X12's usage note for this CARC requires a remark code with it ("At least one Remark
    /// Code must be provided", as for 16, 96, 234 and 252).
    public var requiresRemark: Bool { fullText.contains("At least one Remark Code must be provided") }

    /// The claim adjustment group code the CARC goes out under in an 835 `CAS`: the one X12's usage
    /// note prescribes ("Use only with Group Code OA", as for 18 and 133), else CO (contractual
    /// obligation: the provider may not bill the member for a denied service).
    public var groupCode: String {
        guard let range = fullText.range(of: "Use only with Group Code ") else { return "CO" }
        return String(fullText[range.upperBound...].prefix(2))
    }
}

/// A document a payer may request, by LOINC code (seed 000's documentation table).
public struct DocumentType: Sendable, Hashable {
    public let loinc: String
    public let name: String
    /// The encounter documentation element this document stands for.
    public let element: DocumentationElement?

    public init(loinc: String, name: String, element: DocumentationElement?) {
        self.loinc = loinc; self.name = name; self.element = element
    }
}

/// A CMS place-of-service code.
public struct PlaceOfService: Sendable, Hashable {
    public let code: String
    public let name: String
}

// MARK: - The tables

/// The small code tables policies and the engine use: procedure codes, modifiers, CARC/RARC, LOINC
/// documents, places of service. Read once (``loadBundled()``), then shared freely.
///
/// A class: every line of every decision looks up its category here, and through a struct each
/// lookup retained and released the tables it read.
public final class CodeTables: Sendable {
    public static let procedureCodesFile = "procedure-codes.tsv"
    public static let modifiersFile = "modifiers.tsv"
    public static let carcFile = "carc.tsv"
    public static let rarcFile = "rarc.tsv"
    public static let documentsFile = "loinc-documents.tsv"
    public static let placesOfServiceFile = "place-of-service.tsv"

    /// Every procedure code, in file order.
    public let procedures: [ProcedureCode]
    /// Every LOINC document type, in file order.
    public let documents: [DocumentType]
    public let modifiers: [ProcedureModifier]
    public let placesOfService: [PlaceOfService]
    public let carcCodes: [RemittanceCode]
    public let rarcCodes: [RemittanceCode]

    private let proceduresByCode: [String: ProcedureCode]
    private let modifiersByCode: [String: ProcedureModifier]
    private let carcByCode: [String: RemittanceCode]
    private let rarcByCode: [String: RemittanceCode]
    private let documentsByLoinc: [String: DocumentType]
    private let documentsByElement: [DocumentationElement: DocumentType]
    private let placesByCode: [String: String]
    private let timeFrameLoinc: String
    private let timeFrameNarrative: String

    /// Parses the tables bundled with this module (`Resources/*.tsv`).
    public static func loadBundled() throws -> CodeTables {
        try CodeTables(
            procedureCodes: TSV.resource("procedure-codes"),
            modifiers: TSV.resource("modifiers"),
            carc: TSV.resource("carc"),
            rarc: TSV.resource("rarc"),
            loincDocuments: TSV.resource("loinc-documents"),
            placesOfService: TSV.resource("place-of-service"))
    }

    /// Parses tables from their text (in the formats of the bundled files, described in their headers).
    public init(procedureCodes: String, modifiers: String, carc: String, rarc: String,
                loincDocuments: String, placesOfService: String) throws {
        procedures = try Self.parseProcedureCodes(procedureCodes)
        self.modifiers = try Self.parseModifiers(modifiers)
        carcCodes = try Self.parseRemittanceCodes(carc, file: Self.carcFile, allowsRest: true)
        rarcCodes = try Self.parseRemittanceCodes(rarc, file: Self.rarcFile, allowsRest: false)
        let (documents, timeFrame) = try Self.parseDocuments(loincDocuments)
        self.documents = documents
        self.placesOfService = try Self.parsePlacesOfService(placesOfService)

        proceduresByCode = Dictionary(procedures.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        modifiersByCode = Dictionary(uniqueKeysWithValues: self.modifiers.map { ($0.code, $0) })
        carcByCode = Dictionary(uniqueKeysWithValues: carcCodes.map { ($0.code, $0) })
        rarcByCode = Dictionary(uniqueKeysWithValues: rarcCodes.map { ($0.code, $0) })
        documentsByLoinc = Dictionary(uniqueKeysWithValues: documents.map { ($0.loinc, $0) })
        documentsByElement = Dictionary(uniqueKeysWithValues: documents.compactMap { doc in doc.element.map { ($0, doc) } })
        placesByCode = Dictionary(uniqueKeysWithValues: self.placesOfService.map { ($0.code, $0.name) })
        timeFrameLoinc = timeFrame.loinc
        timeFrameNarrative = timeFrame.narrative
    }

    // MARK: Lookups

    /// A procedure code (`"20552"`, `"m0076"`); case and surrounding space are ignored.
    public func procedure(_ code: String) -> ProcedureCode? {
        proceduresByCode[code] ?? proceduresByCode[Self.normalizeCode(code)]
    }

    /// The category of a procedure code.
    public func category(of code: String) -> ProcedureCategory? { procedure(code)?.category }

    /// The codes of a category, in file order.
    public func codes(in category: ProcedureCategory) -> [ProcedureCode] {
        procedures.filter { $0.category == category }
    }

    /// A modifier's description (`"25"`, `"-59"`, `"xs"`).
    public func modifier(_ code: String) -> String? {
        modifierInfo(code)?.description
    }

    public func modifierInfo(_ code: String) -> ProcedureModifier? {
        var key = Self.normalizeCode(code)
        if key.hasPrefix("-") { key.removeFirst() }
        return modifiersByCode[key]
    }

    /// A CARC's official short text (the first sentence of X12's description). Accepts a group-code
    /// prefix (`"CO-151"`).
    public func carc(_ code: String) -> String? {
        carcCode(code)?.text
    }

    public func carcCode(_ code: String) -> RemittanceCode? {
        carcByCode[Self.stripGroupCode(Self.normalizeCode(code))]
    }

    /// A RARC's official text.
    public func rarc(_ code: String) -> String? {
        rarcCode(code)?.text
    }

    public func rarcCode(_ code: String) -> RemittanceCode? {
        rarcByCode[Self.normalizeCode(code)]
    }

    /// The LOINC document that stands for a documentation element, if the payer table has one.
    public func document(for element: DocumentationElement) -> DocumentType? {
        documentsByElement[element]
    }

    public func document(loinc: String) -> DocumentType? {
        documentsByLoinc[loinc.trimmingCharacters(in: .whitespaces)]
    }

    /// LOINC time frame modifier 18805-2 ("six months or fewer before the date of service").
    public var timeFrameSixMonths: (loinc: String, narrative: String) {
        (timeFrameLoinc, timeFrameNarrative)
    }

    /// A place-of-service name (`"11"` → "Office"); a one-digit code is read as `0n`.
    public func placeOfService(_ code: String) -> String? {
        var key = code.trimmingCharacters(in: .whitespaces)
        if key.count == 1 { key = "0" + key }
        return placesByCode[key]
    }

    // MARK: Parsers (each takes the text and the file name used in error messages)

    public static func parseProcedureCodes(_ text: String, file: String = procedureCodesFile) throws -> [ProcedureCode] {
        var seen: [String: Int] = [:]
        return try TSV.parse(text, file: file).map { row in
            try row.expectFields(5...5, "code, system, category, source, descriptor")
            let code = normalizeCode(try row.required(0, "code"))
            guard let system = CodeSystem(rawValue: try row.required(1, "system")), system != .icd10cm else {
                throw row.error("unknown system \"\(row[1])\" (expected cpt or hcpcs)")
            }
            guard let category = ProcedureCategory(rawValue: try row.required(2, "category")) else {
                let known = ProcedureCategory.allCases.map(\.rawValue).joined(separator: ", ")
                throw row.error("unknown category \"\(row[2])\" (expected one of: \(known))")
            }
            let source = try parseDescriptorSource(try row.required(3, "source"), row: row)
            let descriptor = try row.required(4, "descriptor")
            let shapeOK = system == .cpt
                ? code.count == 5 && code.allSatisfy(\.isASCII) && code.allSatisfy { $0.isNumber || $0.isLetter }
                : code.count == 5 && code.first!.isLetter && code.dropFirst().allSatisfy(\.isNumber)
            guard shapeOK else { throw row.error("\"\(code)\" is not a \(system.rawValue.uppercased()) code") }
            try checkUnique(code, row: row, seen: &seen)
            return ProcedureCode(code: code, system: system, descriptor: descriptor, category: category,
                                 descriptorSource: source)
        }
    }

    private static func parseDescriptorSource(_ value: String, row: TSVRow) throws -> DescriptorSource {
        switch value {
        case "hcpcs": return .hcpcs
        case "summary": return .summary
        default:
            if value.hasPrefix("seed:"), value.count > 5 { return .seed(String(value.dropFirst(5))) }
            throw row.error("unknown source \"\(value)\" (expected seed:NNN, hcpcs or summary)")
        }
    }

    public static func parseModifiers(_ text: String, file: String = modifiersFile) throws -> [ProcedureModifier] {
        var seen: [String: Int] = [:]
        return try TSV.parse(text, file: file).map { row in
            try row.expectFields(3...3, "modifier, system, description")
            let code = normalizeCode(try row.required(0, "modifier"))
            guard code.count == 2, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw row.error("\"\(code)\" is not a two-character modifier")
            }
            guard let system = CodeSystem(rawValue: try row.required(1, "system")), system != .icd10cm else {
                throw row.error("unknown system \"\(row[1])\" (expected cpt or hcpcs)")
            }
            let description = try row.required(2, "description")
            try checkUnique(code, row: row, seen: &seen)
            return ProcedureModifier(code: code, system: system, description: description)
        }
    }

    /// CARC rows are `code, text[, rest]`; RARC rows `code, text`.
    public static func parseRemittanceCodes(_ text: String, file: String, allowsRest: Bool) throws -> [RemittanceCode] {
        var seen: [String: Int] = [:]
        return try TSV.parse(text, file: file).map { row in
            if allowsRest {
                try row.expectFields(2...3, "code, text, rest")
            } else {
                try row.expectFields(2...2, "code, text")
            }
            let code = normalizeCode(try row.required(0, "code"))
            guard code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw row.error("\"\(code)\" is not a remittance code")
            }
            let text = try row.required(1, "text")
            try checkUnique(code, row: row, seen: &seen)
            return RemittanceCode(code: code, text: text, rest: row[2])
        }
    }

    /// `document` rows (`loinc, name, element`) and exactly one `time-frame` row (`loinc, narrative`).
    public static func parseDocuments(_ text: String, file: String = documentsFile) throws
        -> (documents: [DocumentType], timeFrame: (loinc: String, narrative: String)) {
        var documents: [DocumentType] = []
        var timeFrame: (loinc: String, narrative: String)?
        var seenLoinc: [String: Int] = [:]
        var seenElement: [DocumentationElement: Int] = [:]
        for row in TSV.parse(text, file: file) {
            switch row[0] {
            case "document":
                try row.expectFields(4...4, "document, loinc, name, element")
                let loinc = try checkedLoinc(try row.required(1, "loinc"), row: row)
                let name = try row.required(2, "name")
                let elementName = try row.required(3, "element")
                guard let element = DocumentationElement(rawValue: elementName) else {
                    let known = DocumentationElement.allCases.map(\.rawValue).joined(separator: ", ")
                    throw row.error("unknown documentation element \"\(elementName)\" (expected one of: \(known))")
                }
                try checkUnique(loinc, row: row, seen: &seenLoinc)
                if let first = seenElement[element] {
                    throw row.error("element \(element.rawValue) already mapped on line \(first)")
                }
                seenElement[element] = row.line
                documents.append(DocumentType(loinc: loinc, name: name, element: element))
            case "time-frame":
                try row.expectFields(3...3, "time-frame, loinc, narrative")
                guard timeFrame == nil else { throw row.error("a second time-frame row") }
                timeFrame = (try checkedLoinc(try row.required(1, "loinc"), row: row), try row.required(2, "narrative"))
            default:
                throw row.error("unknown row kind \"\(row[0])\" (expected document or time-frame)")
            }
        }
        guard let timeFrame else {
            throw CodeTableError(file: file, line: nil, message: "no time-frame row")
        }
        return (documents, timeFrame)
    }

    public static func parsePlacesOfService(_ text: String, file: String = placesOfServiceFile) throws -> [PlaceOfService] {
        var seen: [String: Int] = [:]
        return try TSV.parse(text, file: file).map { row in
            try row.expectFields(2...2, "code, name")
            let code = try row.required(0, "code")
            guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw row.error("\"\(code)\" is not a two-digit place-of-service code")
            }
            let name = try row.required(1, "name")
            try checkUnique(code, row: row, seen: &seen)
            return PlaceOfService(code: code, name: name)
        }
    }

    // MARK: Helpers

    static func normalizeCode(_ code: String) -> String {
        code.trimmingCharacters(in: .whitespaces).uppercased()
    }

    /// `CO-151` → `151` (X12 claim adjustment group codes CO, CR, OA, PI, PR).
    static func stripGroupCode(_ code: String) -> String {
        for group in ["CO", "CR", "OA", "PI", "PR"] {
            for separator in ["-", " "] where code.hasPrefix(group + separator) {
                return String(code.dropFirst(group.count + 1)).trimmingCharacters(in: .whitespaces)
            }
        }
        return code
    }

    private static func checkedLoinc(_ value: String, row: TSVRow) throws -> String {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].count == 1,
              (parts[0] + parts[1]).allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw row.error("\"\(value)\" is not a LOINC code (digits, hyphen, check digit)")
        }
        let expected = loincCheckDigit(String(parts[0]))
        guard String(parts[1]) == String(expected) else {
            throw row.error("\"\(value)\" has a wrong LOINC check digit (expected \(expected))")
        }
        return value
    }

    /// LOINC's Mod 10 check digit: the digits in odd positions from the right, read as a number and
    /// doubled, written after the digits in even positions; the check digit brings their digit sum to a
    /// multiple of 10.
    static func loincCheckDigit(_ digits: String) -> Int {
        let fromRight = digits.reversed().map { String($0) }
        let odd = stride(from: 0, to: fromRight.count, by: 2).map { fromRight[$0] }.joined()
        let even = stride(from: 1, to: fromRight.count, by: 2).map { fromRight[$0] }.joined()
        let doubled = String((Int(odd) ?? 0) * 2)
        let sum = (even + doubled).compactMap(\.wholeNumberValue).reduce(0, +)
        return (10 - sum % 10) % 10
    }

    private static func checkUnique<Key: Hashable>(_ key: Key, row: TSVRow, seen: inout [Key: Int]) throws {
        if let first = seen[key] { throw row.error("duplicate \(key), first on line \(first)") }
        seen[key] = row.line
    }
}
