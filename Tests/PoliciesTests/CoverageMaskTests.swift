import Model
import Policies
import Testing

@Suite("Lines of business a policy and its exceptions cover")
struct CoverageMaskTests {
    @Test("an exception covers exactly its lines of business, also after they are changed")
    func exceptionCovers() {
        let citation = Citation(source: "Acme Health Medical Policy 1 (revised 2024-01-01)", section: "Description")
        var exception = ProgramException(id: "fep", linesOfBusiness: [.fep], action: .defer(message: "FEP"),
                                         citation: citation, location: SourceLocation(file: "x.yaml", line: 1))
        #expect(exception.covers(.fep))
        #expect(!exception.covers(.commercial))
        exception.linesOfBusiness = [.commercial, .sao]
        #expect(!exception.covers(.fep))
        #expect(exception.covers(.commercial) && exception.covers(.sao))
    }

    @Test("a policy without lines of business covers all; with them, exactly those")
    func policyCovers() {
        func policy(_ lines: Set<LineOfBusiness>?) -> Policy {
            Policy(id: "p", payer: "x", title: "t", version: nil, source: PublishedSource(publisher: "Acme", document: "policy", title: nil, edition: "undated"), effectiveFrom: LocalDate("2024-01-01")!,
                   effectiveTo: nil, linesOfBusiness: lines, exceptions: [], governs: [], documentationRequests: [],
                   rules: [], location: SourceLocation(file: "x.yaml", line: 1))
        }
        #expect(LineOfBusiness.allCases.allSatisfy(policy(nil).covers))
        let medicaid = policy([.medicaid])
        for line in LineOfBusiness.allCases { #expect(medicaid.covers(line) == (line == .medicaid), "\(line)") }
    }
}
