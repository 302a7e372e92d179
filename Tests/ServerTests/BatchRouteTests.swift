import Foundation
import History
import Interchange
import MedPolicyServer
import Model
import SyntheticClaims
import TestSupport
import Testing

@Suite("POST /v1/batch")
struct BatchRouteTests {
    static func claimFile(_ claims: Int, seed: UInt64) -> Data {
        Data(Synthetic837Generator(Synthetic837Configuration(rules: .sourceCheckout, claimCount: claims, seed: seed, errorRate: 0.05)).bytes().bytes)
    }

    @Test func an837IsAnsweredWithThe835AndRecordedOnce() async throws {
        let path = temporaryFile("batch.sqlite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await RunningServer.start(history: try await HistoryStores.openSQLite(path: path))
        let file = Self.claimFile(120, seed: 11)
        let remit = try await server.send("POST", "/v1/batch", body: file, contentType: "application/edi-x12")
        #expect(remit.status == 200, "\(remit.text)")
        #expect(remit.header("Content-Type") == "application/edi-x12")
        #expect(remit.text.hasPrefix("ISA*"))
        #expect(remit.text.contains("ST*835*"))
        let claims = try #require(Int(remit.header("Medpolicy-Claims") ?? ""))
        let problems = try #require(Int(remit.header("Medpolicy-Claim-Problems") ?? ""))
        #expect(claims + problems == 120)
        #expect(problems > 0)  // the generator's deliberate errors are reported, not fatal

        let json = try await server.send("POST", "/v1/batch?format=json", body: file, contentType: "application/edi-x12")
        #expect(json.status == 200)
        let summary = try #require(json.object["summary"] as? [String: Any])
        #expect(summary["claims"] as? Int == claims)
        #expect(summary["replays"] as? Int == claims)  // the same file again replays every recorded claim
        #expect((json.object["determinations"] as? [Any])?.count == claims)
        await server.stop()
    }

    /// The outside probe's file (issue 27.2): an ISA and bad segments only is a short 422, whatever its size.
    @Test func aFileOfBadSegmentsOnlyIsAShort422() async throws {
        let server = try await RunningServer.start()
        let isa = "ISA*00*          *00*          *ZZ*SUBMITTERID    *ZZ*RECEIVERID     *250915*1253*^*00501*000000906*0*T*:~"
        let reply = try await server.send("POST", "/v1/batch", body: Data((isa + String(repeating: "Z~", count: 20_000)).utf8),
                                          contentType: "application/edi-x12")
        #expect(reply.status == 422)
        #expect(reply.text.utf8.count < 2_000)
        #expect((reply.object["detail"] as? String)?.contains("more envelope issues") == true)
        await server.stop()
    }

    @Test func garbageIsALocated422() async throws {
        let server = try await RunningServer.start()
        let reply = try await server.send("POST", "/v1/batch", body: Data("this is not X12".utf8), contentType: "application/edi-x12")
        #expect(reply.status == 422, "\(reply.text)")
        #expect(reply.header("Content-Type") == "application/problem+json")
        #expect(try await server.send("POST", "/v1/batch?format=pdf", body: Self.claimFile(1, seed: 1)).status == 400)
        #expect(try await server.send("POST", "/v1/batch?payer=nobody", body: Self.claimFile(1, seed: 1)).status == 400)
        await server.stop()
    }
}
