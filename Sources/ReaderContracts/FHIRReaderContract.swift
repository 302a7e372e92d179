import FHIRInterchange
import Foundation
import Model

// The FHIR readers of outside input (CDS Hooks for CRD, the PAS Claim bundle, the DTR
// QuestionnaireResponse) promise: a refusal is one `FHIRIssue` with a message whose location points
// into the document (a node that is there, or an absent member of an object that is there); the
// whole document is named only when it is not a JSON object at all. What they accept is whole:
// every encounter they make is a Contract 1 encounter that reads back the same.
extension ReaderContract {
    /// The date CRD orders without a date of service default to, fixed so that a run is repeatable.
    static let fuzzToday = LocalDate(year: 2025, month: 9, day: 1)!

    static func cdsHooksViolations(_ bytes: [UInt8]) -> [String] {
        let request: CRDRequest
        do { request = try CRDRequest(json: Data(bytes)) } catch { return refusalViolations(error, bytes, root: "") }
        var problems: [String] = []
        if request.hookInstance.isEmpty { problems.append("accepted without a hookInstance") }
        let document = try? JSONValue.parse(Data(bytes))
        for order in request.orders(today: fuzzToday) {
            let name = "\(order.resourceType)/\(order.orderId)"
            if !["20552", "20553"].contains(order.code) { problems.append("\(name): order for \(order.code), not a TPI code") }
            if !["ServiceRequest", "Appointment"].contains(order.resourceType) { problems.append("\(name): not an order resource") }
            if order.orderId.isEmpty { problems.append("order without an id at \(order.location)") }
            // The order's location is where the resource sent is, so the card's action can annotate it.
            let sent = document.flatMap { FHIRLocation.node(at: order.location, in: $0, root: "") }
            if sent == nil || sent != order.resource { problems.append("\(name): location \(order.location) is not the resource") }
            switch order.status {
            case .ready(let encounter):
                if encounter.lines.map(\.code) != [order.code] { problems.append("\(name): encounter lines \(encounter.lines.map(\.code))") }
                if encounter.id != order.orderId { problems.append("\(name): encounter id \(encounter.id)") }
                if order.dateDefaulted && encounter.dateOfService != fuzzToday {
                    problems.append("\(name): date defaulted but the encounter is on \(encounter.dateOfService)")
                }
                problems += wholeEncounter(encounter).map { "\(name): \($0)" }
            case .missing(let issues):
                if issues.isEmpty { problems.append("\(name): missing nothing, yet not ready") }
                for issue in issues where !issue.location.hasPrefix("prefetch.") || issue.message.isEmpty {
                    problems.append("\(name): what is missing is not named in the prefetch: \(issue)")
                }
            }
        }
        return problems
    }

    static func pasViolations(_ bytes: [UInt8]) -> [String] {
        let request: PASRequest
        do { request = try PASRequest(json: Data(bytes)) } catch { return refusalViolations(error, bytes, root: "Bundle") }
        var problems = wholeEncounter(request.encounter)
        let lines = request.encounter.lines.count
        if request.itemSequences.count != lines || request.itemProviders.count != lines {
            problems.append("\(lines) lines, \(request.itemSequences.count) item sequences, \(request.itemProviders.count) item providers")
        }
        if let through = request.servicedThrough, through < request.encounter.dateOfService {
            problems.append("authorized through \(through), before the date of service \(request.encounter.dateOfService)")
        }
        return problems
    }

    static func questionnaireResponseViolations(_ bytes: [UInt8]) -> [String] {
        let answers: DTRAnswers
        do { answers = try DTR.answers(json: Data(bytes)) } catch { return refusalViolations(error, bytes, root: "QuestionnaireResponse") }
        if answers.sites?.isEmpty == true { return ["an empty list of sites instead of none"] }
        // The answers are the clinical part of an encounter; they must be facts Contract 1 accepts.
        // (Whether pain began before the date of service is the PAS reader's question: no date here.)
        let encounter = Encounter(id: "fuzz", member: Member(id: "fuzz"), coverage: Coverage(payer: "fuzz"),
                                  dateOfService: LocalDate(year: 9999, month: 12, day: 31)!,
                                  lines: [ServiceLine(code: "20552")], procedure: answers.sites.map { Procedure(sites: $0) },
                                  clinical: answers.clinical)
        return wholeEncounter(encounter)
    }

    /// A refusal carries a message and a location in the document; the root alone only for a document
    /// that is not a JSON object.
    static func refusalViolations(_ issue: FHIRIssue, _ bytes: [UInt8], root: String) -> [String] {
        var problems: [String] = []
        if issue.message.isEmpty { problems.append("refused without a message at \"\(issue.location)\"") }
        guard let document = try? JSONValue.parse(Data(bytes)), case .object = document else {
            if issue.location != root { problems.append("a document that is not a JSON object refused at \"\(issue.location)\": \(issue.message)") }
            return problems
        }
        if issue.location == root {
            problems.append("refused as a whole, not located: \(issue.message)")
        } else if !FHIRLocation.isInDocument(issue.location, document, root: root) {
            problems.append("refused at \"\(issue.location)\", which is not in the document: \(issue.message)")
        }
        return problems
    }
}

/// Follows a FHIRPath-like location (`Bundle.entry[2].resource.item[0]`) into a JSON document.
/// Member names may themselves hold dots or brackets (prefetch keys are the client's), so each
/// name is matched against the members that are there.
enum FHIRLocation {
    /// The node at `location`; `root` names the document itself ("" for a CDS Hooks request).
    static func node(at location: String, in document: JSONValue, root: String) -> JSONValue? {
        guard let rest = relative(location, root: root) else { return nil }
        return follow(Substring(rest), document, allowAbsent: false) ?? nil
    }

    /// Whether `location` is a node of the document, or an absent member (a plain name) of an object in it.
    static func isInDocument(_ location: String, _ document: JSONValue, root: String) -> Bool {
        guard let rest = relative(location, root: root) else { return false }
        return follow(Substring(rest), document, allowAbsent: true) != nil
    }

    /// The location below the root, each member step written `.name`.
    private static func relative(_ location: String, root: String) -> String? {
        if root.isEmpty { return location.isEmpty ? "" : "." + location }
        guard location.hasPrefix(root) else { return nil }
        let rest = location.dropFirst(root.count)
        return rest.isEmpty || rest.hasPrefix(".") || rest.hasPrefix("[") ? String(rest) : nil
    }

    /// `.some(node)` where the path leads; `.some(nil)` for an allowed absent member; `nil` when it leads nowhere.
    private static func follow(_ path: Substring, _ node: JSONValue, allowAbsent: Bool) -> JSONValue?? {
        if path.isEmpty { return .some(node) }
        if path.hasPrefix("[") {
            guard case .array(let elements) = node, let close = path.firstIndex(of: "]"),
                  let index = Int(path[path.index(after: path.startIndex) ..< close]), elements.indices.contains(index) else { return nil }
            return follow(path[path.index(after: close)...], elements[index], allowAbsent: allowAbsent)
        }
        guard path.hasPrefix("."), case .object(let members) = node else { return nil }
        let name = path.dropFirst()
        for member in members where name.hasPrefix(member.key) {
            let after = name.dropFirst(member.key.count)
            guard after.isEmpty || after.hasPrefix(".") || after.hasPrefix("[") else { continue }
            if let found = follow(after, member.value, allowAbsent: allowAbsent) { return found }
        }
        let plainName = !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        return allowAbsent && plainName ? .some(nil) : nil
    }
}
