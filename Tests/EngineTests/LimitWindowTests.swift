import Foundation
import Testing
import Engine
import Model
import Policies

/// `history show`'s explanation of each limit: the window on a date and what it counts there.
@Suite("limit windows on a date")
struct LimitWindowTests {
    func service(_ payer: String, _ id: String, _ date: String, code: String = "20552", sites: [InjectionSite] = []) -> PayerService {
        PayerService(payer: payer, service: PriorService(id: id, dateOfService: day(date), code: code, units: 1,
                                                         sites: sites.isEmpty ? nil : sites))
    }

    func windows(_ services: [PayerService], on date: String) throws -> [LimitWindow] {
        let context = try Fixture.evaluator().context
        return LimitWindow.windows(of: services, on: day(date), library: context.library, muscles: context.muscles)
    }

    @Test func aMemberLimitCountsTheServicesOfItsCodesInItsWindowOnly() throws {
        let services = [
            service("aetna", "A1", "2024-09-10"),  // the day before the 12 months ending 2025-09-10
            service("aetna", "A2", "2024-09-11"),
            service("aetna", "A3", "2025-09-10", code: "20553"),
            service("aetna", "A4", "2025-09-11"),  // after the date
            service("aetna", "A5", "2025-01-01", code: "99213"),  // not a limited code
        ]
        let found = try windows(services, on: "2025-09-10")
        #expect(found.count == 1)
        let limit = try #require(found.first)
        #expect(limit.policy == "aetna/trigger-point-injections" && limit.scope == .member && limit.max == 4)
        #expect(limit.window == .months(12) && limit.count == .procedures)
        #expect(limit.from == day("2024-09-11") && limit.to == day("2025-09-10"))
        #expect(limit.counted == ["member": 2])
    }

    @Test func aRegionLimitCountsPerRegionAndNamesServicesWithoutOne() throws {
        let neck = [InjectionSite(muscle: "upper trapezius", laterality: .left), InjectionSite(muscle: "levator scapulae")]
        let services = [
            service("florida-blue", "F1", "2025-03-01", sites: neck),
            service("florida-blue", "F2", "2025-03-20", sites: [InjectionSite(muscle: "gluteus medius", laterality: .right)]),
            service("florida-blue", "F3", "2025-03-25"),
            service("florida-blue", "F4", "2025-01-05", sites: neck),  // in the 6 months, not the 30 days
        ]
        let found = try windows(services, on: "2025-03-30")
        #expect(found.map(\.window) == [.days(30), .months(6)])
        let thirty = try #require(found.first), six = try #require(found.last)
        #expect(thirty.from == day("2025-03-01") && six.from == day("2024-10-01"))
        // Two neck muscles on one service count that service once for the neck.
        #expect(thirty.counted == ["neck": 1, "hip_pelvis": 1, "region not documented": 1])
        #expect(six.counted == ["neck": 2, "hip_pelvis": 1, "region not documented": 1])
    }

    @Test func eachPayerSeesItsOwnPoliciesCountingEveryPayersServicesAndACalendarYearStartsInJanuary() throws {
        let services = [service("truecare", "T1", "2024-12-31"), service("truecare", "T2", "2025-07-02"),
                        service("aetna", "A1", "2025-02-01")]
        let found = try windows(services, on: "2025-08-30")
        #expect(found.map(\.policy) == ["aetna/trigger-point-injections", "truecare/mm-1462"])
        let year = try #require(found.last)
        #expect(year.window == .calendarYear && year.from == day("2025-01-01"))
        #expect(year.counted == ["member": 2])
        #expect(found.first?.counted == ["member": 3])
        // Before TrueCare's policy took effect, only Aetna's limit is in effect.
        #expect(try windows(services, on: "2025-06-30").map(\.policy) == ["aetna/trigger-point-injections"])
        // No services: no payer, no windows.
        #expect(try windows([], on: "2025-06-30").isEmpty)
    }

    @Test func aWindowIsListedWithItsTermsAsPoliciesWriteThem() throws {
        let found = try windows([service("aetna", "A1", "2025-02-01")], on: "2025-03-01")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(found), as: UTF8.self)
        #expect(text == #"[{"count":"procedures","counted":{"member":1},"from":"2024-03-02","max":4,"policy":"aetna/trigger-point-injections","#
            + #""rule":"aetna.per-year","scope":"member","to":"2025-03-01","window":"12 months"}]"#)
    }

    @Test func aSiteIsLabelledWithItsSide() {
        #expect(LimitWindow.label(InjectionSite(muscle: "trapezius", laterality: .left)) == "left trapezius")
        #expect(LimitWindow.label(InjectionSite(muscle: "trapezius")) == "trapezius")
    }
}
