import Model

/// SBR09 claim filing indicator codes (837P 005010X222A1) and the line of business each maps to.
///
/// | SBR09 | meaning | line of business |
/// | --- | --- | --- |
/// | `MA`, `MB` | Medicare Part A / Part B | `medicare` |
/// | `16` | Health Maintenance Organization (HMO) Medicare Risk | `medicare_advantage` |
/// | `MC` | Medicaid | `medicaid` |
/// | `FI` | Federal Employees Program | `fep` |
/// | `CI`, `BL`, `HM`, `12`, `13`, `14`, `15`, `17` | commercial, Blue Cross/Blue Shield, HMO, PPO, POS, EPO, indemnity, dental HMO | `commercial` |
/// | `11`, `AM`, `CH`, `DS`, `LM`, `OF`, `TV`, `VA`, `WC`, `ZZ` | other non-federal, auto, TRICARE, disability, liability medical, other federal, Title V, VA, workers' compensation, mutually defined | none: `lineOfBusiness` stays absent (the engine reads absent as commercial); the code stays on `ParsedClaim.claimFilingIndicator` |
///
/// Any other value is an error at SBR09.
public enum ClaimFilingIndicator {
    /// Every code the 837P allows in SBR09.
    public static let allowed: Set<String> = [
        "11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM", "LM", "MA", "MB",
        "MC", "OF", "TV", "VA", "WC", "ZZ",
    ]

    /// The line of business for an SBR09 code; `nil` when medpolicy has no counterpart.
    public static func lineOfBusiness(_ code: String) -> LineOfBusiness? {
        switch code {
        case "MA", "MB": return .medicare
        case "16": return .medicareAdvantage
        case "MC": return .medicaid
        case "FI": return .fep
        case "CI", "BL", "HM", "12", "13", "14", "15", "17": return .commercial
        default: return nil
        }
    }

    /// The 835 CLP06 code for an 837 SBR09 code. The 835 list lacks `11`, `BL`, `CI` and `FI`;
    /// those are sent as `ZZ` (mutually defined).
    public static func remittanceCode(_ code: String) -> String {
        switch code {
        case "12", "13", "14", "15", "16", "17", "AM", "CH", "DS", "HM", "LM", "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ":
            return code
        default: return "ZZ"
        }
    }
}
