import Foundation
import Interchange
import Model

/// The Contract 1 facts a QuestionnaireResponse answers: clinical facts and the injection sites.
public struct DTRAnswers: Equatable, Sendable {
    /// `nil` when nothing clinical was answered.
    public var clinical: Clinical?
    /// `nil` when no site was given.
    public var sites: [InjectionSite]?

    public init(clinical: Clinical? = nil, sites: [InjectionSite]? = nil) {
        self.clinical = clinical
        self.sites = sites
    }
}

extension DTR {
    /// The clinical facts a QuestionnaireResponse answers, by linkId (the Contract 1 path).
    /// Unanswered questions stay `nil`; unknown linkIds are ignored (they belong to other forms).
    public static func clinical(from questionnaireResponse: JSONValue) throws(FHIRIssue) -> Clinical {
        try answers(from: FHIRNode(questionnaireResponse, at: "QuestionnaireResponse")).clinical ?? Clinical()
    }

    /// Clinical facts and injection sites from a QuestionnaireResponse.
    public static func answers(from questionnaireResponse: JSONValue) throws(FHIRIssue) -> DTRAnswers {
        try answers(from: FHIRNode(questionnaireResponse, at: "QuestionnaireResponse"))
    }

    /// Clinical facts and injection sites from QuestionnaireResponse JSON text; text that is not JSON
    /// is refused at `QuestionnaireResponse`, everything else at the path of what is wrong.
    public static func answers(json: Data) throws(FHIRIssue) -> DTRAnswers {
        try answers(from: FHIRNode.parse(json, root: "QuestionnaireResponse"))
    }

    static func answers(from node: FHIRNode) throws(FHIRIssue) -> DTRAnswers {
        let type = try node.resourceType()
        guard type == "QuestionnaireResponse" else {
            throw FHIRIssue(location: node.childPath("resourceType"), message: "expected QuestionnaireResponse, found \(type)")
        }
        var reader = AnswerReader()
        try reader.visit(node.array("item"))
        return reader.result()
    }

    /// Walks the items of a response, filling Contract 1 facts.
    struct AnswerReader {
        var clinical = Clinical()
        var findings = Findings()
        var prior = PriorInjectionResponse()
        var sites: [InjectionSite]?

        func result() -> DTRAnswers {
            var clinical = self.clinical
            if findings != Findings() { clinical.findings = findings }
            if prior != PriorInjectionResponse() { clinical.priorInjectionResponse = prior }
            return DTRAnswers(clinical: clinical == Clinical() ? nil : clinical, sites: sites)
        }

        mutating func visit(_ items: [FHIRNode]) throws(FHIRIssue) {
            for item in items {
                let linkId = try item.required("linkId").string()
                let prefix = "clinical.findings."
                if linkId.hasPrefix(prefix), let finding = Finding(rawValue: String(linkId.dropFirst(prefix.count))) {
                    if let answer = try single(item) { findings[finding] = try answer(.boolean) as? Bool }
                    continue
                }
                switch linkId {
                case "clinical.painOnset":
                    if let answer = try single(item) { clinical.painOnset = try answer(.date) as? LocalDate }
                case "clinical.priorInjectionResponse.percentPainImprovement":
                    if let answer = try single(item) {
                        let percent = try answer(.integer) as? Int
                        if let percent, !(0 ... 100).contains(percent) {
                            throw FHIRIssue(location: item.childPath("answer"), message: "a percentage from 0 to 100, got \(percent)")
                        }
                        prior.percentPainImprovement = percent
                    }
                case "clinical.priorInjectionResponse.functionalImprovement":
                    if let answer = try single(item) { prior.functionalImprovement = try answer(.boolean) as? Bool }
                case "clinical.priorInjectionResponse.rangeOfMotionImproved":
                    if let answer = try single(item) { prior.rangeOfMotionImproved = try answer(.boolean) as? Bool }
                case "clinical.treatmentPlan":
                    let plan = try codes(item, TherapyType.self)
                    if !plan.isEmpty { clinical.treatmentPlan = try Self.appending(plan, to: clinical.treatmentPlan, at: item) }
                case "clinical.documentation":
                    let documents = try codes(item, DocumentationElement.self)
                    if !documents.isEmpty { clinical.documentation = try Self.appending(documents, to: clinical.documentation, at: item) }
                case "clinical.conservativeTherapy":
                    let children = Children(try item.array("item"))
                    guard let type = try children.code("clinical.conservativeTherapy.type", TherapyType.self) else {
                        if try children.isEmpty() { continue }
                        throw FHIRIssue(location: item.path, message: "a course of conservative therapy needs its type (clinical.conservativeTherapy.type)")
                    }
                    let course = ConservativeTherapy(
                        type: type, start: try children.date("clinical.conservativeTherapy.start"),
                        end: try children.date("clinical.conservativeTherapy.end"),
                        outcome: try children.code("clinical.conservativeTherapy.outcome", TherapyOutcome.self))
                    try Self.checkOrder(course.start, course.end, at: item)
                    clinical.conservativeTherapy = try Self.appending([course], to: clinical.conservativeTherapy, at: item)
                case "clinical.pharmacotherapy":
                    let children = Children(try item.array("item"))
                    guard let drugClass = try children.code("clinical.pharmacotherapy.class", DrugClass.self) else {
                        if try children.isEmpty() { continue }
                        throw FHIRIssue(location: item.path, message: "a medication needs its class (clinical.pharmacotherapy.class)")
                    }
                    let medication = Pharmacotherapy(
                        drugClass: drugClass, start: try children.date("clinical.pharmacotherapy.start"),
                        end: try children.date("clinical.pharmacotherapy.end"),
                        outcome: try children.code("clinical.pharmacotherapy.outcome", TherapyOutcome.self))
                    try Self.checkOrder(medication.start, medication.end, at: item)
                    clinical.pharmacotherapy = try Self.appending([medication], to: clinical.pharmacotherapy, at: item)
                case "procedure.sites":
                    let children = Children(try item.array("item"))
                    guard let muscle = try children.string("procedure.sites.muscle") else {
                        if try children.isEmpty() { continue }
                        throw FHIRIssue(location: item.path, message: "a site needs its muscle (procedure.sites.muscle)")
                    }
                    let points = try children.integer("procedure.sites.triggerPoints")
                    if let points, points < 1 {
                        throw FHIRIssue(location: item.childPath("item"), message: "a site has at least 1 trigger point, got \(points)")
                    }
                    sites = (sites ?? []) + [InjectionSite(
                        muscle: muscle, laterality: try children.code("procedure.sites.laterality", Laterality.self),
                        triggerPoints: points)]
                    if let excess = EncounterLimits.excess(sites!.count, "sites", limit: EncounterLimits.sites) {
                        throw FHIRIssue(location: item.path, message: excess)
                    }
                default:
                    // A wrapping group (or a question of another form): look inside.
                    try visit(item.array("item"))
                }
            }
        }

