import Model

/// Da Vinci DTR: questionnaires generated from a policy's criteria, and the answers read back
/// into Contract 1 clinical facts.
public enum DTR {
    /// The Questionnaire id for a policy id: characters FHIR ids do not allow (`/`, `_`, …) become `-`.
    public static func questionnaireId(policyId: String) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.")
        return String(String(policyId.map { allowed.contains($0) ? $0 : "-" }).prefix(64))
    }
}
