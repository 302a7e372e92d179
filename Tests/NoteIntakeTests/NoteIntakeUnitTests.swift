import CodeSets
import Foundation
import Model
import NoteIntake
import Testing

@Suite("NoteIntake negation, drugs, bad input")
struct NoteIntakeUnitTests {
    static let extractor = Result { try NoteExtractor.loadBundled() }
    static let date = LocalDate("2025-03-14")!

    func findings(_ note: String) throws -> Findings? {
        try Self.extractor.get().extract(note: note, dateOfService: Self.date).clinical?.findings
    }

    @Test("a pre-negation trigger negates the finding; an affirmed one is true")
    func preNegation() throws {
        #expect(try findings("Exam: no taut band in the left trapezius.")?.tautBand == false)
        #expect(try findings("Exam: taut band in the left trapezius.")?.tautBand == true)
        #expect(try findings("Patient denies weakness.")?.muscleWeakness == false)
        #expect(try findings("Palpation without twitch response.")?.localTwitchResponse == false)
    }

    @Test("a post-negation trigger negates; a terminator ends the scope")
    func postNegationAndTerminator() throws {
        #expect(try findings("Twitch response was not found.")?.localTwitchResponse == false)
        #expect(try findings("Taut band: absent")?.tautBand == false)
        let mixed = try findings("No twitch response but a taut band is present.")
        #expect(mixed?.localTwitchResponse == false)
        #expect(mixed?.tautBand == true)
    }

    @Test("uncertain findings are not set and become questions; historical ones are not set")
    func uncertainAndHistorical() throws {
        let extraction = try Self.extractor.get().extract(note: "Possible taut band in the right trapezius.", dateOfService: Self.date)
        #expect(extraction.clinical?.findings?.tautBand == nil)
        #expect(extraction.questions.contains { $0.contains("tautBand") })
        #expect(try findings("History of weakness after a stroke. Taut band in the trapezius.")?.muscleWeakness == nil)
    }

    @Test("the drug table maps generic and brand names to classes and rejects unknown classes")
    func drugTable() throws {
        let drugs = try DrugTable.loadBundled()
        #expect(drugs.classes.count >= 80)
        #expect(drugs.drugClass(of: "Advil") == .nsaid)
        #expect(drugs.drugClass(of: "Flexeril") == .muscleRelaxant)
        #expect(drugs.drugClass(of: "tylenol") == .nonNarcoticAnalgesic)
        #expect(drugs.drugClass(of: "Cymbalta") == .antidepressant)
        #expect(drugs.drugClass(of: "pregabalin") == .anticonvulsant)
        #expect(drugs.drugClass(of: "oxycodone") == .opioid)
        #expect(drugs.drugClass(of: "aspirin-free water") == nil)
        #expect(throws: CodeTableError.self) { try DrugTable(tsv: "ibuprofen\tpainkiller\n") }
        #expect(throws: CodeTableError.self) { try DrugTable(tsv: "ibuprofen\tnsaid\nibuprofen\tnsaid\n") }
    }

    @Test("a negated medication is not recorded; a taken one is, with its outcome")
    func medications() throws {
        let taken = try Self.extractor.get().extract(note: "Tried ibuprofen without relief. Exam: taut band.", dateOfService: Self.date)
        #expect(taken.clinical?.pharmacotherapy == [Pharmacotherapy(drugClass: .nsaid, outcome: .failed)])
        let denied = try Self.extractor.get().extract(note: "Denies opioids. Exam: taut band.", dateOfService: Self.date)
        #expect(denied.clinical?.pharmacotherapy == nil)
    }

    @Test("evidence offsets are UTF-16 and point at the text")
    func evidenceOffsets() throws {
        let note = "Ärztin: TPI left trapezius x2 with lidocaine. DOS 2025-03-14. CPT 20552."
        let extraction = try Self.extractor.get().extract(note: note)
        let utf16 = Array(note.utf16)
        for evidence in extraction.evidence {
            #expect(String(decoding: utf16[evidence.start..<evidence.end], as: UTF16.self) == evidence.text)
        }
        #expect(extraction.evidence.contains { $0.fact == "procedure.sites[0].muscle" && $0.text == "trapezius" })
        #expect(extraction.encounter?.procedure?.sites == [InjectionSite(muscle: "trapezius", laterality: .left, triggerPoints: 2)])
    }

    @Test("group names, missing sides, date and payer become questions, not guesses")
    func questions() throws {
        let extraction = try Self.extractor.get().extract(note: "TPI to the lumbar paraspinals and the trapezius x2, lidocaine. CPT 20552.")
        #expect(extraction.encounter == nil)
        #expect(extraction.questions.contains { $0.contains("lumbar paraspinals") })
        #expect(extraction.questions.contains { $0.contains("side") && $0.contains("trapezius") })
        #expect(extraction.questions.contains { $0.contains("date of service") })
        #expect(extraction.questions.contains { $0.contains("payer") })
        let dated = try Self.extractor.get().extract(note: "TPI left trapezius x2, lidocaine. CPT 20552.", dateOfService: Self.date, payer: "aetna")
        let encounter = try #require(dated.encounter)
        #expect(encounter.coverage.payer == "aetna")
        #expect(throws: Never.self) { try EncounterReader.decode(JSONEncoder().encode(encounter)) }
    }

    @Test("bad input gives a clear error, never a crash")
    func badInput() throws {
        let extractor = try Self.extractor.get()
        #expect(throws: NoteIntakeError.empty) { try extractor.extract(note: "  \n\t ") }
        #expect(throws: NoteIntakeError.tooLarge(bytes: 5_000_000, limit: NoteExtractor.byteLimit)) {
            try extractor.extract(data: Data(repeating: 65, count: 5_000_000))
        }
        #expect(throws: NoteIntakeError.binary(offset: 3)) { try extractor.extract(data: Data([65, 66, 67, 0, 68])) }
        #expect(throws: NoteIntakeError.invalidUTF8) { try extractor.extract(data: Data([0xC3, 0x28, 0xFF])) }
        let german = "Patientin klagt über Nackenschmerzen seit drei Monaten. Befund: Druckschmerz am Nacken. Therapie: Krankengymnastik."
        #expect(throws: NoteIntakeError.noClinicalContent) { try extractor.extract(note: german) }
        let spanish = "La paciente refiere dolor de cuello desde hace tres meses. Se aplicó calor local."
        #expect(throws: NoteIntakeError.noClinicalContent) { try extractor.extract(note: spanish) }
    }
}
