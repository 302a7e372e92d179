import Foundation
import Model
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a diagnosis code is on a date of service.
public enum DiagnosisStatus: Equatable, Sendable {
    /// A complete code that may be reported.
    case billable
    /// A category or subcategory that has more specific codes under it: not reportable itself.
    case header
    /// Not a code in the release that answers for the date (or not a code at all).
    case notValid
    /// The date falls before the oldest release carried: nothing can be said about the code.
    case noCodeSet
}

/// A diagnosis code as one number: the code without its dot, in any case ("m62.838" and "M62838"
/// have the same key). Hashing or comparing a key touches no string: the engine keys each claim
/// diagnosis once and looks it up in every payer's supporting list.
public struct DiagnosisKey: Hashable, Sendable {
    let value: UInt64

    /// `nil` when `code` is not 1–7 letters and digits (dots aside).
    public init?(_ code: String) {
        guard let key = ICD10CMKey(code) else { return nil }
        value = key.value
    }
}

/// A data file that is not a well-formed `icd10cm.bin` (truncated, foreign, corrupt).
public struct ICD10CMDataError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "icd10cm.bin: \(message)" }
    public var errorDescription: String? { description }
}

/// ICD-10-CM by fiscal year, from CMS's releases (see docs/icd10cm.md and `scripts/build-icd10cm.py`).
///
/// The data file holds every code of every carried release, sorted, with per release whether the code is
/// absent, a header or billable, and its newest description. Loading reads the file and checks its header
/// and checksum; lookups are binary searches over fixed-size records, without allocating.
///
/// Which release answers a date: FY N runs 1 October N-1 to 30 September N, and every fiscal year
/// from FY2019 to FY2026 has its own release. The newest release also answers every later fiscal
/// year (``answeringRelease(on:)`` says so, and `codes lookup` prints it); a date before FY2019 has no
/// code set (`.noCodeSet`). October releases without their year's 1 April update are marked in the
/// data file: see ``status(of:on:)-(DiagnosisKey?,_)`` for what that means for a code.
///
/// Codes are accepted with or without the dot, in any case (`m79.18`, `M7918`).
public final class ICD10CM: Sendable {
    private let bytes: [UInt8]
    private let layout: ICD10CMLayout
    private let releaseYears: [Int]
    private let releaseNames: [String]
    /// First day (day number) of the oldest carried release's fiscal year.
    private let firstDay: Int
    /// For release i (all but the newest): the first day after the last fiscal year it answers.
    private let releaseEnds: [Int]
    /// For release i (all but the newest): 1 April of the fiscal year it answers when it is an
    /// October release without that year's mid-year update (from then on the update's codes are
    /// unknown to it), else never (`Int.max`).
    private let midYearStarts: [Int]

    /// Reads a data file built by `scripts/build-icd10cm.py`; throws `ICD10CMDataError` when it is not one.
    public init(data: [UInt8]) throws {
        let layout = try ICD10CMLayout(data)
        let releases = layout.releases(in: data)
        self.bytes = data
        self.layout = layout
        self.releaseYears = releases.map(\.fiscalYear)
        self.releaseNames = releases.map(\.name)
        func startOfFiscalYear(_ year: Int) -> Int { LocalDate(year: year - 1, month: 10, day: 1)!.dayNumber }
        firstDay = startOfFiscalYear(releaseYears[0])
        releaseEnds = releaseYears.dropLast().map { startOfFiscalYear($0 + 1) }
        midYearStarts = releases.dropLast().map { $0.lacksMidYearUpdate ? LocalDate(year: $0.fiscalYear, month: 4, day: 1)!.dayNumber : .max }
    }

    public convenience init(data: Data) throws {
        try self.init(data: [UInt8](data))
    }

    /// Reads the file at `url` (straight into the array the lookups use: one copy, no parsing).
    public convenience init(contentsOf url: URL) throws {
        try self.init(data: ICD10CM.readFile(url))
    }

