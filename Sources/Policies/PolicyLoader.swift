import Foundation
import Model
import Yams

/// Reads one policy YAML file into a `Policy`, checking its schema strictly.
///
/// The schema is documented in `Policies/README.md`. Unknown keys, unknown facts, malformed
/// codes and ranges whose ends are out of order are errors with `file:line`.
public enum PolicyLoader {
    /// The longest span a window, a duration or an interval may name: 100 years. Date arithmetic
    /// on a claim's date with a span far past any calendar would overflow, and no policy means one.
    static let maximumDays = 36_525
    static let maximumMonths = 1_200

    /// Parses a policy from YAML text; `file` names it in messages. Returns the policy (when it has
    /// no errors) and every issue found.
    public static func parse(yaml: String, file: String) -> (policy: Policy?, issues: [PolicyIssue]) {
        let reader = YAMLNodeReader(file: file, text: yaml)
        let root: Node?
        do {
            // UTF-8 named, not `.default`: that reads the whole process environment on every
            // parse (4 % of a policy's parse in the fuzzer's profile) to find the same answer.
            root = try Yams.compose(yaml: yaml, .default, .default, .utf8)
        } catch let error as YamlError {
            return (nil, [PolicyIssue(.error, reader.location(line: yamlErrorLine(error)), "not valid YAML: \(yamlErrorProblem(error))")])
        } catch {
            return (nil, [PolicyIssue(.error, SourceLocation(file: file, line: 1), "not valid YAML: \(error)")])
        }
        guard let root else {
            return (nil, [PolicyIssue(.error, SourceLocation(file: file, line: 1), "the file is empty")])
        }
        let policy = PolicyFileSchema(reader: reader).policy(root)
        return (reader.hasErrors ? nil : policy, reader.issues)
    }

    /// Reads one file from disk.
    public static func load(path: String) -> (policy: Policy?, issues: [PolicyIssue]) {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            return (nil, [PolicyIssue(.error, SourceLocation(file: name, line: 1), "cannot read \(path)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [PolicyIssue(.error, SourceLocation(file: name, line: 1), "not UTF-8 text")])
        }
        return parse(yaml: text, file: name)
    }

    /// The number of lines in `text` as the YAML reader numbers them (at least 1). libyaml ends a
    /// line at CR LF, CR, LF, NEL, LS and PS, so a file with a lone CR has more lines than LFs, and
    /// an issue's line must be counted the same way to name a line of the file.
    public static func lineCount(_ text: String) -> Int {
        var breaks = 0
        var afterCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": if !afterCR { breaks += 1 }
            case "\r", "\u{85}", "\u{2028}", "\u{2029}": breaks += 1
            default: break
            }
            afterCR = scalar == "\r"
        }
        return breaks + 1
    }

    private static func yamlErrorLine(_ error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 1
        }
    }

    private static func yamlErrorProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}

/// The policy file schema, version 1: one function per kind of mapping.
struct PolicyFileSchema {
    let reader: YAMLNodeReader
    /// The policy's published document, as rules and exceptions cite it (set once `source` is read).
    var citedDocument = ""

    static let ruleChecks = ["diagnoses", "criteria", "limit", "interval", "exclude"]