        /// `list` with `more` added, refused at `item` past Contract 1's limit on clinical entries.
        static func appending<T>(_ more: [T], to list: [T]?, at item: FHIRNode) throws(FHIRIssue) -> [T] {
            let all = (list ?? []) + more
            if let excess = EncounterLimits.excess(all.count, "answers of \(try item.required("linkId").string())",
                                                   limit: EncounterLimits.clinicalEntries) {
                throw FHIRIssue(location: item.path, message: excess)
            }
            return all
        }

        /// A course of therapy or a medication cannot end before it starts.
        static func checkOrder(_ start: LocalDate?, _ end: LocalDate?, at item: FHIRNode) throws(FHIRIssue) {
            if let start, let end, end < start {
                throw FHIRIssue(location: item.childPath("item"), message: "ends (\(end)) before it starts (\(start))")
            }
        }
    }

    enum AnswerType { case boolean, date, integer, string, code }

    /// The one answer of a non-repeating question, `nil` when unanswered.
    static func single(_ item: FHIRNode) throws(FHIRIssue) -> ((AnswerType) throws(FHIRIssue) -> Any?)? {
        let answers = try item.array("answer")
        guard let answer = answers.first else { return nil }
        guard answers.count == 1 else {
            throw FHIRIssue(location: answers[1].path, message: "the question \(try item.required("linkId").string()) takes one answer")
        }
        return { type throws(FHIRIssue) in try value(of: answer, as: type) }
    }

    static func value(of answer: FHIRNode, as type: AnswerType) throws(FHIRIssue) -> Any {
        switch type {
        case .boolean: return try answer.required("valueBoolean").bool()
        case .integer: return try answer.required("valueInteger").integer()
        case .string: return try answer.required("valueString").string()
        case .date:
            if let date = try answer.optional("valueDate") { return try date.date() }
            return try answer.required("valueDateTime").date()
        case .code:
            if let coding = try answer.optional("valueCoding") { return try coding.required("code").string() }
            return try answer.required("valueString").string()
        }
    }

    static func codes<E: RawRepresentable>(_ item: FHIRNode, _ type: E.Type) throws(FHIRIssue) -> [E] where E.RawValue == String {
        var result: [E] = []
        for answer in try item.array("answer") { result.append(try code(answer, type)) }
        return result
    }

    static func code<E: RawRepresentable>(_ answer: FHIRNode, _ type: E.Type) throws(FHIRIssue) -> E where E.RawValue == String {
        let text = try value(of: answer, as: .code) as? String ?? ""
        guard let value = E(rawValue: text) else {
            let location = try answer.optional("valueCoding").map { $0.childPath("code") } ?? answer.childPath("valueString")
            throw FHIRIssue(location: location, message: "unknown code \"\(text)\" for \(String(describing: type))")
        }
        return value
    }

    /// The answered children of a repeating group, by linkId.
    struct Children {
        let items: [FHIRNode]
        init(_ items: [FHIRNode]) { self.items = items }

        func answer(_ linkId: String) throws(FHIRIssue) -> FHIRNode? {
            for item in items where try item.required("linkId").string() == linkId {
                let answers = try item.array("answer")
                guard answers.count <= 1 else { throw FHIRIssue(location: answers[1].path, message: "the question \(linkId) takes one answer") }
                return answers.first
            }
            return nil
        }