    /// The data file shipped in this module's `Resources` folder.
    public static func loadBundled() throws -> ICD10CM {
        guard let url = bundledFileURL else { throw ICD10CMDataError("resource not found in the CodeSets bundle") }
        return try ICD10CM(contentsOf: url)
    }

    /// Where the bundled data file is (nil if the bundle lacks it).
    public static var bundledFileURL: URL? {
        Bundle.module.url(forResource: "icd10cm", withExtension: "bin", subdirectory: "Resources")
    }

    // MARK: - Public queries

    /// What the releases carried are, oldest first, with the fiscal year each stands for.
    public var releases: [(fiscalYear: Int, name: String)] {
        zip(releaseYears, releaseNames).map { (fiscalYear: $0, name: $1) }
    }

    /// Whether `code` is billable, a header or not valid in the release that answers `date`.
    public func status(of code: String, on date: LocalDate) -> DiagnosisStatus {
        status(of: DiagnosisKey(code), on: date)
    }

    /// ``status(of:on:)`` for a code already keyed; `nil` (not a code) is not valid.
    ///
    /// Mid-year updates: CMS adds codes on 1 April in some years (U07.1 in April 2020), and the
    /// releases carried for FY2020, FY2022–FY2024 are the October ones (the data file marks them).
    /// A code absent from such a release on a date from 1 April on, but billable in the next
    /// carried release, may have come in that update: it cannot be settled from the files carried,
    /// so it is `.noCodeSet` for that code (a reviewer checks it), never "not valid" from another year.
    public func status(of key: DiagnosisKey?, on date: LocalDate) -> DiagnosisStatus {
        guard let release = release(for: date) else { return .noCodeSet }
        guard let key else { return .notValid }
        switch state(of: key.value, release) {
        case 1: return .header
        case 2: return .billable
        default:
            if release < midYearStarts.count, date.dayNumber >= midYearStarts[release], state(of: key.value, release + 1) == 2 {
                return .noCodeSet
            }
            return .notValid
        }
    }

    /// The release that answers `date` (nil before the oldest), and whether the date's fiscal year
    /// is later than any release carried (the newest then answers for it).
    public func answeringRelease(on date: LocalDate) -> (fiscalYear: Int, name: String, laterYear: Bool)? {
        guard let release = release(for: date) else { return nil }
        return (releaseYears[release], releaseNames[release], date.fiscalYear > releaseYears[release])
    }

    /// The newest description of `code`; `nil` when it is in no carried release.
    public func description(of code: String) -> String? {
        guard let key = ICD10CMKey(code), let index = index(of: key.value) else { return nil }
        return describe(index)
    }

    /// Whether `code` is in any carried release (as a header or billable).
    public func exists(_ code: String) -> Bool {
        guard let key = ICD10CMKey(code), let index = index(of: key.value) else { return false }
        return present(index)
    }

    /// The codes directly under `code` that are valid (billable or header) on `date`, dotted, in code order.
    /// A code whose parent is missing on the date counts as a child of the nearest ancestor present.
    public func children(of code: String, on date: LocalDate) -> [String] {
        guard let release = release(for: date), let key = ICD10CMKey(code),
              let index = index(of: key.value), state(index, release) != 0 else { return [] }
        var result: [String] = []
        var lastChild: (low: UInt64, high: UInt64)? = nil
        let end = lowerBound(key.value + key.span)
        for i in (index + 1)..<end where state(i, release) != 0 {
            let value = self.key(at: i)
            if let last = lastChild, value >= last.low, value < last.high { continue }
            let child = ICD10CMKey(value: value)
            lastChild = (value, value + child.span)
            result.append(child.dotted)
        }
        return result
    }

    /// Every code under `code` (at any depth) that is billable on `date`, dotted, sorted.
    public func billableDescendants(of code: String, on date: LocalDate) -> [String] {
        guard let release = release(for: date), let key = ICD10CMKey(code) else { return [] }
        let start = lowerBound(key.value + 1), end = lowerBound(key.value + key.span)
        return billable(in: start..<end, release)
    }

