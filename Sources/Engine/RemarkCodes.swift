/// The remittance advice remark codes (RARC) medpolicy pairs with the CARCs whose X12 usage note
/// requires one ("At least one Remark Code must be provided": 16, 96, 252). A policy rule names its
/// own; these are the engine's, for the reasons it makes itself.
enum RemarkCode {
    /// With 252: the payer needs the patient's medical record to decide ("Missing patient medical
    /// record for this service").
    static let missingMedicalRecord = ["M127"]
    /// With 16 when the procedure code does not fit what was done ("Procedure code billed is not
    /// correct/valid for the services billed or the date of service billed").
    static let procedureCodeNotValid = ["N56"]
    /// With 16 for a diagnosis invalid or a header on the date of service (docs/determinations.md § Denial codes).
    static let invalidDiagnosis = ["M76"]
}