        func isEmpty() throws(FHIRIssue) -> Bool {
            for item in items where !(try item.array("answer")).isEmpty { return false }
            return true
        }

        func code<E: RawRepresentable>(_ linkId: String, _ type: E.Type) throws(FHIRIssue) -> E? where E.RawValue == String {
            try answer(linkId).map { node throws(FHIRIssue) in try DTR.code(node, type) }
        }
        func date(_ linkId: String) throws(FHIRIssue) -> LocalDate? {
            try answer(linkId).map { node throws(FHIRIssue) in try DTR.value(of: node, as: .date) as? LocalDate } ?? nil
        }
        func integer(_ linkId: String) throws(FHIRIssue) -> Int? {
            try answer(linkId).map { node throws(FHIRIssue) in try DTR.value(of: node, as: .integer) as? Int } ?? nil
        }
        func string(_ linkId: String) throws(FHIRIssue) -> String? {
            try answer(linkId).map { node throws(FHIRIssue) in try DTR.value(of: node, as: .string) as? String } ?? nil
        }
    }

    // MARK: QuestionnaireResponse (the inverse)

    /// A completed QuestionnaireResponse answering every fact `clinical` documents and the sites,
    /// so that `answers(from:)` gives them back. Empty lists cannot be told from unanswered and are left out.
    public static func questionnaireResponse(clinical: Clinical?, sites: [InjectionSite]?, questionnaire: String,
                                             id: String, subject: String?) -> JSONValue {
        func answered(_ linkId: String, _ answers: [JSONValue]) -> JSONValue? {
            answers.isEmpty ? nil : FHIRBuild.object([("linkId", .string(linkId)), ("answer", .array(answers))])
        }
        func value(_ key: String, _ value: JSONValue) -> JSONValue { .object([(key: key, value: value)]) }
        func coding<E: RawRepresentable>(_ option: E) -> JSONValue where E.RawValue == String {
            value("valueCoding", FHIRBuild.coding(codeSystem(E.self), option.rawValue))
        }
        func group(_ linkId: String, _ children: [JSONValue?]) -> JSONValue {
            FHIRBuild.object([("linkId", .string(linkId)), ("item", .array(children.compactMap { $0 }))])
        }
        var items: [JSONValue?] = []
        if let clinical {
            items.append(answered("clinical.painOnset", clinical.painOnset.map { [value("valueDate", .string($0.description))] } ?? []))
            for finding in Finding.allCases {
                items.append(answered("clinical.findings.\(finding.rawValue)",
                                      clinical.findings?[finding].map { [value("valueBoolean", .bool($0))] } ?? []))
            }
            for course in clinical.conservativeTherapy ?? [] {
                let link = "clinical.conservativeTherapy"
                items.append(group(link, [
                    answered("\(link).type", [coding(course.type)]),
                    answered("\(link).start", course.start.map { [value("valueDate", .string($0.description))] } ?? []),
                    answered("\(link).end", course.end.map { [value("valueDate", .string($0.description))] } ?? []),
                    answered("\(link).outcome", course.outcome.map { [coding($0)] } ?? []),
                ]))
            }
            for medication in clinical.pharmacotherapy ?? [] {
                let link = "clinical.pharmacotherapy"
                items.append(group(link, [
                    answered("\(link).class", [coding(medication.drugClass)]),
                    answered("\(link).start", medication.start.map { [value("valueDate", .string($0.description))] } ?? []),
                    answered("\(link).end", medication.end.map { [value("valueDate", .string($0.description))] } ?? []),
                    answered("\(link).outcome", medication.outcome.map { [coding($0)] } ?? []),
                ]))
            }
            items.append(answered("clinical.treatmentPlan", (clinical.treatmentPlan ?? []).map(coding)))
            if let prior = clinical.priorInjectionResponse {
                let link = "clinical.priorInjectionResponse"
                items.append(answered("\(link).percentPainImprovement", prior.percentPainImprovement.map { [value("valueInteger", .integer($0))] } ?? []))
                items.append(answered("\(link).functionalImprovement", prior.functionalImprovement.map { [value("valueBoolean", .bool($0))] } ?? []))
                items.append(answered("\(link).rangeOfMotionImproved", prior.rangeOfMotionImproved.map { [value("valueBoolean", .bool($0))] } ?? []))
            }
            items.append(answered("clinical.documentation", (clinical.documentation ?? []).map(coding)))
        }
        for site in sites ?? [] {
            items.append(group("procedure.sites", [
                answered("procedure.sites.muscle", [value("valueString", .string(site.muscle))]),
                answered("procedure.sites.laterality", site.laterality.map { [coding($0)] } ?? []),
                answered("procedure.sites.triggerPoints", site.triggerPoints.map { [value("valueInteger", .integer($0))] } ?? []),
            ]))
        }
        return FHIRBuild.object([
            ("resourceType", .string("QuestionnaireResponse")),
            ("id", .string(id)),
            ("questionnaire", .string(questionnaire)),
            ("status", .string("completed")),
            ("subject", subject.map { FHIRBuild.reference($0) }),
            ("item", .array(items.compactMap { $0 })),
        ])
    }
}
