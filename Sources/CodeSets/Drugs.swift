import Foundation
import Model

/// Medication names (generic and brand, `Resources/drugs.tsv`) and the policy drug class of each.
public struct DrugTable: Sendable {
    public static let file = "drugs.tsv"
    /// Lower-case name → class.
    public let classes: [String: DrugClass]

    public static func loadBundled() throws -> DrugTable {
        try DrugTable(tsv: TSV.resource("drugs"), file: file)
    }

    /// Parses rows of `name<TAB>class`, the class a `DrugClass` raw value.
    public init(tsv text: String, file: String = DrugTable.file) throws {
        var classes: [String: DrugClass] = [:]
        for row in TSV.parse(text, file: file) {
            try row.expectFields(2...2, "name, class")
            let name = try row.required(0, "name").lowercased()
            guard let drugClass = DrugClass(rawValue: row[1]) else {
                throw row.error("unknown class \"\(row[1])\" (expected one of: \(DrugClass.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if classes[name] != nil { throw row.error("\"\(name)\" is listed twice") }
            classes[name] = drugClass
        }
        self.classes = classes
    }

    /// The class of a medication name, ignoring case; `nil` when not in the table.
    public func drugClass(of name: String) -> DrugClass? { classes[name.lowercased()] }
}
