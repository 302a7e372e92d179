import CodeSets
import Foundation
import Model

/// One pass over one note: finds the facts, records their evidence and the open questions.
struct NoteReading {
    let text: NSString
    let extractor: NoteExtractor
    let sentences: [NoteSentence]
    var evidence: [Evidence] = []
    var questions: [String] = []
    var clinicalContent = false
    /// A finding was named, whatever its assertion (an uncertain one is content too).
    var sawFinding = false

    var dateOfService: LocalDate?
    var payer: String?
    var memberID: String?
    var diagnoses: [String] = []
    var lines: [ServiceLine] = []
    var sites: [InjectionSite] = []
    var injectate: [String]?
    var guidance: ImagingGuidance?
    var findings = Findings()
    var therapies: [ConservativeTherapy] = []
    var medications: [Pharmacotherapy] = []
    var prior: PriorInjectionResponse?
    var painOnset: LocalDate?

    init(note: String, extractor: NoteExtractor) {
        text = note as NSString
        self.extractor = extractor
        sentences = NoteContext.sentences(text)
    }

    // MARK: Matching

    /// Every match of `pattern` (case-insensitive) in `range`, or in the whole note.
    func matches(_ pattern: String, in range: NSRange? = nil) -> [NSTextCheckingResult] {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return [] }
        return regex.matches(in: text as String, range: range ?? NSRange(location: 0, length: text.length))
    }

    func string(_ range: NSRange) -> String { range.location == NSNotFound ? "" : text.substring(with: range) }

    func sentence(containing location: Int) -> NoteSentence {
        sentences.first { NSLocationInRange(location, $0.range) } ?? NoteSentence(range: NSRange(location: 0, length: text.length), text: text as String)
    }

    mutating func record(_ fact: String, _ range: NSRange) {
        evidence.append(Evidence(fact: fact, start: range.location, end: range.location + range.length, text: string(range)))
    }

    mutating func ask(_ question: String) {
        if !questions.contains(question) { questions.append(question) }
    }

    // MARK: The pass

    mutating func run(dateOfService given: LocalDate?, payer givenPayer: String?) {
        readDate(given)
        readPayerAndMember(givenPayer)
        readCodes()
        readSites()
        readInjectate()
        readGuidance()
        readFindings()
        readTherapies()
        readMedications()
        readPriorResponse()
        readPainOnset()
        clinicalContent = sawFinding || !sites.isEmpty || !lines.isEmpty || !diagnoses.isEmpty || injectate != nil
            || evidence.contains { $0.fact.hasPrefix("clinical.findings") } || !therapies.isEmpty || !medications.isEmpty
    }

    static let monthNames = ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
                             "sep": 9, "oct": 10, "nov": 11, "dec": 12]

    /// A date written as 2025-03-14, 03/14/2025 or March 14, 2025 at `range`.
    func date(in value: String) -> LocalDate? {
        if let d = LocalDate(value) { return d }
        let parts = value.split { $0 == "/" || $0 == "-" }.compactMap { Int($0) }
        if parts.count == 3 {
            let year = parts[2] < 100 ? 2000 + parts[2] : parts[2]
            return LocalDate(year: year, month: parts[0], day: parts[1])
        }
        let words = value.lowercased().replacingOccurrences(of: ",", with: " ").split(separator: " ")
        if words.count == 3, let m = Self.monthNames[String(words[0].prefix(3))], let d = Int(words[1]), let y = Int(words[2]) {
            return LocalDate(year: y, month: m, day: d)
        }
        return nil
    }

    static let datePattern = #"(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4})"#

    mutating func readDate(_ given: LocalDate?) {
        if let given { dateOfService = given; return }
        let labelled = #"(?:date of service|DOS|date of procedure|procedure date|procedure note|visit date|date)\s*[:#-]?\s*"# + Self.datePattern
        if let m = matches(labelled).first, let d = date(in: string(m.range(at: 1))) {
            dateOfService = d
            record("dateOfService", m.range(at: 1))
        } else if let m = matches(#"^\s*"# + Self.datePattern).first, let d = date(in: string(m.range(at: 1))) {
            // A note that opens with a date is dated by it.
            dateOfService = d
            record("dateOfService", m.range(at: 1))
        } else {
            ask("What is the date of service? The note gives none (pass --date YYYY-MM-DD).")
        }
    }

    mutating func readPayerAndMember(_ given: String?) {
        if let given { payer = given } else {
            ask("Which payer? The note does not say (pass --payer ID).")
        }
        if let m = matches(#"(?:member id|member #|member|subscriber id|MRN|patient id)\s*[:#]\s*([A-Z0-9-]{3,})"#).first {
            memberID = string(m.range(at: 1))
            record("member.id", m.range(at: 1))
        } else {
            ask("What is the member id? The note gives none.")
        }
    }

    mutating func readCodes() {
        for m in matches(#"\b([A-TV-Z][0-9][0-9AB](?:\.?[0-9A-TV-Z]{1,4})?)\b"#) {
            let code = string(m.range(at: 1)).uppercased()
            guard code.contains(".") || code.count > 3, code.contains(where: \.isNumber) else { continue }
            let compact = code.replacingOccurrences(of: ".", with: "")
            guard extractor.icd10.exists(compact) || extractor.icd10.exists(code) else { continue }
            let dotted = ICD10CM.dotted(compact)
            if let dos = dateOfService, extractor.icd10.status(of: dotted, on: dos) != .billable {
                ask("Diagnosis \(dotted) is not a billable ICD-10-CM code on \(dos): which specific code applies?")
                continue
            }
            if !diagnoses.contains(dotted) {
                record("diagnoses[\(diagnoses.count)]", m.range(at: 1))
                diagnoses.append(dotted)
            }
        }
        for m in matches(#"\b(\d{5})\b"#) {
            let code = string(m.range(at: 1))
            guard extractor.codes.procedure(code) != nil, !lines.contains(where: { $0.code == code }) else { continue }
            record("lines[\(lines.count)].code", m.range(at: 1))
            lines.append(ServiceLine(code: code))
        }
        if lines.isEmpty { ask("Which procedure code (20552 or 20553)? The note gives none.") }
        if diagnoses.isEmpty { ask("Which diagnosis codes? The note gives no valid ICD-10-CM code.") }
    }

    // MARK: Sites

    static let numberWords = ["one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                              "nine": 9, "ten": 10, "single": 1, "a single": 1, "twelve": 12]

    /// Sentences that describe the injection itself (not the history or the exam).
    func isProcedureSentence(_ s: NoteSentence) -> Bool {
        let l = s.text.lowercased()
        return ["inject", "tpi", "procedure", "trigger point", "needl", "sites", "site:", "tp ", "tps", "muscles:", "muscle:", "points"]
            .contains { l.contains($0) }
    }

    mutating func readSites() {
        struct Mention { let range: NSRange; let entry: MuscleCatalog.Entry; let sentence: NoteSentence }
        var mentions: [Mention] = []
        for s in sentences where isProcedureSentence(s) {
            // Words of the sentence with their ranges; n-grams of up to 5 words, longest first.
            let words = matches(#"[A-Za-z][A-Za-z'-]*"#, in: s.range).map(\.range)
            var i = 0
            while i < words.count {
                var matched = false
                for n in stride(from: min(5, words.count - i), through: 1, by: -1) {
                    let r = NSUnionRange(words[i], words[i + n - 1])
                    let phrase = string(r)
                    // Two-letter names only as capital abbreviations ("QL"), not words like "of".
                    if n == 1 && phrase.count < 3 && (phrase.count < 2 || phrase != phrase.uppercased()) { continue }
                    // The mention is the muscle's name: side words and articles at its edges are not part of it.
                    let edges = ["the", "of", "left", "right", "bilateral", "bilat", "l", "r", "lt", "rt", "both", "muscle", "muscles", "and"]
                    if edges.contains(string(words[i]).lowercased()) || edges.contains(string(words[i + n - 1]).lowercased()) { continue }
                    guard let entry = extractor.muscles.entry(for: phrase) else { continue }
                    // Names must not be stripped of every word: "left" alone normalizes to nothing.
                    mentions.append(Mention(range: r, entry: entry, sentence: s))
                    i += n
                    matched = true
                    break
                }
                if !matched { i += 1 }
            }
        }
        for (k, mention) in mentions.enumerated() {
            let sideWindowStart = max(k > 0 && mentions[k - 1].sentence.range == mention.sentence.range
                                      ? mentions[k - 1].range.location + mentions[k - 1].range.length : mention.sentence.range.location,
                                      mention.range.location - 30)
            let before = NSRange(location: sideWindowStart, length: mention.range.location - sideWindowStart)
            let nextStart = k + 1 < mentions.count && mentions[k + 1].sentence.range == mention.sentence.range
                ? mentions[k + 1].range.location : mention.sentence.range.location + mention.sentence.range.length
            let afterStart = mention.range.location + mention.range.length
            let after = NSRange(location: afterStart, length: max(0, nextStart - afterStart))
            switch mention.entry {
            case .group(let g):
                let group = extractor.muscles.groups[g]
                ask("\"\(string(mention.range))\" names a group (\(group.name)), not one muscle: which muscles were injected? \(group.hint)")
            case .muscle(let m):
                let muscle = extractor.muscles.muscles[m]
                let index = sites.firstIndex { $0.muscle == muscle.name }
                let position = index ?? sites.count
                if index == nil {
                    sites.append(InjectionSite(muscle: muscle.name))
                    record("procedure.sites[\(position)].muscle", mention.range)
                }
                let sideText = string(before) + " " + string(mention.range)
                if let (side, range) = laterality(in: NSUnionRange(before, mention.range), fallback: after) ?? nil {
                    let _ = sideText
                    if let existing = sites[position].laterality, existing != side {
                        sites[position].laterality = .bilateral
                    } else {
                        sites[position].laterality = side
                    }
                    record("procedure.sites[\(position)].laterality", range)
                }
                if let (count, range) = triggerPoints(after: after, before: before) {
                    sites[position].triggerPoints = (sites[position].triggerPoints ?? 0) + (index == nil ? count : count)
                    if index != nil && sites[position].triggerPoints != count { }
                    record("procedure.sites[\(position)].triggerPoints", range)
                }
            }
        }
        for site in sites {
            if site.laterality == nil, extractor.muscles.muscle(named: site.muscle)?.paired ?? true {
                ask("Which side was the \(site.muscle) injected (left, right, bilateral)?")
            }
            if site.triggerPoints == nil { ask("How many trigger points were injected in the \(site.muscle)?") }
        }
        if sites.isEmpty { ask("Which muscles were injected? The note names none.") }
    }

    func laterality(in range: NSRange, fallback: NSRange) -> (Laterality, NSRange)?? {
        let pattern = #"\b(bilateral(?:ly)?|bilat|both|b/l|left|right|lt|rt|l|r)\b"#
        for window in [range, NSRange(location: fallback.location, length: min(fallback.length, 25))] {
            guard let m = matches(pattern, in: window).last else { continue }
            let word = string(m.range(at: 1)).lowercased()
            let side: Laterality = word.hasPrefix("b") ? .bilateral : (word.hasPrefix("l") ? .left : .right)
            return (side, m.range(at: 1))
        }
        return nil
    }

    func triggerPoints(after: NSRange, before: NSRange) -> (Int, NSRange)? {
        let number = #"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|a single|single)"#
        let afterPatterns = [#"[x×]\s*"# + #"(\d+)"#, number + #"\s*(?:trigger points?|TPs?|points?|sites?|injections?)\b"#,
                             #"\(\s*(\d+)\s*\)"#, #"#\s*(\d+)"#]
        for p in afterPatterns {
            if let m = matches(p, in: after).first, let n = count(string(m.range(at: 1))) { return (n, m.range(at: 1)) }
        }
        let beforePattern = number + #"\s*(?:trigger points?|TPs?|points?|sites?|injections?)\s+(?:were\s+)?(?:injected\s+)?(?:in|into|of|to|at)?"#
        if let m = matches(beforePattern, in: before).last, let n = count(string(m.range(at: 1))) { return (n, m.range(at: 1)) }
        return nil
    }

    func count(_ word: String) -> Int? { Int(word) ?? Self.numberWords[word.lowercased()] }

    // MARK: Injectate and guidance

    static let injectates: [(pattern: String, name: String)] = [
        ("lidocaine|xylocaine|lignocaine|lidocain|lido", "lidocaine"), ("bupivacaine|marcaine|sensorcaine|bupivicaine", "bupivacaine"),
        ("ropivacaine|naropin", "ropivacaine"), ("procaine", "procaine"),
        ("triamcinolone|kenalog", "triamcinolone"), ("methylprednisolone|depo-medrol|depomedrol", "methylprednisolone"),
        ("dexamethasone|decadron", "dexamethasone"), ("betamethasone|celestone", "betamethasone"),
        ("normal saline|saline", "saline"), ("botulinum|botox", "botulinum toxin"), ("sarapin", "sarapin"),
    ]

    mutating func readInjectate() {
        for s in sentences {
            let l = s.text.lowercased()
            let about = ["inject", "mixture", "solution", "mix", "cc", "ml", "injectate", "medication", "mg", "%", "tpi", "using", "with"]
                .contains { l.contains($0) }
            guard about else { continue }
            if l.contains("patch") || l.contains("lidoderm") { continue }
            for (pattern, name) in Self.injectates {
                for m in matches(#"\b(?:"# + pattern + #")\b"#, in: s.range) {
                    if NoteContext.assertion(of: m.range, in: s, text: text) == .negated { continue }
                    var list = injectate ?? []
                    if !list.contains(name) {
                        record("procedure.injectate[\(list.count)]", m.range)
                        list.append(name)
                        injectate = list
                    }
                }
            }
        }
        if injectate == nil, let m = matches(#"\b(dry needling|dry-needling|no injectate|nothing (?:was )?injected|without injectate)\b"#).first {
            injectate = []
            record("procedure.injectate", m.range(at: 1))
        }
        if injectate == nil && !sites.isEmpty { ask("What was injected (or was it dry needling)?") }
    }

    mutating func readGuidance() {
        let kinds: [(String, ImagingGuidance)] = [
            (#"ultrasound[- ]guid|under (?:real-time )?ultrasound|US[- ]guid|ultrasound guidance|sonograph|with ultrasound"#, .ultrasound),
            (#"fluoroscop"#, .fluoroscopy), (#"\bCT[- ]guid|under CT"#, .ct), (#"\bMRI?[- ]guid"#, .mri),
            (#"without (?:imaging|image guidance|ultrasound|guidance)|no (?:imaging|image guidance|ultrasound|guidance)|landmark|palpation[- ]guided|by palpation|using palpation|not image[- ]guided|no image"#, .none),
        ]
        for (pattern, kind) in kinds {
            guard let m = matches(pattern).first else { continue }
            let s = sentence(containing: m.range.location)
            if kind != .none, NoteContext.assertion(of: m.range, in: s, text: text) == .negated {
                guidance = ImagingGuidance.none
            } else {
                guidance = kind
            }
            record("procedure.imagingGuidance", m.range)
            return
        }
    }

    // MARK: Findings

    static let findingPatterns: [(Finding, String)] = [
        (.tautBand, #"ta(?:u|ugh|un)t[- ](?:muscle )?bands?|\bTB\s*\+|tight bands?|palpable bands?|taut muscle bands?|ropy band|taunt bands?"#),
        (.spotTenderness, #"(?:spot|point|focal|exquisite|localized|discrete) tenderness|tender(?:ness)? to palpation|\bTTP\b|tender nodules?|tender points?|exquisitely tender"#),
        (.localTwitchResponse, #"(?:local )?twitch(?:es| response| responses)?|\bLTRs?\b"#),
        (.referredPainReproduced, #"referred pain|referral of pain|reproduc(?:es|ed|ing|tion of)(?: (?:his|her|the|their|patient's|usual|typical|familiar|concordant))* (?:pain|symptoms)|concordant pain|pain referr(?:ed|ing|al)"#),
        (.regionalPainInReferralPattern, #"referral pattern|regional pain|pattern of referral"#),
        (.restrictedRangeOfMotion, #"(?:restricted|decreased|limited|reduced|diminished) (?:(?:cervical|lumbar|shoulder|active|passive|neck|trunk)\s+)*(?:ROM|range of motion)|(?:ROM|range of motion)(?: of the [a-z ]+?)?:?(?: is| was)? (?:restricted|limited|decreased|reduced)|(?:full|normal) (?:(?:cervical|lumbar|shoulder|active|neck)\s+)?(?:ROM|range of motion)|(?:ROM|range of motion):?\s*(?:is |was )?(?:full|normal|WNL|intact)|painful ROM"#),
        (.muscleWeakness, #"weakness|\bweak\b|strength:?\s*(?:is )?(?:5/5|full|normal|intact)|(?:4|4\+|3)/5 strength|strength (?:is )?(?:4|4\+|3)/5"#),
    ]

    mutating func readFindings() {
        for (finding, pattern) in Self.findingPatterns {
            var value: Bool?? = .none
            for m in matches(pattern) {
                sawFinding = true
                let s = sentence(containing: m.range.location)
                let phrase = string(m.range).lowercased()
                var assertion = NoteContext.assertion(of: m.range, in: s, text: text)
                // Normal results are documented absence.
                let normal = phrase.hasPrefix("full") || phrase.hasPrefix("normal") || phrase.hasSuffix("full")
                    || phrase.hasSuffix("normal") || phrase.hasSuffix("wnl") || phrase.hasSuffix("intact") || phrase.contains("5/5")
                if normal { assertion = assertion == .negated ? .affirmed : .negated }
                switch assertion {
                case .affirmed:
                    findings[finding] = true; value = .some(true)
                    record("clinical.findings.\(finding.rawValue)", m.range)
                case .negated:
                    if value != .some(true) {
                        findings[finding] = false; value = .some(false)
                        record("clinical.findings.\(finding.rawValue)", m.range)
                    }
                case .uncertain:
                    if value == .none {
                        value = .some(nil)
                        ask("The note is uncertain about \(finding.rawValue) (\"\(s.text.trimmingCharacters(in: .whitespacesAndNewlines))\"): present or not?")
                    }
                case .historical:
                    continue
                }
                if value == .some(true) { break }
            }
        }
    }

    // MARK: Therapy, medications, prior response, onset

    static let therapyPatterns: [(TherapyType, String)] = [
        (.physicalTherapy, #"physical therapy|\bPT\b|physiotherapy|P\.T\."#),
        (.occupationalTherapy, #"occupational therapy|\bOT\b"#),
        (.homeExerciseProgram, #"home exercises?(?: program)?|\bHEP\b|home stretching|home program"#),
        (.activeExercise, #"active exercise|(?<!home )exercise program|gym program|strengthening program"#),
        (.activityModification, #"activity modification|modified activit|modified duty|ergonomic"#),
        (.bedRest, #"bed rest"#),
        (.ultrasound, #"therapeutic ultrasound"#),
        (.rangeOfMotion, #"range of motion exercises?|ROM exercises?|stretching program"#),
        (.heatCold, #"\bheat\b|\bice\b|ice packs?|cold packs?|heating pad|moist heat|cryotherapy"#),
        (.manipulativeTherapy, #"chiropract|manipulation|\bOMT\b|osteopathic manipulative"#),
        (.massage, #"massage"#),
        (.stretchAndSpray, #"stretch and spray|spray and stretch"#),
    ]

    func outcome(in sentence: NoteSentence, near range: NSRange) -> (TherapyOutcome, NSRange)? {
        let outcomes: [(TherapyOutcome, String)] = [
            (.intolerant, #"intoleran|could not tolerate|couldn't tolerate|unable to tolerate|did not tolerate|side effects|stopped due to|GI upset|drowsiness|nausea"#),
            (.failed, #"without (?:relief|improvement|benefit|lasting relief|significant relief)|no (?:relief|improvement|benefit|lasting|significant)|fail(?:ed|ure)|did not help|didn't help|not helpful|minimal (?:relief|benefit|improvement)|unsuccessful|ineffective|little relief|no help|without success|plateaued"#),
            (.improved, #"improv(?:ed|ement)|helped|good relief|some relief|better|relief with"#),
            (.ongoing, #"ongoing|currently (?:in|attending|doing|taking|on)|continues|continuing|still (?:in|doing|taking)|is taking|takes"#),
            (.contraindicated, #"contraindicat"#),
            (.notFeasible, #"not feasible|unable to attend|could not attend|cannot attend|no access|not covered"#),
        ]
        for (kind, pattern) in outcomes {
            if let m = matches(pattern, in: sentence.range).first { return (kind, m.range) }
        }
        return nil
    }

    /// "6 weeks", "3 months", "x 8 wks" in `range`, as days.
    func duration(in range: NSRange, near mention: NSRange) -> (days: Int, NSRange)? {
        let pattern = #"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several)[- ](weeks?|wks?|months?|mos?|years?|yrs?|days?)\b"#
        // The duration closest to the therapy named, not the pain's duration earlier in the sentence.
        let distance = { (r: NSRange) in r.location > mention.location ? r.location - mention.location - mention.length : mention.location - r.location - r.length }
        guard let m = matches(pattern, in: range).min(by: { distance($0.range) < distance($1.range) }),
              distance(m.range) < 40, let n = count(string(m.range(at: 1))) else { return nil }
        // "8 weeks last fall", "6 weeks a year ago": a past course whose end the note does not date.
        let tail = string(NSRange(location: m.range.location + m.range.length,
                                  length: min(20, range.location + range.length - m.range.location - m.range.length))).lowercased()
        if ["last fall", "last year", "last spring", "last summer", "last winter", "ago", " in 20"].contains(where: tail.contains) { return nil }
        let unit = string(m.range(at: 2)).lowercased()
        let days = unit.hasPrefix("w") ? n * 7 : unit.hasPrefix("m") ? n * 30 : unit.hasPrefix("y") ? n * 365 : n
        return (days, m.range)
    }

    /// "from 2025-02-01 to 2025-04-01".
    func span(in range: NSRange) -> (LocalDate, LocalDate, NSRange)? {
        guard let m = matches(#"from\s+"# + Self.datePattern + #"\s+(?:to|through|until|-)\s+"# + Self.datePattern, in: range).first,
              let a = date(in: string(m.range(at: 1))), let b = date(in: string(m.range(at: 2))) else { return nil }
        return (a, b, m.range)
    }

    /// "since March", "since 01/15/2025", "from 2025-01-02 to 2025-02-20".
    func since(in range: NSRange) -> (LocalDate, NSRange)? {
        if let m = matches(#"(?:since|starting|started|began|from|beginning)\s+(?:in\s+)?"# + Self.datePattern, in: range).first,
           let d = date(in: string(m.range(at: 1))) { return (d, m.range(at: 1)) }
        let months = "january|february|march|april|may|june|july|august|september|october|november|december"
        if let dos = dateOfService, let m = matches(#"(?:since|starting|started|began|from|beginning)\s+(?:in\s+)?("# + months + #")\b"#, in: range).first,
           let month = Self.monthNames[String(string(m.range(at: 1)).lowercased().prefix(3))] {
            let year = month <= dos.month ? dos.year : dos.year - 1
            if let d = LocalDate(year: year, month: month, day: 1) { return (d, m.range(at: 1)) }
        }
        return nil
    }

    mutating func readTherapies() {
        for (type, pattern) in Self.therapyPatterns {
            for m in matches(pattern) {
                let s = sentence(containing: m.range.location)
                let l = s.text.lowercased().trimmingCharacters(in: .whitespaces)
                // Imaging guidance and plan sentences are not a course already tried.
                if type == .ultrasound && l.contains("guid") { continue }
                if l.hasPrefix("plan") || l.contains("will start") || l.contains("refer to") || l.contains("recommend") || l.contains("continue ") && l.contains("plan") { continue }
                // "Pt" and "pt" are the patient; the therapy abbreviations are written in capitals.
                if ["ot", "pt"].contains(string(m.range).lowercased()), string(m.range) != string(m.range).uppercased() { continue }
                // "with a PT" is the therapist, not a course of therapy.
                let lead = string(NSRange(location: max(0, m.range.location - 4), length: min(4, m.range.location))).lowercased()
                if string(m.range) == "PT", lead.hasSuffix(" a ") || lead.hasSuffix("the ") { continue }
                let assertion = NoteContext.assertion(of: m.range, in: s, text: text)
                if assertion == .negated, !(l.contains("without relief") || l.contains("no relief")) { continue }
                if therapies.contains(where: { $0.type == type }) { continue }
                var therapy = ConservativeTherapy(type: type)
                let position = therapies.count
                record("clinical.conservativeTherapy[\(position)].type", m.range)
                if let (o, r) = outcome(in: s, near: m.range) {
                    therapy.outcome = o
                    record("clinical.conservativeTherapy[\(position)].outcome", r)
                } else {
                    ask("How did the \(type.rawValue.replacingOccurrences(of: "_", with: " ")) go (failed, improved, ongoing …)?")
                }
                if let (start, end, r) = span(in: s.range) {
                    therapy.start = start
                    therapy.end = end
                    record("clinical.conservativeTherapy[\(position)].start", r)
                } else if let (days, r) = duration(in: s.range, near: m.range), let dos = dateOfService {
                    therapy.start = dos.adding(days: -days)
                    therapy.end = dos
                    record("clinical.conservativeTherapy[\(position)].start", r)
                } else if let (start, r) = since(in: s.range) {
                    therapy.start = start
                    therapy.end = dateOfService
                    record("clinical.conservativeTherapy[\(position)].start", r)
                } else {
                    ask("When, and for how long, was the \(type.rawValue.replacingOccurrences(of: "_", with: " ")) done?")
                }
                therapies.append(therapy)
            }
        }
    }

    mutating func readMedications() {
        let names = extractor.drugs.classes.keys.sorted { $0.count > $1.count }
        let alternation = names.map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "|")
        var covered: [NSRange] = []
        for m in matches(#"\b("# + alternation + #")\b"#) {
            if covered.contains(where: { NSIntersectionRange($0, m.range).length > 0 }) { continue }
            covered.append(m.range)
            let name = string(m.range(at: 1))
            guard let drugClass = extractor.drugs.drugClass(of: name) else { continue }
            let s = sentence(containing: m.range.location)
            if NoteContext.assertion(of: m.range, in: s, text: text) == .negated { continue }
            let l = s.text.lowercased().trimmingCharacters(in: .whitespaces)
            if l.contains("allerg") || l.hasPrefix("plan") || l.contains("will start") || l.contains("recommend") { continue }
            if medications.contains(where: { $0.drugClass == drugClass }) { continue }
            let position = medications.count
            var medication = Pharmacotherapy(drugClass: drugClass)
            record("clinical.pharmacotherapy[\(position)].class", m.range(at: 1))
            // The outcome of this drug: the clause from the drug to the next drug or the sentence end.
            if let (o, r) = outcome(in: s, near: m.range) {
                medication.outcome = o
                record("clinical.pharmacotherapy[\(position)].outcome", r)
            }
            medications.append(medication)
        }
    }

    mutating func readPriorResponse() {
        for m in matches(#"(\d{1,3})\s?(?:%|percent)\s*(?:pain\s+)?(?:relief|improvement|reduction|better|decrease|less pain)"#) {
            let s = sentence(containing: m.range.location).text.lowercased()
            guard ["injection", "tpi", "last", "prior", "previous", "after", "following"].contains(where: s.contains),
                  let percent = Int(string(m.range(at: 1))), percent <= 100 else { continue }
            var response = prior ?? PriorInjectionResponse()
            response.percentPainImprovement = percent
            record("clinical.priorInjectionResponse.percentPainImprovement", m.range(at: 1))
            if let f = matches(#"(?:function(?:al)?|ADLs?|sleep|work)[a-z ]{0,30}(?:improv|better)|improv[a-z ]{0,20}(?:function|ADLs?|sleep)"#,
                               in: sentence(containing: m.range.location).range).first {
                response.functionalImprovement = true
                record("clinical.priorInjectionResponse.functionalImprovement", f.range)
            }
            prior = response
            return
        }
    }

    mutating func readPainOnset() {
        let pattern = #"(?:pain|symptoms|discomfort|spasm)[a-z ,]{0,40}?(?:for|x|over|of|since|times)\s+(?:the\s+(?:past|last)\s+)?(?:about\s+|approximately\s+|~)?(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several)[- ](weeks?|wks?|months?|mos?|years?|yrs?)\b"#
        if let m = matches(pattern).first, let dos = dateOfService, let n = count(string(m.range(at: 1))) {
            let unit = string(m.range(at: 2)).lowercased()
            painOnset = unit.hasPrefix("w") ? dos.adding(days: -7 * n) : unit.hasPrefix("m") ? dos.adding(months: -n) : dos.adding(months: -12 * n)
            record("clinical.painOnset", NSUnionRange(m.range(at: 1), m.range(at: 2)))
            return
        }
        if let m = matches(#"(?:onset|pain (?:began|started|since))\s*[:]?\s*(?:on\s+)?"# + Self.datePattern).first,
           let d = date(in: string(m.range(at: 1))) {
            painOnset = d
            record("clinical.painOnset", m.range(at: 1))
        }
    }

    // MARK: The draft

    func result() -> NoteExtraction {
        var clinical = Clinical()
        if findings != Findings() { clinical.findings = findings }
        if !therapies.isEmpty { clinical.conservativeTherapy = therapies }
        if !medications.isEmpty { clinical.pharmacotherapy = medications }
        clinical.priorInjectionResponse = prior
        clinical.painOnset = painOnset
        let procedure = Procedure(sites: sites.isEmpty ? nil : sites, injectate: injectate, imagingGuidance: guidance)
        var extraction = NoteExtraction(encounter: nil, dateOfService: dateOfService, procedureCodes: lines.map(\.code),
                                        diagnoses: diagnoses, procedure: procedure == Procedure() ? nil : procedure,
                                        clinical: clinical == Clinical() ? nil : clinical, evidence: evidence, questions: questions)
        // Contract 1 needs a date of service and a service line: without them the facts stand alone.
        if let dos = dateOfService, !lines.isEmpty {
            extraction.encounter = Encounter(id: "note-draft", member: Member(id: memberID ?? "unknown"),
                                             coverage: Coverage(payer: payer ?? "unknown"), dateOfService: dos,
                                             diagnoses: diagnoses.isEmpty ? nil : diagnoses, lines: lines,
                                             procedure: extraction.procedure, clinical: extraction.clinical)
        }
        return extraction
    }
}
