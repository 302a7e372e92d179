import CodeSets
import Model
import Testing

@Suite("CodeTables")
struct CodeTablesTests {
    let tables: CodeTables

    init() throws {
        tables = try CodeTables.loadBundled()
    }

    // MARK: Procedure codes

    @Test func triggerPointDescriptorsMatchTheSeeds() throws {
        let tpi1 = try #require(tables.procedure("20552"))
        #expect(tpi1.descriptor == "Injection(s); single or multiple trigger point(s), 1 or 2 muscle(s)")
        #expect(tpi1.system == .cpt)
        #expect(tpi1.category == .triggerPointInjection)
        #expect(tpi1.descriptorSource == .seed("000"))
        let tpi3 = try #require(tables.procedure("20553"))
        #expect(tpi3.descriptor == "Injection(s); single or multiple trigger point(s), 3 or more muscles")
        #expect(tpi3.category == .triggerPointInjection)
        #expect(tables.procedure("20560")?.descriptor == "Needle insertion(s) without injection(s); 1 or 2 muscle(s)")
        #expect(tables.procedure("20561")?.descriptor == "Needle insertion(s) without injection(s); 3 or more muscles")
    }

    @Test func categoriesHoldTheExpectedCodes() {
        #expect(tables.codes(in: .triggerPointInjection).map(\.code) == ["20552", "20553"])
        #expect(tables.codes(in: .dryNeedling).map(\.code) == ["20560", "20561"])
        #expect(tables.codes(in: .tendonInjection).map(\.code) == ["20550", "20551"])
        #expect(tables.codes(in: .imagingGuidance).map(\.code) == ["76942", "77002", "77012", "77021"])
        #expect(tables.codes(in: .acupuncture).map(\.code) == ["97810", "97811", "97813", "97814"])
        #expect(tables.codes(in: .prolotherapy).map(\.code) == ["M0076"])
        #expect(tables.codes(in: .evaluationAndManagement).map(\.code)
            == ["99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215"])
        let drugs = Set(tables.codes(in: .drug).map(\.code))
        #expect(drugs.isSuperset(of: ["J2001", "J1020", "J1030", "J1040", "J1100", "J3301", "J0702"]))
        for category in ProcedureCategory.allCases {
            #expect(!tables.codes(in: category).isEmpty, "no codes in \(category)")
        }
    }

    @Test func procedureLookupNormalizesAndRejectsUnknownCodes() throws {
        let prolotherapy = try #require(tables.procedure(" m0076 "))
        #expect(prolotherapy.code == "M0076")
        #expect(prolotherapy.system == .hcpcs)
        #expect(prolotherapy.descriptorSource == .hcpcs)
        #expect(tables.procedure("99213")?.category == .evaluationAndManagement)
        #expect(tables.procedure("99213")?.descriptorSource.isOfficialText == false)
        #expect(tables.procedure("J1030")?.descriptor == "Injection, methylprednisolone acetate, 40 mg")
        #expect(tables.procedure("J2000") == nil)  // seed 003's lidocaine code is not a current HCPCS code
        #expect(tables.procedure("20610") == nil)
        #expect(tables.procedure("") == nil)
    }

    @Test("a code's category alone is its entry's category, for every code, as given or normalized")
    func categoryMatchesTheEntry() {
        for procedure in tables.procedures {
            #expect(tables.category(of: procedure.code) == procedure.category)
            #expect(tables.category(of: " \(procedure.code.lowercased()) ") == procedure.category)
        }
        #expect(tables.category(of: "J2000") == nil)
        #expect(tables.category(of: "") == nil)
    }

    // MARK: Modifiers

    @Test func modifiers() {
        for code in ["25", "50", "51", "52", "59", "76", "77", "XE", "XS", "XP", "XU", "LT", "RT", "GA", "GZ", "GY", "KX"] {
            #expect(tables.modifier(code) != nil, "modifier \(code) missing")
        }
        #expect(tables.modifier("50") == "Bilateral procedure")
        #expect(tables.modifier("-59") == "Distinct procedural service")
        #expect(tables.modifier("xs")?.hasPrefix("Separate structure") == true)
        #expect(tables.modifierInfo("LT")?.system == .hcpcs)
        #expect(tables.modifierInfo("25")?.system == .cpt)
        #expect(tables.modifier("F5") == "Right hand, thumb")
        #expect(tables.modifier("ZZ") == nil)
        #expect(tables.modifier("5") == nil)
    }

    // MARK: CARC / RARC

    @Test func carcTexts() throws {
        #expect(tables.carc("151") == "Payment adjusted because the payer deems the information submitted does not support this many/frequency of services.")
        #expect(tables.carc("CO-151") == tables.carc("151"))
        #expect(tables.carc("50") == "These are non-covered services because this is not deemed a 'medical necessity' by the payer.")
        #expect(tables.carc("119") == "Benefit maximum for this time period or occurrence has been reached.")
        #expect(tables.carc("4") == "The procedure code is inconsistent with the modifier used.")
        let sixteen = try #require(tables.carcCode("16"))
        #expect(sixteen.text == "Claim/service lacks information or has submission/billing error(s).")
        #expect(sixteen.fullText.contains("Usage: Do not use this code for claims attachment(s)/other documentation."))
        // Every CARC of DESIGN.md's denial-code table is present.
        for code in ["4", "11", "16", "18", "50", "55", "96", "97", "119", "151", "252"] {
            #expect(tables.carc(code) != nil, "CARC \(code) missing")
        }
        #expect(tables.carc("999") == nil)
        #expect(tables.carc("N362") == nil)
    }

    @Test("X12's usage notes: which CARCs need a remark code, and which group code each goes under (issue 20.12)")
    func carcUsage() throws {
        for code in ["16", "96", "252", "234"] { #expect(try #require(tables.carcCode(code)).requiresRemark, "CARC \(code)") }
        for code in ["4", "11", "18", "50", "55", "97", "119", "151", "197"] { #expect(try #require(tables.carcCode(code)).requiresRemark == false, "CARC \(code)") }
        #expect(try #require(tables.carcCode("18")).groupCode == "OA")
        #expect(try #require(tables.carcCode("133")).groupCode == "OA")
        for code in ["4", "11", "16", "50", "96", "97", "119", "151", "252"] { #expect(try #require(tables.carcCode(code)).groupCode == "CO", "CARC \(code)") }
    }

    @Test func rarcTexts() {
        #expect(tables.rarc("N362") == "The number of Days or Units of Service exceeds our acceptable maximum.")
        #expect(tables.rarc("m76") == "Missing/incomplete/invalid diagnosis or condition.")
        #expect(tables.rarc("N706") == "Missing documentation.")
        #expect(tables.rarc("M127") == "Missing patient medical record for this service.")
        #expect(tables.rarc("N130") == "Consult plan benefit documents/guidelines for information about restrictions for this service.")
        #expect(tables.rarc("N999") == nil)
        #expect(tables.rarc("151") == nil)
    }

    // MARK: LOINC documents

    static let seed000Rows: [(DocumentationElement, String, String)] = [
        (.historyAndPhysical, "28626-0", "Physician history and physical"),
        (.visitNote, "18733-6", "Attending physician visit note"),
        (.treatmentPlan, "18776-5", "Treatment plan"),
        (.medicationList, "34483-8", "Current, discharge, or administered medications"),
        (.physicalTherapyAssessment, "18735-1", "Physical therapy initial assessment"),
        (.physicalTherapyProgressNote, "11508-9", "Physical therapy progress note"),
    ]

    @Test(arguments: seed000Rows)
    func loincMappingFollowsSeed000(element: DocumentationElement, loinc: String, name: String) throws {
        let byElement = try #require(tables.document(for: element))
        #expect(byElement.loinc == loinc)
        #expect(byElement.name == name)
        #expect(byElement.element == element)
        #expect(tables.document(loinc: loinc) == byElement)
    }

    @Test func documentsWithoutALoincCode() {
        #expect(tables.documents.count == 6)
        for element in [DocumentationElement.procedureNote, .informedConsent, .reasonForTherapy,
                        .priorTreatmentResults, .injectionFrequencyPlan] {
            #expect(tables.document(for: element) == nil, "\(element) should have no LOINC document")
        }
        #expect(tables.document(loinc: "18805-2") == nil)  // a time frame modifier, not a document
        #expect(tables.document(loinc: "00000-0") == nil)
    }

    @Test func timeFrameModifier() {
        #expect(tables.timeFrameSixMonths.loinc == "18805-2")
        #expect(tables.timeFrameSixMonths.narrative
            == "Include all data of the selected type that represents observations made six months or fewer before starting date of service for the claim.")
    }

    // MARK: Place of service

    @Test func placesOfService() {
        #expect(tables.placeOfService("11") == "Office")
        #expect(tables.placeOfService("22") == "On Campus-Outpatient Hospital")
        #expect(tables.placeOfService("1") == "Pharmacy")
        #expect(tables.placeOfService("99") == "Other Place of Service")
        #expect(tables.placeOfService("28") == nil)  // unassigned
        #expect(tables.placeOfService("100") == nil)
        #expect(tables.placesOfService.count == 51)
    }

    // MARK: Parsing and located errors

    @Test func parserSkipsCommentsAndBlankLinesAndKeepsLineNumbers() {
        let rows = TSV.parse("# header\n\n20552\tcpt\r\n  # indented comment\nA\t\tB\n", file: "t.tsv")
        #expect(rows.map(\.line) == [3, 5])
        #expect(rows[0].fields == ["20552", "cpt"])
        #expect(rows[1].fields == ["A", "", "B"])
    }

    @Test func rowWithSpacesInsteadOfTabsIsALocatedError() {
        let text = """
        # procedure codes
        20552\tcpt\ttrigger_point_injection\tseed:000\tInjection(s); single or multiple trigger point(s), 1 or 2 muscle(s)
        20553 cpt trigger_point_injection seed:000 Injection(s)
        """
        #expect(throws: CodeTableError(file: "procedure-codes.tsv", line: 3,
                                       message: "expected 5 tab-separated fields (code, system, category, source, descriptor), found 1")) {
            try CodeTables.parseProcedureCodes(text, file: "procedure-codes.tsv")
        }
        do {
            _ = try CodeTables.parseProcedureCodes(text, file: "procedure-codes.tsv")
            Issue.record("expected an error")
        } catch {
            #expect(String(describing: error).hasPrefix("procedure-codes.tsv:3: "))
        }
    }

    @Test func badValuesAreLocatedErrors() throws {
        func error(_ body: () throws -> Void) -> CodeTableError? {
            do { try body(); return nil } catch let error as CodeTableError { return error } catch { return nil }
        }
        let category = error { _ = try CodeTables.parseProcedureCodes("20552\tcpt\ttpi\tseed:000\tX", file: "p.tsv") }
        #expect(category?.line == 1)
        #expect(category?.message.contains("unknown category \"tpi\"") == true)

        let duplicate = error { _ = try CodeTables.parseProcedureCodes("20552\tcpt\tdrug\thcpcs\tA\n20552\tcpt\tdrug\thcpcs\tB", file: "p.tsv") }
        #expect(duplicate == CodeTableError(file: "p.tsv", line: 2, message: "duplicate 20552, first on line 1"))

        let empty = error { _ = try CodeTables.parseModifiers("25\tcpt\t", file: "m.tsv") }
        #expect(empty == CodeTableError(file: "m.tsv", line: 1, message: "empty description"))

        let checkDigit = error { _ = try CodeTables.parseDocuments("document\t28626-1\tH&P\thistory_and_physical\ntime-frame\t18805-2\tsix months", file: "l.tsv") }
        #expect(checkDigit == CodeTableError(file: "l.tsv", line: 1, message: "\"28626-1\" has a wrong LOINC check digit (expected 0)"))

        let element = error { _ = try CodeTables.parseDocuments("time-frame\t18805-2\tsix months\ndocument\t28626-0\tH&P\thistory", file: "l.tsv") }
        #expect(element?.line == 2)
        #expect(element?.message.hasPrefix("unknown documentation element \"history\"") == true)

        let noTimeFrame = error { _ = try CodeTables.parseDocuments("document\t28626-0\tH&P\thistory_and_physical", file: "l.tsv") }
        #expect(noTimeFrame == CodeTableError(file: "l.tsv", line: nil, message: "no time-frame row"))

        let pos = error { _ = try CodeTables.parsePlacesOfService("11\tOffice\n7\tTribal", file: "pos.tsv") }
        #expect(pos?.line == 2)

        let rarcExtra = error { _ = try CodeTables.parseRemittanceCodes("N362\ttext\textra", file: "rarc.tsv", allowsRest: false) }
        #expect(rarcExtra?.line == 1)

        // Well-formed input parses.
        let codes = try CodeTables.parseProcedureCodes("# c\n20552\tcpt\ttrigger_point_injection\tseed:001\tX\r\n", file: "p.tsv")
        #expect(codes == [ProcedureCode(code: "20552", system: .cpt, descriptor: "X", category: .triggerPointInjection,
                                        descriptorSource: .seed("001"))])
    }
}
