import Model
import Testing

@Suite("String table and the engine's in-place line reads")
struct StringTableTests {
    @Test("every key is found with its value; other keys, near misses included, are not")
    func lookups() {
        // Enough keys to force probing past the first slot (the table keeps at most half its slots full).
        let keys = (0..<500).map { "K\($0)" } + ["20552", "levator scapulae", "trapezius", "", "é", "a\u{0}b"]
        let table = StringTable(keys.enumerated().map { ($0.element, $0.offset) })
        #expect(table.count == keys.count)
        for (value, key) in keys.enumerated() { #expect(table[key] == value, "\(key)") }
        for missing in ["K500", "k1", "20552 ", "2055", "levator scapula", "a", "e", "a\u{0}c", "K-1"] {
            #expect(table[missing] == nil, "\(missing)")
        }
    }

    @Test("a key given twice keeps its first value, and an empty table finds nothing")
    func duplicatesAndEmpty() {
        let table = StringTable([("20552", 1), ("20553", 2), ("20552", 3)])
        #expect(table.count == 2)
        #expect(table["20552"] == 1)
        #expect(table["20553"] == 2)
        let empty = StringTable([(String, Int)]())
        #expect(empty.count == 0)
        #expect(empty["20552"] == nil)
        #expect(StringTable(["a": [1, 2]])["a"] == [1, 2])
    }

    @Test("lines of business have one distinct bit each, and a mask holds exactly its members")
    func lineOfBusinessBits() {
        let bits = LineOfBusiness.allCases.map(\.bit)
        #expect(Set(bits).count == bits.count)
        #expect(bits.allSatisfy { $0 != 0 && $0 & ($0 - 1) == 0 })
        let mask = LineOfBusiness.mask([.medicare, .medicareAdvantage])
        for line in LineOfBusiness.allCases {
            #expect((mask & line.bit != 0) == [.medicare, .medicareAdvantage].contains(line), "\(line)")
        }
        #expect(LineOfBusiness.mask([]) == 0)
    }

    @Test("a line has a modifier only when it lists it")
    func modifiers() {
        #expect(ServiceLine(code: "99213", modifiers: ["25"]).has(modifier: "25"))
        #expect(!ServiceLine(code: "99213", modifiers: ["25"]).has(modifier: "50"))
        #expect(!ServiceLine(code: "99213", modifiers: []).has(modifier: "25"))
        #expect(!ServiceLine(code: "99213").has(modifier: "25"))
    }
}
