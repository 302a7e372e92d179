import CodeSets
@testable import Engine
import Model
import Testing

@Suite("Enum sets as bits")
struct CaseBitsTests {
    @Test("each region has its own single bit, and a mask gives its regions back")
    func regionBits() {
        let regions = FactMasks.regions
        let bits = AnatomicRegion.allCases.map(regions.bit)
        #expect(Set(bits).count == bits.count)
        #expect(bits.allSatisfy { $0 != 0 && $0 & ($0 - 1) == 0 })
        #expect(regions.values(regions.mask([.lowerLimb, .neck])) == [.neck, .lowerLimb])
        #expect(regions.mask([]) == 0)
    }
}
