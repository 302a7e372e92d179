import Model
import Policies
import Testing

/// Look-back windows, checked against their definitions (Policy.swift: "dates d with DOS − d < n",
/// "after the same day n months before", "the calendar year") over two leap years of dates.
@Suite("Frequency-limit windows")
struct WindowTests {
    static let windows: [Window] = [.days(1), .days(7), .days(30), .days(365), .days(0), .months(1), .months(6), .months(12), .calendarYear]

    @Test(arguments: windows)
    func startMatchesTheDefinition(window: Window) throws {
        let first = try #require(LocalDate("2023-12-01")), last = try #require(LocalDate("2025-03-31"))
        for end in stride(from: first.dayNumber, through: last.dayNumber, by: 1).map(LocalDate.init(dayNumber:)) {
            for offset in -2...400 {
                let date = end.adding(days: -offset)
                let defined: Bool
                switch window {
                case .days(let n): defined = date <= end && date.days(until: end) < n
                case .months(let n): defined = date <= end && date > end.adding(months: -n)
                case .calendarYear: defined = date <= end && date.year == end.year
                }
                if window.contains(date, endingOn: end) != defined {
                    Issue.record("\(window) ending \(end): \(date) should be \(defined ? "in" : "out")")
                    return
                }
            }
        }
    }

    @Test func startIsTheDayAfterTheClampedMonth() throws {
        #expect(Window.months(6).start(endingOn: try #require(LocalDate("2024-08-31"))) == LocalDate("2024-03-01"))
        #expect(Window.months(6).start(endingOn: try #require(LocalDate("2025-08-31"))) == LocalDate("2025-03-01"))
        #expect(Window.calendarYear.start(endingOn: try #require(LocalDate("2024-12-31"))) == LocalDate("2024-01-01"))
        #expect(Window.days(30).start(endingOn: try #require(LocalDate("2025-03-01"))) == LocalDate("2025-01-31"))
    }
}
