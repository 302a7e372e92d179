import ArgumentParser
import Foundation
import Model
import NoteIntake

/// `medpolicy extract`: read a free-text procedure or visit note into an encounter draft.
struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read a procedure or visit note (plain text) into a Contract 1 encounter draft.",
        discussion: """
        Prints the facts found (muscles, sides, trigger points, injectate, guidance, findings with
        negation, conservative therapy, medications, prior response, pain onset, diagnoses, CPT codes),
        the note text each came from (UTF-16 offsets), and the questions the coder must settle.
        The encounter is printed only when the note (or --date) gives a date of service and a
        procedure code. Notes over 1 MiB, empty, binary or non-UTF-8 notes, and notes with no
        recognizable content (e.g. not in English) are refused with exit status 2.

        Examples:
          medpolicy extract note.txt --date 2025-03-14 --payer florida-blue
          medpolicy extract note.txt --format json
        """
    )

    @Argument(help: "The note, a UTF-8 text file, or - for standard input.")
    var file: String

    @Option(help: "The date of service (YYYY-MM-DD), when the note does not give it.")
    var date: String?

    @Option(help: "The payer id (e.g. florida-blue).")
    var payer: String?

    @Option(help: "text or json.")
    var format: OutputFormat = .text

    func run() throws {
        var dateOfService: LocalDate?
        if let date {
            guard let parsed = LocalDate(date) else { throw UserError("--date: expected YYYY-MM-DD, got '\(date)'") }
            dateOfService = parsed
        }
        let data = try readInput(file)
        let extractor: NoteExtractor
        do { extractor = try NoteExtractor.loadBundled() } catch { throw InternalError("\(error)") }
        let name = file == "-" ? "<stdin>" : file
        let extraction: NoteExtraction
        do {
            extraction = try extractor.extract(data: data, dateOfService: dateOfService, payer: payer)
        } catch {
            throw UserError("\(name): \(error)")
        }
        switch format {
        case .json: try printJSON(extraction)
        case .text: print(Self.text(extraction), terminator: "")
        }
    }

    /// A coder's reading: each fact with the words it came from, then the questions.
    static func text(_ extraction: NoteExtraction) -> String {
        var out = "Date of service: \(extraction.dateOfService?.description ?? "unknown")\n"
        out += "Procedure codes: \(extraction.procedureCodes.isEmpty ? "none" : extraction.procedureCodes.joined(separator: ", "))\n"
        out += "Diagnoses: \(extraction.diagnoses.isEmpty ? "none" : extraction.diagnoses.joined(separator: ", "))\n"
        for site in extraction.procedure?.sites ?? [] {
            out += "Site: \(site.muscle), \(site.laterality?.rawValue ?? "side unknown"), "
                + "\(site.triggerPoints.map { "\($0) trigger point(s)" } ?? "trigger points unknown")\n"
        }
        if let injectate = extraction.procedure?.injectate {
            out += "Injectate: \(injectate.isEmpty ? "none (dry needling)" : injectate.joined(separator: ", "))\n"
        }
        if let guidance = extraction.procedure?.imagingGuidance { out += "Imaging guidance: \(guidance.rawValue)\n" }
        if let findings = extraction.clinical?.findings {
            for finding in Finding.allCases {
                if let value = findings[finding] { out += "Finding: \(finding.rawValue) \(value ? "present" : "absent")\n" }
            }
        }
        for therapy in extraction.clinical?.conservativeTherapy ?? [] {
            out += "Therapy: \(therapy.type.rawValue), \(therapy.outcome?.rawValue ?? "outcome unknown")"
                + (therapy.start.map { ", from \($0)" } ?? "") + (therapy.end.map { " to \($0)" } ?? "") + "\n"
        }
        for medication in extraction.clinical?.pharmacotherapy ?? [] {
            out += "Medication: \(medication.drugClass.rawValue), \(medication.outcome?.rawValue ?? "outcome unknown")\n"
        }
        if let percent = extraction.clinical?.priorInjectionResponse?.percentPainImprovement {
            out += "Prior injection: \(percent)% pain improvement\n"
        }
        if let onset = extraction.clinical?.painOnset { out += "Pain onset: \(onset)\n" }
        out += "\nEvidence (UTF-16 offsets):\n"
        for e in extraction.evidence { out += "  \(e.fact) [\(e.start)-\(e.end)] \"\(e.text)\"\n" }
        if !extraction.questions.isEmpty {
            out += "\nQuestions for the coder:\n"
            for q in extraction.questions { out += "  - \(q)\n" }
        }
        if extraction.encounter == nil { out += "\nNo encounter draft: the note needs a date of service and a procedure code.\n" }
        return out
    }
}
