import FHIRInterchange
import Foundation
import Model
@testable import ReaderContracts
import Testing

@Suite("FHIR reader contracts are not vacuous")
struct FHIRContractTests {
    let bundle = try! JSONValue.parse(Data(#"{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Claim"}}]}"#.utf8))

    @Test("a location is in the document when it leads to a node, or to an absent plain member of an object there")
    func locations() throws {
        #expect(FHIRLocation.isInDocument("Bundle.entry[0].resource", bundle, root: "Bundle"))
        #expect(FHIRLocation.isInDocument("Bundle.entry[0].resource.item", bundle, root: "Bundle"))  // absent, its object there
        #expect(!FHIRLocation.isInDocument("Bundle.entry[1].resource", bundle, root: "Bundle"))
        #expect(!FHIRLocation.isInDocument("Bundle.entry[0].resource.item[0]", bundle, root: "Bundle"))
        #expect(!FHIRLocation.isInDocument("Claim.item", bundle, root: "Bundle"))
        #expect(FHIRLocation.node(at: "Bundle.entry[0].resource.resourceType", in: bundle, root: "Bundle") == .string("Claim"))
        // A CDS Hooks prefetch key is the client's and may hold a dot.
        let hooks = try JSONValue.parse(Data(#"{"prefetch": {"my.orders": {"entry": [7]}}}"#.utf8))
        #expect(FHIRLocation.node(at: "prefetch.my.orders.entry[0]", in: hooks, root: "") == .integer(7))
    }

    @Test("a refusal without a message, not located, or located outside the document breaks the contract")
    func refusals() {
        let object = Array(#"{"hook": 1}"#.utf8)
        #expect(ReaderContract.refusalViolations(FHIRIssue(location: "hook", message: "expected a string"), object, root: "") == [])
        #expect(!ReaderContract.refusalViolations(FHIRIssue(location: "hook", message: ""), object, root: "").isEmpty)
        #expect(!ReaderContract.refusalViolations(FHIRIssue(location: "", message: "bad"), object, root: "").isEmpty)
        #expect(!ReaderContract.refusalViolations(FHIRIssue(location: "context.x.y", message: "bad"), object, root: "").isEmpty)
        // The document as a whole is named only when it is not a JSON object.
        #expect(ReaderContract.refusalViolations(FHIRIssue(location: "Bundle", message: "not valid JSON"), Array("{".utf8), root: "Bundle") == [])
        #expect(!ReaderContract.refusalViolations(FHIRIssue(location: "Bundle.type", message: "bad"), Array("[]".utf8), root: "Bundle").isEmpty)
    }

    @Test("an encounter Contract 1 refuses is caught: what the FHIR readers accepted before fuzzing")
    func wholeEncounters() {
        let site = InjectionSite(muscle: "trapezius", triggerPoints: 0)
        let encounter = Encounter(id: "E1", member: Member(id: "M1"), coverage: Coverage(payer: "aetna"),
                                  dateOfService: LocalDate(year: 2025, month: 9, day: 1)!, lines: [ServiceLine(code: "20552")],
                                  procedure: Procedure(sites: [site]))
        #expect(ReaderContract.wholeEncounter(encounter).contains { $0.contains("triggerPoints") })
        var whole = encounter
        whole.procedure = Procedure(sites: [InjectionSite(muscle: "trapezius", triggerPoints: 1)])
        #expect(ReaderContract.wholeEncounter(whole) == [])
    }
}