    func policy(_ node: Node) -> Policy? {
        guard let m = reader.mapping(node, "policy", allowed: [
            "id", "payer", "title", "version", "source", "effective", "linesOfBusiness", "exceptions",
            "governs", "documentationRequests", "rules", "jurisdiction",
        ]) else { return nil }
        let id = m.required("id") { identifier($0, "policy id", allowSlash: true) }
        let payer = m.required("payer") { identifier($0, "payer", allowSlash: false) }
        let title = m.required("title") { reader.string($0, "title") }
        let version = m.optional("version") { reader.string($0, "version") }
        let source = m.required("source") { publishedSource($0) }
        var cited = self
        cited.citedDocument = source?.name ?? ""
        let effective = m.required("effective") { effectivePeriod($0) }
        let lines = m.optional("linesOfBusiness") { linesOfBusiness($0) }
        let limitedTo = m.optional("jurisdiction") { jurisdiction($0) }
        let exceptions = m.optional("exceptions") { node in reader.list(node, "exceptions") { cited.exception($0) } } ?? []
        let governs = m.required("governs") { procedureCodes($0, "governs") }
        let requests = m.optional("documentationRequests") { node in
            reader.list(node, "documentationRequests") { documentRequest($0) }
        } ?? []
        let rules = m.required("rules") { node in reader.list(node, "rules") { cited.rule($0, governs: governs ?? []) } }

        var seen: [String: SourceLocation] = [:]
        for rule in rules ?? [] {
            if let first = seen[rule.id] { reader.error(rule.location, "duplicate rule id '\(rule.id)' (first at line \(first.line))") }
            seen[rule.id] = rule.location
        }
        if let id, let payer, !id.hasPrefix(payer + "/") {
            reader.error(m.keyLocation("id"), "policy id '\(id)' must start with its payer ('\(payer)/')")
        }
        guard let id, let payer, let title, let source, let effective, let governs, let rules else { return nil }
        return Policy(id: id, payer: payer, title: title, version: version, source: source, effectiveFrom: effective.from,
                      effectiveTo: effective.to, linesOfBusiness: lines ?? nil, exceptions: exceptions, governs: governs,
                      documentationRequests: requests, rules: rules, location: m.location, effectiveBasis: effective.basis,
                      jurisdiction: limitedTo)
    }

