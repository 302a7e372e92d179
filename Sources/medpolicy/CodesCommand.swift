import ArgumentParser
import CodeSets
import Foundation
import Model
import Workflows

/// `medpolicy codes`: look codes up in the bundled code sets.
struct Codes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look up ICD-10-CM, CPT and HCPCS codes.",
        subcommands: [Lookup.self]
    )

    struct Lookup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show whether a code is valid and billable on a date, its description and children.",
            discussion: """
            Examples:
              medpolicy codes lookup M79.1 --date 2025-01-01
              medpolicy codes lookup M54.5 --date 2021-06-01 --format json
              medpolicy codes lookup 20553
            """
        )

        @Argument(help: "An ICD-10-CM code (dot optional), a CPT code or a HCPCS code.")
        var code: String

        @Option(help: "Date of service, YYYY-MM-DD (default: the newest code set carried).")
        var date: String?

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() throws {
            var day: LocalDate?
            if let date {
                guard let parsed = LocalDate(date) else { throw UserError("--date: expected YYYY-MM-DD, got '\(date)'") }
                day = parsed
            }
            let answer = try CodeLookup.lookUp(code, on: day, in: LoadedCodeSets.load())
            switch format {
            case .json: try printJSON(answer)
            case .text:
                let verdict = !answer.verified ? "cannot be verified" : answer.valid ? (answer.billable ? "valid, billable" : "valid, not billable (header)") : "not valid"
                print("\(answer.code) (\(answer.system)) on \(answer.date): \(verdict)")
                if let description = answer.description { print("  \(description)") }
                if !answer.children.isEmpty { print("  children: \(answer.children.joined(separator: ", "))") }
                if let note = answer.note { print("  note: \(note)") }
                if let release = answer.release { print("  release: \(release)") }
            }
        }
    }
}

/// `medpolicy muscles`: the muscle catalog used to count muscles and anatomic regions.
struct Muscles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the muscle catalog (name, region, paired, synonyms).",
        discussion: """
        Examples:
          medpolicy muscles
          medpolicy muscles --region upper_back --format json
        """
    )

    @Option(help: "Only this anatomic region (\(AnatomicRegion.allCases.map(\.rawValue).joined(separator: ", "))).")
    var region: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Entry: Encodable {
        let name: String
        let region: String
        let paired: Bool
        let synonyms: [String]
    }

    func run() throws {
        let catalog = try LoadedCodeSets.load().muscles
        var muscles = catalog.muscles
        if let region {
            guard let wanted = AnatomicRegion(rawValue: region) else {
                throw UserError("--region: unknown region '\(region)' (expected one of: \(AnatomicRegion.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            muscles = catalog.muscles(in: wanted)
        }
        let entries = muscles.map { Entry(name: $0.name, region: $0.region.rawValue, paired: $0.paired, synonyms: $0.synonyms) }
        switch format {
        case .json: try printJSON(entries)
        case .text:
            for entry in entries {
                let synonyms = entry.synonyms.isEmpty ? "" : "  (\(entry.synonyms.joined(separator: ", ")))"
                print("\(entry.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(entry.region.padding(toLength: 16, withPad: " ", startingAt: 0)) \(entry.paired ? "paired" : "midline")\(synonyms)")
            }
        }
    }
}
