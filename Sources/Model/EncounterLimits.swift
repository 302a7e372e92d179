/// The most of each repeated part an encounter may carry (issue 27, item 7): limits no real claim
/// reaches, so that a hostile or broken request is refused with a located error before any work
/// is done on it, whichever way it arrives (Contract 1 JSON, FHIR, 837).
///
/// Lines, diagnoses, modifiers and diagnosis pointers are the 837P (005010X222A1) maxima: loop
/// 2400 repeats at most 50 times per claim, HI carries at most 12 diagnoses, SV101 at most 4
/// modifiers and SV107 at most 4 pointers. A professional claim is an 837P or its equivalent, so a
/// claim with more is not one. The others have no standard bound and get ample headroom: a trigger
/// point injection treats a handful of muscles (the catalog names far fewer than 100), and 1,000
/// prior services is twenty years of weekly injections.
public enum EncounterLimits {
    public static let lines = 50
    public static let diagnoses = 12
    public static let modifiers = 4
    public static let diagnosisPointers = 4
    public static let sites = 100
    public static let injectates = 100
    public static let history = 1_000
    /// Conservative therapies, drugs, treatment plan entries, documentation elements.
    public static let clinicalEntries = 100

    /// The refusal message for `count` items of a kind (`"lines"`) limited to `limit`, or nil within it.
    public static func excess(_ count: Int, _ noun: String, limit: Int) -> String? {
        count > limit ? "\(count) \(noun); at most \(limit)" : nil
    }
}
