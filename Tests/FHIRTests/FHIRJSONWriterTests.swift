import FHIRInterchange
import Foundation
import Interchange
import Model
import TestSupport
import Testing

@Suite("FHIR JSON writer")
struct FHIRJSONWriterTests {
    @Test func writtenTextParsesBackToTheSameValue() throws {
        let value = JSONValue.object([
            (key: "text", value: .string("quote \" backslash \\ newline \n tab \t bell \u{07} é 🙂")),
            (key: "numbers", value: .array([.integer(-3), .number(150.25), .number(2.0), .integer(0)])),
            (key: "flags", value: .array([.bool(true), .bool(false), .null])),
            (key: "nested", value: .object([(key: "empty", value: .array([])), (key: "object", value: .object([]))])),
        ])
        let data = FHIRJSONWriter.data(value)
        #expect(try JSONValue.parse(data) == value)
        // Foundation agrees that it is JSON.
        #expect((try? JSONSerialization.jsonObject(with: data)) != nil)
        #expect(FHIRJSONWriter.string(.object([(key: "b", value: .integer(1)), (key: "a", value: .number(2.0))])) == #"{"b":1,"a":2}"#)
    }
}

@Suite("CRD: hooks other than order-sign")
struct CRDHookTests {
    @Test func orderSelectAndAppointmentBookFindTheInjection() throws {
        let encounter = try Repository.example("medicare-approved")
        for hook in [CRDService.orderSelect, .appointmentBook] {
            let json = CRD.request(for: encounter, hook: hook, hookInstance: "h")
            let orders = try CRDRequest(json: FHIRJSONWriter.data(json)).orders(today: day("2025-01-01"))
            #expect(orders.count == 1)
            #expect(orders.first?.resourceType == (hook == .appointmentBook ? "Appointment" : "ServiceRequest"))
            #expect(orders.first?.encounter?.coverage == Coverage(payer: "medicare", lineOfBusiness: .medicare))
            #expect(orders.first?.encounter?.lines.first?.code == "20553")
        }
    }

    @Test func appointmentWithoutATPIServiceGetsNoOrder() throws {
        let json = CRD.request(for: try Repository.example("medicare-approved"), hook: .appointmentBook, hookInstance: "h")
            .setting(["context", "appointments", "entry", 0, "resource", "basedOn"], to: nil)
        #expect(try CRDRequest(json: FHIRJSONWriter.data(json)).orders(today: day("2025-01-01")).isEmpty)
    }
}
