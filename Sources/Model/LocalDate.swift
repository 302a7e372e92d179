/// A calendar date without time or zone (`YYYY-MM-DD`), as claims and policies use them.
///
/// Stored as a day number (days since 1970-01-01) so that comparisons and day arithmetic are
/// integer operations; the engine never reads a clock and never needs a time zone.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before).
    public let dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// A date from its parts; `nil` when the day does not exist (2025-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...LocalDate.daysInMonth(year: year, month: month)).contains(day) else { return nil }
        dayNumber = LocalDate.days(fromCivil: year, month, day)
    }

    /// Parses exactly `YYYY-MM-DD`; anything else (time parts, `2025-9-1`, impossible days) is `nil`.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var year: Int { civil.year }
    public var month: Int { civil.month }
    public var day: Int { civil.day }

    /// The US federal fiscal year the date falls in: FY N runs 1 October N-1 to 30 September N.
    public var fiscalYear: Int { month >= 10 ? year + 1 : year }

    /// 1 January of the date's year.
    public var firstDayOfYear: LocalDate { LocalDate(dayNumber: LocalDate.days(fromCivil: year, 1, 1)) }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// Calendar-month arithmetic; the day is clamped to the target month's length (Aug 31 − 6 months = Feb 28/29).
    public func adding(months: Int) -> LocalDate {
        let (y, m, d) = civil
        let total = y * 12 + (m - 1) + months
        let newYear = total / 12, newMonth = total % 12 + 1
        let newDay = min(d, LocalDate.daysInMonth(year: newYear, month: newMonth))
        return LocalDate(dayNumber: LocalDate.days(fromCivil: newYear, newMonth, newDay))
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: LocalDate) -> Int { other.dayNumber - dayNumber }

    public var description: String {
        let (y, m, d) = civil
        guard (0...9999).contains(y) else {
            // Only day arithmetic far past a parsed date gets here; such years print in full.
            let month = m < 10 ? "0\(m)" : "\(m)", day = d < 10 ? "0\(d)" : "\(d)"
            return "\(y)-\(month)-\(day)"
        }
        // Written digit by digit into ten bytes: a small string, no allocation. Dates print in
        // every explanation and every stored record, so the formatting is on the hot path.
        return String(unsafeUninitializedCapacity: 10) { bytes in
            func put(_ value: Int, at end: Int, width: Int) {
                var rest = value
                for offset in 0..<width {
                    bytes[end - offset] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
            }
            put(y, at: 3, width: 4)
            bytes[4] = UInt8(ascii: "-")
            put(m, at: 6, width: 2)
            bytes[7] = UInt8(ascii: "-")
            put(d, at: 9, width: 2)
            return 10
        }
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's civil-from-days algorithms: exact for the proleptic Gregorian calendar.
    private static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    private var civil: (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension LocalDate: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a date YYYY-MM-DD, got \"\(text)\"")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
