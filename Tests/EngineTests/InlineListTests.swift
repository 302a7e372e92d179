@testable import Engine
import Testing

@Suite("Inline lists")
struct InlineListTests {
    @Test("positions read back in order, inline and past the inline three", arguments: [0, 1, 3, 4, 9])
    func readsBack(count: Int) {
        var positions = LinePositions()
        let expected = (0..<count).map { $0 * 2 + 1 }
        for position in expected { positions.append(position) }
        #expect(Array(positions) == expected)
        #expect(positions.count == count)
        #expect(positions.isEmpty == (count == 0))
        #expect(positions.first == expected.first)
        #expect(positions.contains(2) == false)
        #expect(positions.map { $0 + 1 } == expected.map { $0 + 1 })
        if count > 3 { #expect(positions[3] == 7) }
    }
}