    /// `{contractor: id, states: [CA, NV, ...]}`.
    func jurisdiction(_ node: Node) -> Jurisdiction? {
        guard let m = reader.mapping(node, "jurisdiction", allowed: ["contractor", "states"]) else { return nil }
        let contractor = m.required("contractor") { identifier($0, "contractor", allowSlash: false) }
        let states = m.required("states") { node in
            reader.list(node, "jurisdiction states") { element -> String? in
                guard let text = reader.string(element, "state") else { return nil }
                guard text.count == 2, text.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    reader.error(element, "state must be a two-letter upper-case code (e.g. CA), got '\(text)'")
                    return nil
                }
                return text
            }
        }
        guard let contractor, let states else { return nil }
        return Jurisdiction(contractor: contractor, states: Set(states))
    }

    func identifier(_ node: Node, _ context: String, allowSlash: Bool) -> String? {
        guard let text = reader.string(node, context) else { return nil }
        let allowed = CharacterSet.lowercaseLetters.union(.decimalDigits).union(CharacterSet(charactersIn: allowSlash ? "-._/" : "-._"))
        guard text.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }) else {
            reader.error(node, "\(context) '\(text)' may contain only lower-case letters, digits, '-', '.', '_'\(allowSlash ? " and '/'" : "")")
            return nil
        }
        return text
    }

    func effectivePeriod(_ node: Node) -> (from: LocalDate, to: LocalDate?, basis: String?)? {
        guard let m = reader.mapping(node, "effective", allowed: ["from", "to", "basis"]) else { return nil }
        let from = m.required("from") { reader.date($0, "effective.from") }
        let to = m.optional("to") { reader.date($0, "effective.to") }
        let basis = m.optional("basis") { reader.string($0, "effective.basis") }
        guard let from else { return nil }
        if let to, to < from {
            reader.error(m.keyLocation("to"), "effective.to (\(to)) is before effective.from (\(from))")
            return nil
        }
        return (from, to, basis)
    }

    /// A list of lines of business, or `all`; `all` is returned as `.some(nil)`.
    func linesOfBusiness(_ node: Node) -> Set<LineOfBusiness>?? {
        if case .scalar(let scalar) = node, scalar.string == "all" { return .some(nil) }
        guard let list = reader.list(node, "linesOfBusiness", { reader.enumeration($0, "line of business", LineOfBusiness.self) })
        else { return nil }
        return .some(Set(list))
    }

    /// The published document a policy encodes, by the identity a reader can look it up by.
    func publishedSource(_ node: Node) -> PublishedSource? {
        if case .scalar(let scalar) = node {
            reader.error(node, "source names the published document as {publisher, document, title, edition}, got '\(scalar.string)'")
            return nil
        }
        guard let m = reader.mapping(node, "source", allowed: ["publisher", "document", "title", "edition"]) else { return nil }
        let publisher = m.required("publisher") { reader.string($0, "source.publisher") }
        let document = m.required("document") { reader.string($0, "source.document") }
        let title = m.optional("title") { reader.string($0, "source.title") }
        let edition = m.required("edition") { reader.string($0, "source.edition") }
        guard let publisher, let document, let edition else { return nil }
        return PublishedSource(publisher: publisher, document: document, title: title, edition: edition)
    }

    /// A section of the policy's own document (`source`, at the top of the file).
    func citation(_ node: Node) -> Citation? {
        guard let m = reader.mapping(node, "citation", allowed: ["section"]) else { return nil }
        guard let section = m.required("section", { reader.string($0, "citation.section") }) else { return nil }
        return Citation(source: citedDocument, section: section)
    }

    func exception(_ node: Node) -> ProgramException? {
        guard let m = reader.mapping(node, "exception", allowed: ["id", "linesOfBusiness", "defer", "route", "citation"]) else { return nil }
        let id = m.required("id") { identifier($0, "exception id", allowSlash: false) }
        let lines = m.required("linesOfBusiness") { node in
            reader.list(node, "exception linesOfBusiness") { reader.enumeration($0, "line of business", LineOfBusiness.self) }
        }
        let citation = m.required("citation") { self.citation($0) }
        let deferMessage = m.optional("defer") { reader.string($0, "defer") }
        let route = m.optional("route") { identifier($0, "route", allowSlash: true) }
        let action: ProgramException.Action
        switch (deferMessage, route) {
        case let (message?, nil): action = .defer(message: message)
        case let (nil, target?): action = .route(policyId: target)
        default:
            reader.error(node, "an exception needs exactly one of 'defer' (a message) or 'route' (a policy id)")
            return nil
        }
        guard let id, let lines, let citation else { return nil }
        return ProgramException(id: id, linesOfBusiness: Set(lines), action: action, citation: citation, location: m.location)
    }

    func documentRequest(_ node: Node) -> DocumentRequest? {
        guard let m = reader.mapping(node, "documentation request", allowed: ["name", "loinc", "timeFrame"]) else { return nil }
        let name = m.required("name") { reader.string($0, "name") }
        let loinc = m.optional("loinc") { loincCode($0) }
        let timeFrame = m.optional("timeFrame") { loincCode($0) }
        guard let name else { return nil }
        return DocumentRequest(name: name, loinc: loinc, timeFrame: timeFrame)
    }

    /// A LOINC code: digits, a hyphen and a check digit (28626-0).
    func loincCode(_ node: Node) -> String? {
        guard let text = reader.string(node, "LOINC code") else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...7).contains(parts[0].count), parts[1].count == 1,
              parts[0].allSatisfy(\.isNumber), parts[1].allSatisfy(\.isNumber) else {
            reader.error(node, "'\(text)' is not a LOINC code (digits, a hyphen and a check digit, e.g. 28626-0)")
            return nil
        }
        return text
    }

    func procedureCode(_ node: Node) -> String? {
        guard let text = reader.string(node, "procedure code") else { return nil }
        guard ProcedureCodeShape.isWellFormed(text) else {
            reader.error(node, "'\(text)' is not a CPT or HCPCS code (five characters such as 20552 or M0076)")
            return nil
        }
        return text
    }

    func procedureCodes(_ node: Node, _ context: String) -> [String]? {
        reader.list(node, context) { procedureCode($0) }
    }

    func rule(_ node: Node, governs: [String]) -> Rule? {
        guard let m = reader.mapping(node, "rule", allowed: [
            "id", "citation", "interpretation", "summary", "appliesTo", "when", "onFail", "carc", "rarc", "atClaim",
        ] + Self.ruleChecks) else { return nil }
        let id = m.required("id") { identifier($0, "rule id", allowSlash: false) }
        let citation = m.required("citation") { self.citation($0) }
        let interpretation = m.optional("interpretation") { reader.string($0, "interpretation") }
        let summary = m.optional("summary") { reader.string($0, "summary") }
        let appliesTo = m.optional("appliesTo") { procedureCodes($0, "appliesTo") }
        let when = m.optional("when") { criterion($0) }

        let present = Self.ruleChecks.filter { m.has($0) }
        guard present.count == 1 else {
            reader.error(node, present.isEmpty
                ? "rule \(id.map { "'\($0)' " } ?? "")needs one of: \(Self.ruleChecks.joined(separator: ", "))"
                : "rule \(id.map { "'\($0)' " } ?? "")has more than one check (\(present.joined(separator: ", "))); split it into rules")
            return nil
        }
        let check: RuleCheck?
        switch present[0] {
        case "diagnoses": check = m.optional("diagnoses") { diagnosisList($0) }.map { .diagnoses($0) }
        case "criteria": check = m.optional("criteria") { criterion($0) }.map { .criteria($0) }
        case "limit": check = m.optional("limit") { frequencyLimit($0, governs: governs) }.map { .limit($0) }
        case "interval": check = m.optional("interval") { minimumInterval($0, governs: governs) }.map { .interval($0) }
        default: check = m.optional("exclude") { exclusion($0) }.map { .exclusion($0) }
        }

        let onFailGiven = m.has("onFail")
        let onFailWord = m.optional("onFail") { node -> String? in
            guard let word = reader.string(node, "onFail") else { return nil }
            guard ["deny", "pend"].contains(word) else { reader.error(node, "onFail must be 'deny' or 'pend', got '\(word)'"); return nil }
            return word
        }
        let carc = m.optional("carc") { node -> String? in
            guard let text = reader.string(node, "carc") else { return nil }
            guard text.count <= 3, text.allSatisfy(\.isNumber) || (text.first?.isLetter == true && text.count <= 3) else {
                reader.error(node, "carc must be a claim adjustment reason code such as 50 or 119, got '\(text)'")
                return nil
            }
            return text
        }
        let rarc = m.optional("rarc") { node in
            reader.list(node, "rarc") { item -> String? in
                guard let text = reader.string(item, "rarc") else { return nil }
                guard (2...5).contains(text.count), text.first?.isLetter == true, text.dropFirst().allSatisfy(\.isNumber) else {
                    reader.error(item, "'\(text)' is not a remittance advice remark code (such as N362 or M76)")
                    return nil
                }
                return text
            }
        }
        let atClaim = m.optional("atClaim") { node -> ClaimEnforcement? in
            guard let word = reader.string(node, "atClaim") else { return nil }
            guard let mode = ClaimEnforcement(rawValue: word) else {
                reader.error(node, "atClaim must be one of \(ClaimEnforcement.allCases.map(\.rawValue).joined(separator: ", ")), got '\(word)'")
                return nil
            }
            return mode
        }
        guard let id, let citation, let check else { return nil }
        if atClaim == nil, present[0] == "criteria" {
            reader.warning(m.location, "rule '\(id)' does not say how its criteria are enforced on a claim (atClaim: attested, authorization or review); read as review")
        }
        if atClaim != nil, present[0] != "criteria" {
            reader.error(m.keyLocation("atClaim"),
                         "atClaim applies to criteria rules; a '\(present[0])' rule is decided from the claim itself at every stage")
        }

        let onFail: FailAction
        if case .exclusion = check {
            if onFailWord == "pend" { reader.error(m.keyLocation("onFail"), "an exclusion denies; onFail: pend does not apply") }
            onFail = .deny(carc: carc ?? check.defaultCARC(), rarc: rarc ?? (carc == nil ? check.defaultRARC() : []))
        } else {
            switch onFailWord {
            case "deny": onFail = .deny(carc: carc ?? check.defaultCARC(), rarc: rarc ?? (carc == nil ? check.defaultRARC() : []))
            case "pend":
                if carc != nil { reader.error(m.keyLocation("carc"), "a rule that pends carries no denial CARC; remove 'carc'") }
                onFail = .pend
            default:
                if !onFailGiven { reader.error(node, "rule '\(id)' needs onFail: deny or onFail: pend") }
                return nil
            }
        }
        return Rule(id: id, citation: citation, interpretation: interpretation, summary: summary,
                    appliesTo: appliesTo ?? governs, when: when, check: check, onFail: onFail, atClaim: atClaim,
                    location: m.location)
    }

    func diagnosisList(_ node: Node) -> [DiagnosisEntry]? {
        reader.list(node, "diagnoses") { item -> DiagnosisEntry? in
            guard let text = reader.string(item, "diagnosis") else { return nil }
            let location = reader.location(item)
            let parts = text.split(whereSeparator: { $0 == "–" || $0 == "-" || $0 == "—" })
                .map { $0.trimmingCharacters(in: .whitespaces) }
            for part in parts where !DiagnosisCodeShape.isWellFormed(part) {
                reader.error(item, "'\(part)' is not an ICD-10-CM code (e.g. M79.18)")
                return nil
            }
            switch parts.count {
            case 1: return .code(parts[0], location)
            case 2:
                if DiagnosisCodeShape.compact(parts[0]) > DiagnosisCodeShape.compact(parts[1]) {
                    reader.error(item, "range '\(text)' has its ends out of order (\(parts[0]) comes after \(parts[1]))")
                    return nil
                }
                return .range(from: parts[0], to: parts[1], location)
            default:
                reader.error(item, "'\(text)' is neither a code nor a range 'FROM – TO'")
                return nil
            }
        }
    }

    func window(_ node: Node) -> Window? {
        if case .scalar(let scalar) = node {
            guard scalar.string == "calendar_year" else {
                reader.error(node, "window must be calendar_year, {days: N} or {months: N}, got '\(scalar.string)'")
                return nil
            }
            return .calendarYear
        }
        guard let m = reader.mapping(node, "window", allowed: ["days", "months"]) else { return nil }
        let days = m.optional("days") { reader.integer($0, "window days", minimum: 1, maximum: PolicyLoader.maximumDays) }
        let months = m.optional("months") { reader.integer($0, "window months", minimum: 1, maximum: PolicyLoader.maximumMonths) }
        switch (days, months) {
        case let (n?, nil): return .days(n)
        case let (nil, n?): return .months(n)
        default:
            reader.error(node, "window needs exactly one of days or months")
            return nil
        }
    }

    func frequencyLimit(_ node: Node, governs: [String]) -> FrequencyLimit? {
        guard let m = reader.mapping(node, "limit", allowed: ["max", "count", "window", "scope", "codes"]) else { return nil }
        let max = m.required("max") { reader.integer($0, "limit max", minimum: 1) }
        let count = m.required("count") { reader.enumeration($0, "limit count", FrequencyLimit.Count.self) }
        let window = m.required("window") { self.window($0) }
        let scope = m.required("scope") { reader.enumeration($0, "limit scope", LimitScope.self) }
        let codes = m.optional("codes") { procedureCodes($0, "limit codes") } ?? governs
        guard let max, let count, let window, let scope else { return nil }
        return FrequencyLimit(max: max, count: count, window: window, scope: scope, codes: codes)
    }

    func minimumInterval(_ node: Node, governs: [String]) -> MinimumInterval? {
        guard let m = reader.mapping(node, "interval", allowed: ["minDays", "scope", "codes"]) else { return nil }
        let minDays = m.required("minDays") { reader.integer($0, "interval minDays", minimum: 1, maximum: PolicyLoader.maximumDays) }
        let scope = m.required("scope") { reader.enumeration($0, "interval scope", LimitScope.self) }
        let codes = m.optional("codes") { procedureCodes($0, "interval codes") } ?? governs
        guard let minDays, let scope else { return nil }
        return MinimumInterval(minDays: minDays, scope: scope, codes: codes)
    }

    func exclusion(_ node: Node) -> Exclusion? {
        guard let m = reader.mapping(node, "exclude", allowed: ["codes", "withCodes", "status"]) else { return nil }
        let codes = m.required("codes") { procedureCodes($0, "exclude codes") }
        let withCodes = m.optional("withCodes") { procedureCodes($0, "exclude withCodes") }
        let status = m.required("status") { reader.enumeration($0, "exclusion status", Exclusion.Status.self) }
        guard let codes, let status else { return nil }
        return Exclusion(codes: codes, withCodes: withCodes, status: status)
    }

    static let criterionKeys = [
        "all", "any", "atLeast", "not", "finding", "conservativeTherapy", "pharmacotherapy", "treatmentPlan",
        "documented", "painOnset", "priorImprovement", "priorResponse", "sitesDocumented", "priorServices",
    ]

    func criterion(_ node: Node) -> Criterion? {
        guard case .mapping(let mapping) = node else {
            reader.error(node, "a criterion must be a mapping with one key (\(Self.criterionKeys.joined(separator: ", ")))")
            return nil
        }
        guard mapping.count == 1, let (keyNode, value) = mapping.first, let key = keyNode.scalar?.string else {
            reader.error(node, "a criterion has exactly one key; wrap several in 'all:' or 'any:'")
            return nil
        }
        func children(_ value: Node) -> [Criterion]? {
            guard let nodes = reader.sequence(value, key) else { return nil }
            if nodes.isEmpty { reader.error(value, "'\(key)' needs at least one criterion"); return nil }
            let parsed = nodes.compactMap { criterion($0) }
            return parsed.count == nodes.count ? parsed : nil
        }
        switch key {
        case "all": return children(value).map { .all($0) }
        case "any": return children(value).map { .any($0) }
        case "not": return criterion(value).map { .not($0) }
        case "atLeast":
            guard let m = reader.mapping(value, "atLeast", allowed: ["n", "of"]) else { return nil }
            let n = m.required("n") { reader.integer($0, "atLeast n", minimum: 1) }
            let of = m.required("of") { node -> [Criterion]? in
                guard let nodes = reader.sequence(node, "atLeast of") else { return nil }
                let parsed = nodes.compactMap { criterion($0) }
                return parsed.count == nodes.count ? parsed : nil
            }
            guard let n, let of else { return nil }
            if n > of.count { reader.error(value, "atLeast n (\(n)) is more than the \(of.count) criteria listed"); return nil }
            return .atLeast(n, of)
        case "finding":
            return reader.enumeration(value, "finding", Finding.self).map { .fact(.finding($0)) }
        case "conservativeTherapy":
            guard let m = reader.mapping(value, "conservativeTherapy", allowed: ["types", "minDays", "minMonths", "outcomes"]) else { return nil }
            let types = m.optional("types") { node in reader.list(node, "types") { reader.enumeration($0, "therapy type", TherapyType.self) } }
            let minDays = m.optional("minDays") { reader.integer($0, "minDays", minimum: 1, maximum: PolicyLoader.maximumDays) }
            let minMonths = m.optional("minMonths") { reader.integer($0, "minMonths", minimum: 1, maximum: PolicyLoader.maximumMonths) }
            let outcomes = m.optional("outcomes") { node in reader.list(node, "outcomes") { reader.enumeration($0, "therapy outcome", TherapyOutcome.self) } }
            return .fact(.conservativeTherapy(types: types.map(Set.init), minDays: minDays, minMonths: minMonths, outcomes: outcomes.map(Set.init)))
        case "pharmacotherapy":
            guard let m = reader.mapping(value, "pharmacotherapy", allowed: ["classes", "minDays", "outcomes", "current"]) else { return nil }
            let classes = m.optional("classes") { node in reader.list(node, "classes") { reader.enumeration($0, "drug class", DrugClass.self) } }
            let minDays = m.optional("minDays") { reader.integer($0, "minDays", minimum: 1, maximum: PolicyLoader.maximumDays) }
            let outcomes = m.optional("outcomes") { node in reader.list(node, "outcomes") { reader.enumeration($0, "therapy outcome", TherapyOutcome.self) } }
            let current = m.optional("current") { reader.boolean($0, "current") }
            return .fact(.pharmacotherapy(classes: classes.map(Set.init), minDays: minDays, outcomes: outcomes.map(Set.init),
                                          current: current ?? false))
        case "treatmentPlan":
            return reader.list(value, "treatmentPlan") { reader.enumeration($0, "treatment plan component", TherapyType.self) }
                .map { .fact(.treatmentPlan(Set($0))) }
        case "documented":
            return reader.list(value, "documented") { reader.enumeration($0, "documentation element", DocumentationElement.self) }
                .map { .fact(.documented($0)) }
        case "painOnset":
            guard let m = reader.mapping(value, "painOnset", allowed: ["withinDays", "withinMonths"]) else { return nil }
            let days = m.optional("withinDays") { reader.integer($0, "withinDays", minimum: 1, maximum: PolicyLoader.maximumDays) }
            let months = m.optional("withinMonths") { reader.integer($0, "withinMonths", minimum: 1, maximum: PolicyLoader.maximumMonths) }
            switch (days, months) {
            case let (n?, nil): return .fact(.painOnset(.days(n)))
            case let (nil, n?): return .fact(.painOnset(.months(n)))
            default:
                reader.error(value, "painOnset needs exactly one of withinDays or withinMonths")
                return nil
            }
        case "priorImprovement":
            guard let m = reader.mapping(value, "priorImprovement", allowed: ["minPercent"]) else { return nil }
            return m.required("minPercent") { node -> Int? in
                guard let percent = reader.integer(node, "minPercent", minimum: 1) else { return nil }
                if percent > 100 { reader.error(node, "minPercent must be at most 100, got \(percent)"); return nil }
                return percent
            }.map { .fact(.priorImprovement(minPercent: $0)) }
        case "priorResponse":
            return reader.list(value, "priorResponse") { reader.enumeration($0, "response measure", ResponseMeasure.self) }
                .map { .fact(.priorResponse(Set($0))) }
        case "sitesDocumented":
            guard reader.string(value, "sitesDocumented") == "true" else {
                reader.error(value, "sitesDocumented takes the value true")
                return nil
            }
            return .fact(.sitesDocumented)
        case "priorServices":
            guard let m = reader.mapping(value, "priorServices", allowed: ["codes", "scope", "window", "atLeast"]) else { return nil }
            let codes = m.required("codes") { procedureCodes($0, "priorServices codes") }
            let scope = m.required("scope") { reader.enumeration($0, "priorServices scope", LimitScope.self) }
            let window = m.optional("window") { self.window($0) }
            let atLeast = m.required("atLeast") { reader.integer($0, "priorServices atLeast", minimum: 1) }
            guard let codes, let scope, let atLeast else { return nil }
            return .fact(.priorServices(PriorServiceCount(codes: codes, scope: scope, window: window, atLeast: atLeast)))
        default:
            reader.error(keyNode, "unknown fact or operator '\(key)' (expected one of: \(Self.criterionKeys.joined(separator: ", ")))")
            return nil
        }
    }
}
