@testable import Engine
import Model
import Testing

/// Messages written as bytes read exactly as the same string interpolation would.
@Suite("MessageText")
struct MessageTextTests {
    @Test("interpolated strings, numbers and dates read as String interpolation writes them")
    func interpolationMatchesString() {
        let date = LocalDate("2025-08-20")!
        for number in [0, 7, -7, 10, 1_000_000, Int.max, Int.min] {
            let text: MessageText = "the \(number) on \(date), \("kết quả – …")"
            #expect(text.string == "the \(number) on \(date), \("kết quả – …")")
        }
    }

    @Test("a message longer than its first capacity grows and keeps every byte")
    func growsPastItsCapacity() {
        var text = MessageText(capacity: 1)
        var expected = ""
        for index in 0..<200 {
            let piece = index.isMultiple(of: 3) ? "SEED-\(index) 20552 on 2024-01-01, " : "é"
            text.append(piece)
            text.append(index)
            expected += piece + "\(index)"
        }
        var outer: MessageText = "Counted: \(text) and this claim."
        outer.append("")
        #expect(outer.string == "Counted: \(expected) and this claim.")
        #expect(!outer.isEmpty)
        #expect(MessageText().isEmpty)
        #expect(MessageText().string == "")
    }

    @Test("a copy of a message is its own: appending to one leaves the other as it was")
    func copiesAreIndependent() {
        var original: MessageText = "limit"
        var copy = original
        copy.append(" exceeded")
        original.append(4)
        #expect(copy.string == "limit exceeded")
        #expect(original.string == "limit4")
    }
}
