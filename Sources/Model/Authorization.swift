import Foundation

/// An approved (or partly approved) prior authorization on file for a member: what the payer
/// authorized, for which dates, and the clinical facts it was decided on.
///
/// A PAS `Claim/$submit` that is approved records one (its number is the ClaimResponse
/// `preAuthRef`); `medpolicy authorizations import` reads a JSON array of them. At claim time a
/// rule declared `atClaim: authorization` is met by the authorization's clinical facts, and the
/// line is checked against what was authorized (code, units, dates).
public struct Authorization: Codable, Equatable, Sendable {
    /// The authorization number (X12 2300 `REF*G1`; Contract 1 `priorAuthorization`).
    public var number: String
    /// The medpolicy payer id (`harvard-pilgrim`).
    public var payer: String
    public var memberId: String
    public var status: AuthorizationStatus
    public var issued: LocalDate
    /// The policy it was decided under, when known.
    public var policy: String?
    /// The services authorized.
    public var items: [AuthorizedService]
    /// The clinical facts (Contract 1 `clinical`) the authorization was decided on.
    public var clinical: Clinical?

    public init(number: String, payer: String, memberId: String, status: AuthorizationStatus, issued: LocalDate,
                policy: String? = nil, items: [AuthorizedService], clinical: Clinical? = nil) {
        self.number = number; self.payer = payer; self.memberId = memberId; self.status = status; self.issued = issued
        self.policy = policy; self.items = items; self.clinical = clinical
    }

    /// The authorized service for `code` whose dates contain `date`.
    public func item(code: String, on date: LocalDate) -> AuthorizedService? {
        items.first { $0.code == code && $0.covers(date) }
    }
}

/// Whether the whole request was approved or only part of it (the items are what was approved).
public enum AuthorizationStatus: String, Codable, CaseIterable, Sendable {
    case approved, partial
}

/// One authorized service: a procedure code, how many units, and the dates it may be rendered.
public struct AuthorizedService: Codable, Equatable, Sendable {
    public var code: String
    public var units: Int
    /// First date of service authorized (inclusive).
    public var from: LocalDate
    /// Last date of service authorized (inclusive).
    public var to: LocalDate

    public init(code: String, units: Int, from: LocalDate, to: LocalDate) {
        self.code = code; self.units = units; self.from = from; self.to = to
    }

    public func covers(_ date: LocalDate) -> Bool { date >= from && date <= to }
}

/// Reads authorizations (one object, or the JSON array an import file holds) strictly: unknown
/// keys, wrong types and bad dates are errors naming their JSON path, all of them reported.
public enum AuthorizationReader {
    private static let keys: Set<String> = ["number", "payer", "memberId", "status", "issued", "policy", "items", "clinical"]
    private static let itemKeys: Set<String> = ["code", "units", "from", "to"]

    /// Decodes an import file: a JSON array of authorizations; a number given twice is an error.
    public static func decodeList(_ data: Data) throws(InputErrors) -> [Authorization] {
        let value = try parse(data)
        let r = StrictReader()
        let list = r.array(value, at: r.root) { read($0, $1, r) }
        if let list, r.errors.isEmpty {
            var seen: [String: Int] = [:]
            var errors: [LocatedError] = []
            for (index, authorization) in list.enumerated() {
                if let first = seen[authorization.number] {
                    errors.append(LocatedError(path: "[\(index)].number",
                                               message: "authorization \(authorization.number) is already given at [\(first)]"))
                } else { seen[authorization.number] = index }
            }
            if errors.isEmpty { return list }
            throw InputErrors(errors)
        }
        throw InputErrors(r.errors)
    }

    /// Decodes one authorization.
    public static func decode(_ data: Data) throws(InputErrors) -> Authorization {
        try decode(try parse(data))
    }

    /// Decodes one authorization from a parsed value.
    public static func decode(_ value: JSONValue, at path: String = "") throws(InputErrors) -> Authorization {
        let r = StrictReader(root: path)
        if let read = read(value, r.root, r), r.errors.isEmpty { return read }
        throw InputErrors(r.errors)
    }

    private static func parse(_ data: Data) throws(InputErrors) -> JSONValue {
        do { return try JSONValue.parse(data) } catch {
            throw InputErrors([LocatedError(path: "", message: "not valid JSON: \(error)")])
        }
    }

    static func read(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> Authorization? {
        guard let o = r.object(value, at: path, allowed: keys) else { return nil }
        let number = o.required("number") { r.string($0, at: $1) }
        let payer = o.required("payer") { r.string($0, at: $1) }
        let memberId = o.required("memberId") { r.string($0, at: $1) }
        let status = o.required("status") { r.enumeration($0, at: $1, as: AuthorizationStatus.self) }
        let issued = o.required("issued") { r.date($0, at: $1) }
        let policy = o.optional("policy") { r.string($0, at: $1) }
        let items = o.required("items") { value, path -> [AuthorizedService]? in
            guard let items = r.array(value, at: path, element: { item($0, $1, r) }) else { return nil }
            if items.isEmpty { r.fail(path, "at least one authorized service is required"); return nil }
            return items
        }
        let clinical = o.optional("clinical") { EncounterReader.clinical($0, $1, r) }
        guard let number, let payer, let memberId, let status, let issued, let items else { return nil }
        return Authorization(number: number, payer: payer, memberId: memberId, status: status, issued: issued,
                             policy: policy, items: items, clinical: clinical)
    }

    static func item(_ value: JSONValue, _ path: JSONPath, _ r: StrictReader) -> AuthorizedService? {
        guard let o = r.object(value, at: path, allowed: itemKeys) else { return nil }
        let code = o.required("code") { EncounterReader.procedureCode($0, $1, r) }
        let units = o.required("units") { r.integer($0, at: $1, in: 1...9999) }
        let from = o.required("from") { r.date($0, at: $1) }
        let to = o.required("to") { r.date($0, at: $1) }
        guard let code, let units, let from, let to else { return nil }
        if to < from { r.fail(o.path("to"), "ends (\(to)) before it starts (\(from))"); return nil }
        return AuthorizedService(code: code, units: units, from: from, to: to)
    }
}
