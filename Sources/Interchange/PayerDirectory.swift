import Foundation

/// Maps payers as 837 files name them (NM1*PR NM103 name, NM109 id) to medpolicy payer ids
/// (`florida-blue`, `harvard-pilgrim`, `truecare`, `aetna`, `medicare`).
///
/// The standard directory is the module resource `payers.tsv`, which says for each id where it
/// comes from. An id match wins over a name match; names are compared upper-cased with runs of
/// spaces collapsed. A payer found by neither is not guessed: the reader reports the claim.
public struct PayerDirectory: Sendable {
    private var byId: [String: String] = [:]
    private var byName: [String: String] = [:]
    /// The name to write in 835 N1*PR for each medpolicy payer id.
    public private(set) var displayNames: [String: String] = [:]
    /// The first id listed for each medpolicy payer id: what an 837 written by medpolicy puts in NM109.
    public private(set) var billingIds: [String: String] = [:]

    /// An empty directory.
    public init() {}

    /// A directory from TSV text (`kind`, `value`, `payer`, `source`; `#` comments).
    public init(tsv text: String) throws {
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, !fields[1].isEmpty, !fields[2].isEmpty else {
                throw X12FatalError("payer directory line \(offset + 1): expected kind, value, payer and source separated by tabs")
            }
            switch fields[0] {
            case "name": byName[Self.normalizedName(fields[1])] = fields[2]
            case "id":
                byId[fields[1]] = fields[2]
                if billingIds[fields[2]] == nil { billingIds[fields[2]] = fields[1] }
            case "display": displayNames[fields[1]] = fields[2]
            default:
                throw X12FatalError("payer directory line \(offset + 1): unknown kind \"\(fields[0])\" (name, id or display)")
            }
        }
    }

    /// The directory shipped in the module (`Resources/payers.tsv`).
    public static let standard: PayerDirectory = {
        guard let url = Bundle.module.url(forResource: "payers", withExtension: "tsv", subdirectory: "Resources"),
              let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8),
              let directory = try? PayerDirectory(tsv: text) else {
            preconditionFailure("the Interchange module resource Resources/payers.tsv is missing or malformed")
        }
        return directory
    }()

    /// Adds or replaces a name mapping.
    public mutating func add(name: String, payer: String) { byName[Self.normalizedName(name)] = payer }
    /// Adds or replaces an id mapping.
    public mutating func add(id: String, payer: String) { byId[id] = payer }

    /// The medpolicy payer id for a payer as billed; `nil` when neither its id nor its name is known.
    public func resolve(name: String, id: String) -> String? {
        if !id.isEmpty, let payer = byId[id] { return payer }
        return byName[Self.normalizedName(name)]
    }

    /// The 835 N1*PR name for a medpolicy payer id (the id upper-cased when none is listed).
    public func displayName(for payer: String) -> String { displayNames[payer] ?? payer.uppercased() }

    static func normalizedName(_ name: String) -> String {
        name.uppercased().split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