    /// Inclusive range membership compared without the dot, over codes billable on the date; a range end that is a header on that date takes in its billable descendants (e.g. M65.811 – M65.9 includes M65.98 when M65.9 is a header).
    public func isInRange(_ code: String, from start: String, to end: String, on date: LocalDate) -> Bool {
        guard let release = release(for: date), let code = ICD10CMKey(code),
              let bounds = bounds(from: start, to: end, release) else { return false }
        guard code.value >= bounds.low, code.value < bounds.high else { return false }
        return state(of: code.value, release) == 2
    }

    /// The codes billable on `date` within the range, as `isInRange` reads it; dotted, sorted.
    public func billableCodes(inRangeFrom start: String, to end: String, on date: LocalDate) -> [String] {
        guard let release = release(for: date), let bounds = bounds(from: start, to: end, release) else { return [] }
        return billable(in: lowerBound(bounds.low)..<lowerBound(bounds.high), release)
    }

    /// The fiscal years whose release has `code` (billable or header),
    /// from the oldest carried release's year to the newest's (the newest also answers later years).
    public func fiscalYears(of code: String) -> [Int] {
        guard let key = ICD10CMKey(code), let index = index(of: key.value) else { return [] }
        var years: [Int] = []
        var release = 0
        for year in releaseYears[0]...releaseYears[releaseYears.count - 1] {
            while releaseYears[release] < year { release += 1 }
            if state(index, release) != 0 { years.append(year) }
        }
        return years
    }

    /// The dotted form of a code: `M7918` → `M79.18`, `m79.18` → `M79.18`, `M79` → `M79`.
    public static func dotted(_ code: String) -> String {
        var chars = Array(code.uppercased().filter { $0 != "." })
        if chars.count > 3 { chars.insert(".", at: 3) }
        return String(chars)
    }

    // MARK: - Internals

    /// The index of the release answering `date`, or nil before the oldest.
    @inline(__always)
    private func release(for date: LocalDate) -> Int? {
        let day = date.dayNumber
        guard day >= firstDay else { return nil }
        var i = 0
        let ends = releaseEnds
        while i < ends.count, day >= ends[i] { i &+= 1 }
        return i
    }

    /// The search bounds [low, high) of a range for a release: a header end takes in its descendants.
    private func bounds(from start: String, to end: String, _ release: Int) -> (low: UInt64, high: UInt64)? {
        guard let start = ICD10CMKey(start), let end = ICD10CMKey(end) else { return nil }
        let high = state(of: end.value, release) == 1 ? end.value + end.span : end.value + 1
        return start.value < high ? (start.value, high) : nil
    }

    private func billable(in range: Range<Int>, _ release: Int) -> [String] {
        var result: [String] = []
        for i in range where state(i, release) == 2 {
            result.append(ICD10CMKey(value: key(at: i)).dotted)
        }
        return result
    }

