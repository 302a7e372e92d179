/// Why the history store refused or failed. Every case has a message a user can act on; nothing is
/// written when one is thrown.
public enum HistoryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file (or PostgreSQL schema) exists but is not a medpolicy history: another SQLite database,
    /// a file that is not SQLite at all, or a schema holding someone else's tables.
    case notOurDatabase(String)
    /// The history was written by a newer medpolicy (schema version `found`; this one supports `supported`).
    case newerSchema(found: Int, supported: Int)
    /// The history file, or the directory it lives in (or would be created in), is not writable.
    case readOnly(String)
    /// The PostgreSQL server could not be reached; the message says where and why.
    case unreachable(String)
    /// The PostgreSQL location is malformed (the message never repeats the password).
    case invalidLocation(String)
    /// An original claim whose id is already recorded, with different content.
    case conflictingResubmission(claimId: String)
    /// A replacement or void names a claim that was never recorded.
    case unknownReplacedClaim(String)
    /// A replacement or void names a claim that was already replaced (`state == "superseded"`) or
    /// voided (`state == "voided"`) by claim `by`.
    case replacedClaimNotCurrent(claimId: String, state: String, by: String)
    /// A replacement or void names a claim recorded for another member.
    case replacedClaimOfAnotherMember(claimId: String, recordedMember: String, member: String)
    /// A prior authorization whose number is on file for another member or payer: recording it would
    /// hand one member's authorization to another.
    case authorizationOfAnotherMember(number: String)
    /// A claim whose `field` (claim id, member id, payer, replaced claim id, a line's code) contains
    /// U+0000, which neither store can hold: SQLite would cut the text there, PostgreSQL refuses it.
    case unstorableText(field: String)
    /// The store was closed.
    case closed
    /// Any other failure of the database, with its own message.
    case storage(String)

    public var description: String {
        switch self {
        case .notOurDatabase(let place):
            return "\(place) is not a medpolicy claim history (it is another database, or not a database at all); "
                + "it was left untouched. Choose another history location."
        case .newerSchema(let found, let supported):
            return "the claim history has schema version \(found), newer than version \(supported) that this medpolicy "
                + "understands; it was left untouched. Upgrade medpolicy to use it."
        case .readOnly(let place):
            return "\(place) is read-only, and medpolicy records every adjudication in its claim history. "
                + "Make it writable, or choose another history location."
        case .unreachable(let detail):
            return "cannot reach the PostgreSQL claim history: \(detail)"
        case .invalidLocation(let detail):
            return "invalid claim history location: \(detail)"
        case .conflictingResubmission(let claimId):
            return "claim \(claimId) is already recorded with different content; to change a claim, send a replacement "
                + "(frequency 7, \"frequency\": \"replacement\", \"replaces\": \"\(claimId)\")"
        case .unknownReplacedClaim(let claimId):
            return "claim \(claimId), named by this replacement or void, is not in the claim history; "
                + "send it as an original claim instead"
        case .replacedClaimNotCurrent(let claimId, let state, let by):
            if state == "voided" {
                return "claim \(claimId) was voided by claim \(by) and can no longer be replaced or voided; "
                    + "send a new original claim"
            }
            return "claim \(claimId) was already replaced by claim \(by); a replacement or void must name the "
                + "latest version of the claim (\(by))"
        case .authorizationOfAnotherMember(let number):
            return "prior authorization \(number) is on file for another member or payer; it was not replaced. "
                + "Give this authorization a number of its own"
        case .replacedClaimOfAnotherMember(let claimId, let recordedMember, let member):
            return "claim \(claimId) is recorded for member \(recordedMember), not \(member); to move a claim to another "
                + "member, void it and send a new original claim"
        case .unstorableText(let field):
            return "the claim's \(field) contains a NUL character (U+0000), which the claim history cannot store "
                + "as given; nothing was recorded. Remove it and send the claim again"
        case .closed:
            return "the claim history store is closed"
        case .storage(let detail):
            return "claim history error: \(detail)"
        }
    }
}
