import Foundation

/// What the words around a mention say about it (ConText: Chapman et al., Harkema et al.).
public enum Assertion: String, Sendable, Equatable {
    case affirmed, negated, uncertain, historical
}

/// One sentence of a note with its UTF-16 range, so mentions can be scoped to it.
struct NoteSentence {
    let range: NSRange
    let text: String
}

/// A ConText-style classifier: trigger phrases before or after a mention, in scope up to the
/// sentence end or a terminator ("but", "however", ";").
enum NoteContext {
    static let preNegation = ["no", "not", "denies", "denied", "without", "negative for", "absence of", "absent",
                              "free of", "no evidence of", "no signs of", "never", "none", "non", "unable to elicit",
                              "did not elicit", "not elicited", "lacks", "no palpable", "neither", "nor"]
    static let postNegation = ["absent", "was not found", "were not found", "not found", "not present", "not elicited",
                               "not appreciated", "not noted", "not seen", "negative", "none", "ruled out",
                               "was ruled out", "not reproduced", "were absent", "was absent"]
    static let preUncertainty = ["possible", "possibly", "questionable", "question of", "probable", "probably",
                                 "may have", "might", "suspected", "suspicious for", "equivocal", "rule out", "r/o",
                                 "cannot rule out", "can't rule out", "unclear", "vague", "?"]
    static let postUncertainty = ["?", "questionable", "is possible", "was equivocal", "equivocal", "unclear"]
    static let preHistorical = ["history of", "hx of", "h/o", "previously had", "in the past"]
    static let terminators = ["but", "however", "although", "though", "except", "yet", "which", "with"]

    /// Splits `text` into sentences at . ! ? and line breaks (keeping "e.g." style abbreviations short).
    static func sentences(_ text: NSString) -> [NoteSentence] {
        var result: [NoteSentence] = []
        var start = 0
        let length = text.length
        var i = 0
        while i < length {
            let c = text.character(at: i)
            var boundary = c == 10 || c == 13 || c == 33 || c == 63 // \n \r ! ?
            if c == 46 { // '.': a boundary when followed by white space or the end, not inside "1.5"
                let next = i + 1 < length ? text.character(at: i + 1) : 32
                boundary = next == 32 || next == 10 || next == 13 || next == 9
            }
            if c == 63 { // "?" as a prefix uncertainty ("?taut band") is inside the sentence
                let next = i + 1 < length ? text.character(at: i + 1) : 32
                boundary = next == 32 || next == 10 || next == 13
            }
            if boundary {
                if i + 1 > start { result.append(NoteSentence(range: NSRange(location: start, length: i + 1 - start),
                                                               text: text.substring(with: NSRange(location: start, length: i + 1 - start)))) }
                start = i + 1
            }
            i += 1
        }
        if start < length {
            result.append(NoteSentence(range: NSRange(location: start, length: length - start),
                                       text: text.substring(with: NSRange(location: start, length: length - start))))
        }
        return result
    }

    /// The assertion of the mention at `mention` (UTF-16, absolute) inside `sentence`.
    static func assertion(of mention: NSRange, in sentence: NoteSentence, text: NSString) -> Assertion {
        let before = text.substring(with: NSRange(location: sentence.range.location,
                                                  length: mention.location - sentence.range.location)).lowercased()
        let afterStart = mention.location + mention.length
        let after = text.substring(with: NSRange(location: afterStart,
                                                 length: sentence.range.location + sentence.range.length - afterStart)).lowercased()
        // Scope: from the last terminator before the mention, up to the first terminator after it.
        let beforeScope = lastClause(before)
        let afterScope = firstClause(after)
        // Pre-triggers reach five words back (ConText's window), so "without relief and took naproxen"
        // does not negate the naproxen.
        let beforeWords = " " + words(pseudoFree(beforeScope)).split(separator: " ").suffix(5).joined(separator: " ") + " "
        let afterWords = " " + words(afterScope) + " "
        let beforeRaw = beforeScope
        if preHistorical.contains(where: { beforeWords.contains(" \(words($0)) ") }) { return .historical }
        if postNegation.contains(where: { afterWords.hasPrefix(" " + words($0) + " ")
                                          || afterWords.contains(" " + words($0) + " ") && afterScope.count < 40 }) {
            return .negated
        }
        if preNegation.contains(where: { beforeWords.contains(" \(words($0)) ") }) { return .negated }
        if preUncertainty.contains(where: { $0 == "?" ? beforeRaw.hasSuffix("?") || beforeRaw.hasSuffix("? ")
                                                      : beforeWords.contains(" \(words($0)) ") }) { return .uncertain }
        if postUncertainty.contains(where: { $0 == "?" ? afterScope.hasPrefix("?") : afterWords.hasPrefix(" \(words($0)) ") }) {
            return .uncertain
        }
        return .affirmed
    }

    /// Pseudo-triggers: a negation phrase that negates its own object ("without relief", "no
    /// complications"), removed so it does not reach the next mention.
    static let pseudoTriggers = ["without relief", "without improvement", "without benefit", "without success",
                                 "without complication", "without complications", "without difficulty", "no relief",
                                 "no improvement", "no complications", "no benefit", "not only", "no change"]

    static func pseudoFree(_ text: String) -> String {
        var lowered = " " + words(text) + " "
        for p in pseudoTriggers { lowered = lowered.replacingOccurrences(of: " \(p) ", with: " ") }
        return lowered
    }

    /// Lower-case words of `text`, letters, digits, "/" and "'" kept, joined by one space.
    static func words(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "/" || $0 == "'" ? $0 : " " })
            .split(separator: " ").joined(separator: " ")
    }

    private static func lastClause(_ text: String) -> String {
        var clause = Substring(text)
        for separator in [";", ":", ","] where clause.contains(separator) && separator != "," {
            clause = clause.split(separator: Character(separator), omittingEmptySubsequences: false).last ?? clause
        }
        let lowered = " " + words(String(clause)) + " "
        var best: String.Index? = nil
        for t in terminators where t != "with" {
            if let r = lowered.range(of: " \(t) ", options: .backwards), best == nil || r.upperBound > best! { best = r.upperBound }
        }
        if let best { return String(lowered[best...]) }
        // A comma list after a negation keeps the negation ("no taut band, twitch or tenderness").
        return String(clause)
    }

    private static func firstClause(_ text: String) -> String {
        var clause = Substring(text)
        for separator in [";", ","] {
            if let i = clause.firstIndex(of: Character(separator)) { clause = clause[..<i] }
        }
        let lowered = " " + words(String(clause)) + " "
        var cut = lowered.endIndex
        for t in terminators {
            if let r = lowered.range(of: " \(t) "), r.lowerBound < cut { cut = r.lowerBound }
        }
        return String(lowered[..<cut])
    }
}