    @inline(__always)
    private func key(at index: Int) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            raw.loadUnaligned(fromByteOffset: layout.keys + 5 &* index, as: UInt64.self).bigEndian &>> 24
        }
    }

    /// The first record whose key is ≥ `value` (the record count when none is).
    private func lowerBound(_ value: UInt64) -> Int {
        bytes.withUnsafeBytes { ICD10CM.lowerBound(value, in: $0, layout) }
    }

    /// The prefix directory narrows the search to the codes sharing the first two characters, then a
    /// branch-free binary search runs over their 5-byte keys (the 3 slack bytes after the last make the
    /// 8-byte loads safe).
    @inline(__always)
    private static func lowerBound(_ value: UInt64, in raw: UnsafeRawBufferPointer, _ l: ICD10CMLayout) -> Int {
        let prefix = Int(truncatingIfNeeded: value / 69_343_957)  // 37^5
        guard prefix < ICD10CMLayout.prefixes else { return l.count }
        let entry = l.directory &+ 4 &* prefix
        var low = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: entry, as: UInt32.self)))
        let high = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: entry &+ 4, as: UInt32.self)))
        guard low < high else { return high }
        let base = raw.baseAddress! + l.keys
        var length = high &- low
        while length > 1 {
            let half = length &>> 1
            let key = base.loadUnaligned(fromByteOffset: 5 &* (low &+ half &- 1), as: UInt64.self).bigEndian &>> 24
            low = key < value ? low &+ half : low
            length &-= half
        }
        let key = base.loadUnaligned(fromByteOffset: 5 &* low, as: UInt64.self).bigEndian &>> 24
        return key < value ? low &+ 1 : low
    }

    @inline(__always)
    private func index(of value: UInt64) -> Int? {
        let i = lowerBound(value)
        return i < layout.count && key(at: i) == value ? i : nil
    }

    /// The state of the code with key `value` in a release, in one pass over the bytes (the hot path).
    @inline(__always)
    private func state(of value: UInt64, _ release: Int) -> UInt8 {
        let l = layout
        return bytes.withUnsafeBytes { raw -> UInt8 in
            let i = ICD10CM.lowerBound(value, in: raw, l)
            guard i < l.count,
                  raw.loadUnaligned(fromByteOffset: l.keys &+ 5 &* i, as: UInt64.self).bigEndian &>> 24 == value
            else { return 0 }
            let byte = raw[l.status &+ i &* l.statusWidth &+ release &>> 2]
            let bits = (byte &>> UInt8(truncatingIfNeeded: 2 &* (release & 3))) & 3
            return bits == 3 ? 0 : bits
        }
    }

    /// 0 absent, 1 header, 2 billable (3, never written, reads as absent).
    @inline(__always)
    private func state(_ index: Int, _ release: Int) -> UInt8 {
        let byte = bytes[layout.status &+ index &* layout.statusWidth &+ release &>> 2]
        let bits = (byte &>> UInt8(2 &* (release & 3))) & 3
        return bits == 3 ? 0 : bits
    }

    private func present(_ index: Int) -> Bool {
        (0..<releaseYears.count).contains { state(index, $0) != 0 }
    }

    private func describe(_ index: Int) -> String? {
        let l = layout
        let ref = readUInt32(l.desc + 4 * index)
        let stem = Int(ref & 0xFF_FFFF), suffix = Int(ref >> 24)
        guard stem < l.stemCount, suffix <= l.suffixCount else { return nil }
        var text: [UInt8] = []
        let first = Int(readUInt32(l.stemIndex + 4 * stem)), last = Int(readUInt32(l.stemIndex + 4 * stem + 4))
        for t in first..<last {
            let token = Int(bytes[l.stemData + 2 * t]) | Int(bytes[l.stemData + 2 * t + 1]) << 8
            guard token < l.tokenCount else { return nil }
            if t > first { text.append(UInt8(ascii: " ")) }
            let from = Int(readUInt32(l.tokenIndex + 4 * token)), to = Int(readUInt32(l.tokenIndex + 4 * token + 4))
            text.append(contentsOf: bytes[(l.tokenData + from)..<(l.tokenData + to)])
        }
        if suffix > 0 {
            let from = Int(readUInt32(l.suffixIndex + 4 * suffix)), to = Int(readUInt32(l.suffixIndex + 4 * suffix + 4))
            text.append(contentsOf: ", ".utf8)
            text.append(contentsOf: bytes[(l.suffixData + from)..<(l.suffixData + to)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private func readUInt32(_ offset: Int) -> UInt32 { ICD10CMLayout.uint32(bytes, offset) }

    /// The whole file, read with POSIX calls into a fresh array (Data would add a copy).
    private static func readFile(_ url: URL) throws -> [UInt8] {
        let path = url.path
        func failure(_ what: String) -> ICD10CMDataError {
            ICD10CMDataError("cannot \(what) \(path): \(String(cString: strerror(errno)))")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw failure("open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat") }
        let size = Int(info.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let n = read(fd, buffer.baseAddress! + count, size - count)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { failed = n < 0; break }
                count += n
            }
        }
        if failed { throw failure("read") }
        return bytes
    }
}
