import Foundation
import Model

extension LocalDate {
    /// Today's date in a time zone (UTC by default, as on 835 production dates). The engine never
    /// reads the clock; the interfaces above it do, through this.
    public static func today(in timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> LocalDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }
}
