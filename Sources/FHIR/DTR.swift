import Interchange
import Model
import Policies

/// Da Vinci DTR: a FHIR Questionnaire generated from a policy's criteria (one item per clinical
/// fact the policy uses, linkId = the fact's Contract 1 JSON path), and the answers of a
/// QuestionnaireResponse read back into Contract 1 facts. Unanswered stays unknown (`nil`);
/// an explicit `false` stays false.
public enum DTR {
    /// The Questionnaire id for a policy id: characters FHIR ids do not allow (`/`, `_`, …) become `-`.
    public static func questionnaireId(policyId: String) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.")
        return String(String(policyId.map { allowed.contains($0) ? $0 : "-" }).prefix(64))
    }

    // MARK: Questionnaire

    /// The questionnaire for `policy`: items in the order the policy's rules first use each fact,
    /// each citing the rules that use it. Facts the payer knows itself (prior services) are not asked.
    public static func questionnaire(for policy: Policy, canonicalBase: String) -> JSONValue {
        var order: [Question] = []
        var citations: [Question: [String]] = [:]
        for rule in policy.rules {
            var facts: [Fact] = []
            if let when = rule.when { collect(when, into: &facts) }
            if case .criteria(let criterion) = rule.check { collect(criterion, into: &facts) }
            for question in facts.flatMap(questions(for:)) {
                if citations[question] == nil { order.append(question) }
                let cite = "\(rule.id): \(rule.citation.source) § \(rule.citation.section)"
                if !(citations[question] ?? []).contains(cite) { citations[question, default: []].append(cite) }
            }
        }
        let id = questionnaireId(policyId: policy.id)
        return FHIRBuild.object([
            ("resourceType", .string("Questionnaire")),
            ("id", .string(id)),
            ("url", .string("\(canonicalBase)/Questionnaire/\(id)")),
            ("version", FHIRBuild.string(policy.version)),
            ("name", .string("MedpolicyDocumentation" + id.filter { $0.isLetter || $0.isNumber })),
            ("title", .string("Documentation for \(policy.title)")),
            ("status", .string("active")),
            ("subjectType", .array([.string("Patient")])),
            ("description", .string("Documentation medpolicy needs to decide \(policy.id) (source \(policy.source)); "
                + "leave a question unanswered when the record does not say.")),
            ("item", .array(order.map { $0.item(citations: citations[$0] ?? []) })),
        ])
    }

    static func collect(_ criterion: Criterion, into facts: inout [Fact]) {
        switch criterion {
        case .all(let parts), .any(let parts), .atLeast(_, let parts): for part in parts { collect(part, into: &facts) }
        case .not(let inner): collect(inner, into: &facts)
        case .fact(let fact): facts.append(fact)
        }
    }

    static func questions(for fact: Fact) -> [Question] {
        switch fact {
        case .finding(let finding): return [.finding(finding)]
        case .conservativeTherapy: return [.conservativeTherapy]
        case .pharmacotherapy: return [.pharmacotherapy]
        case .treatmentPlan: return [.treatmentPlan]
        case .documented: return [.documentation]
        case .painOnset: return [.painOnset]
        case .priorImprovement: return [.percentPainImprovement]
        case .priorResponse(let measures):
            return ResponseMeasure.allCases.filter(measures.contains).map { measure in
                switch measure {
                case .pain: return .percentPainImprovement
                case .function: return .functionalImprovement
                case .rangeOfMotion: return .rangeOfMotionImproved
                }
            }
        case .sitesDocumented: return [.sites]
        case .priorServices: return []  // the payer's claim history answers it, not the provider
        }
    }

    /// A question of the generated questionnaires; its linkId is the Contract 1 path of the fact.
    enum Question: Hashable {
        case finding(Finding)
        case painOnset, conservativeTherapy, pharmacotherapy, treatmentPlan, documentation
        case percentPainImprovement, functionalImprovement, rangeOfMotionImproved, sites

        var linkId: String {
            switch self {
            case .finding(let finding): return "clinical.findings.\(finding.rawValue)"
            case .painOnset: return "clinical.painOnset"
            case .conservativeTherapy: return "clinical.conservativeTherapy"
            case .pharmacotherapy: return "clinical.pharmacotherapy"
            case .treatmentPlan: return "clinical.treatmentPlan"
            case .documentation: return "clinical.documentation"
            case .percentPainImprovement: return "clinical.priorInjectionResponse.percentPainImprovement"
            case .functionalImprovement: return "clinical.priorInjectionResponse.functionalImprovement"
            case .rangeOfMotionImproved: return "clinical.priorInjectionResponse.rangeOfMotionImproved"
            case .sites: return "procedure.sites"
            }
        }

        func item(citations: [String]) -> JSONValue {
            let extensions = citations.map { cite in
                FHIRBuild.object([("url", .string(FHIRSystem.ruleReference)), ("valueString", .string(cite))])
            }
            let base: [(String, JSONValue?)] = [("extension", FHIRBuild.array(extensions)), ("linkId", .string(linkId))]
            switch self {
            case .finding(let finding):
                return FHIRBuild.object(base + [("text", .string("Does the record document \(DTR.findingText(finding))?")),
                                                ("type", .string("boolean"))])
            case .painOnset:
                return FHIRBuild.object(base + [("text", .string("When did the pain begin?")), ("type", .string("date"))])
            case .treatmentPlan:
                return DTR.choice(base, "Which components does the treatment plan include?", TherapyType.self, repeats: true)
            case .documentation:
                return DTR.choice(base, "Which of these documents are in the medical record?", DocumentationElement.self, repeats: true)
            case .percentPainImprovement:
                return FHIRBuild.object(base + [("text", .string("By what percentage did pain improve after the previous injection?")),
                                                ("type", .string("integer"))])
            case .functionalImprovement:
                return FHIRBuild.object(base + [("text", .string("Did function improve after the previous injection?")),
                                                ("type", .string("boolean"))])
            case .rangeOfMotionImproved:
                return FHIRBuild.object(base + [("text", .string("Did range of motion improve after the previous injection?")),
                                                ("type", .string("boolean"))])
            case .conservativeTherapy:
                return group(base, "Courses of conservative therapy (one per course)", [
                    DTR.choice([("linkId", .string("\(linkId).type"))], "Therapy", TherapyType.self, required: true),
                    DTR.leaf("\(linkId).start", "Start date", "date"),
                    DTR.leaf("\(linkId).end", "End date", "date"),
                    DTR.choice([("linkId", .string("\(linkId).outcome"))], "Outcome", TherapyOutcome.self),
                ])
            case .pharmacotherapy:
                return group(base, "Medications taken for the pain (one per class)", [
                    DTR.choice([("linkId", .string("\(linkId).class"))], "Medication class", DrugClass.self, required: true),
                    DTR.leaf("\(linkId).start", "Start date", "date"),
                    DTR.leaf("\(linkId).end", "End date", "date"),
                    DTR.choice([("linkId", .string("\(linkId).outcome"))], "Outcome", TherapyOutcome.self),
                ])
            case .sites:
                return group(base, "Muscles to be injected (one per muscle and side)", [
                    DTR.leaf("\(linkId).muscle", "Muscle", "string", required: true),
                    DTR.choice([("linkId", .string("\(linkId).laterality"))], "Side", Laterality.self),
                    DTR.leaf("\(linkId).triggerPoints", "Number of trigger points", "integer"),
                ])
            }
        }

        private func group(_ base: [(String, JSONValue?)], _ text: String, _ children: [JSONValue]) -> JSONValue {
            FHIRBuild.object(base + [("text", .string(text)), ("type", .string("group")), ("repeats", .bool(true)),
                                     ("item", .array(children))])
        }
    }

    static func leaf(_ linkId: String, _ text: String, _ type: String, required: Bool = false) -> JSONValue {
        FHIRBuild.object([("linkId", .string(linkId)), ("text", .string(text)), ("type", .string(type)),
                          ("required", required ? .bool(true) : nil)])
    }

    static func choice<E: RawRepresentable & CaseIterable>(_ base: [(String, JSONValue?)], _ text: String, _ type: E.Type,
                                                           repeats: Bool = false, required: Bool = false) -> JSONValue
        where E.RawValue == String {
        let options = E.allCases.map { option in
            FHIRBuild.object([("valueCoding", FHIRBuild.coding(codeSystem(E.self), option.rawValue,
                                                               option.rawValue.replacingOccurrences(of: "_", with: " ")))])
        }
        return FHIRBuild.object(base + [("text", .string(text)), ("type", .string("choice")),
                                        ("required", required ? .bool(true) : nil), ("repeats", repeats ? .bool(true) : nil),
                                        ("answerOption", .array(options))])
    }

    /// medpolicy's code system for a Contract 1 enumeration (the codes are its JSON values).
    static func codeSystem<E>(_ type: E.Type) -> String {
        let name = String(describing: type)
        return "\(FHIRSystem.medpolicyBase)/CodeSystem/\(name.prefix(1).lowercased() + name.dropFirst())"
    }

    static func findingText(_ finding: Finding) -> String {
        switch finding {
        case .regionalPainInReferralPattern: return "regional pain in a referral pattern"
        case .tautBand: return "a palpable taut band"
        case .spotTenderness: return "exquisite spot tenderness in the band"
        case .restrictedRangeOfMotion: return "restricted range of motion"
        case .localTwitchResponse: return "a local twitch response"
        case .referredPainReproduced: return "referred pain reproduced by pressure on the trigger point"
        case .muscleWeakness: return "weakness of the affected muscle"
        }
    }
}
